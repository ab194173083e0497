import HeapModule

extension DependencyGraphCore {
    /// Kahn's algorithm over a batch with a min-heap of positions, so ties keep input order.
    ///
    /// `references` holds, per entry, its dependencies: `~p` for the batch entry at position `p`,
    /// non-negative values for nodes already in the graph (ignored here). Returns the placement order
    /// (shorter than the batch when there is a cycle) and each entry's count of unplaced dependencies.
    static func batchOrder(count: Int, references: [[Int32]]) -> (order: [Int32], waiting: [Int32]) {
        // Dependents within the batch, in compressed-row form.
        var waiting = [Int32](repeating: 0, count: count)
        var rowStart = [Int](repeating: 0, count: count + 1)
        for (offset, list) in references.enumerated() {
            for reference in list where reference < 0 {
                waiting[offset] += 1
                rowStart[Int(~reference) + 1] += 1
            }
        }
        for index in 0..<count { rowStart[index + 1] += rowStart[index] }
        var fill = rowStart
        var dependents = [Int32](repeating: 0, count: rowStart[count])
        for (offset, list) in references.enumerated() {
            for reference in list where reference < 0 {
                dependents[fill[Int(~reference)]] = Int32(offset)
                fill[Int(~reference)] += 1
            }
        }

        var heap = Heap<Int32>()
        for offset in 0..<count where waiting[offset] == 0 { heap.insert(Int32(offset)) }
        var order: [Int32] = []
        order.reserveCapacity(count)
        while let next = heap.popMin() {
            order.append(next)
            for slot in rowStart[Int(next)]..<rowStart[Int(next) + 1] {
                let dependent = Int(dependents[slot])
                waiting[dependent] -= 1
                if waiting[dependent] == 0 { heap.insert(Int32(dependent)) }
            }
        }
        return (order, waiting)
    }

    /// Follows unplaced dependencies from the earliest unplaced entry until a position repeats. Every
    /// unplaced entry has an unplaced dependency, so the walk always closes a cycle. The cycle starts
    /// at its earliest-listed entry and repeats it at the end.
    static func cyclePositions(references: [[Int32]], waiting: [Int32]) -> [Int] {
        guard var current = waiting.firstIndex(where: { $0 > 0 }) else { return [] }
        var path: [Int] = []
        var seenAt: [Int: Int] = [:]
        while seenAt[current] == nil {
            seenAt[current] = path.count
            path.append(current)
            guard
                let next = references[current].first(where: { $0 < 0 && waiting[Int(~$0)] > 0 })
            else { return [] }
            current = Int(~next)
        }
        let cycle = Array(path[seenAt[current]!...])
        let start = cycle.indices.min { cycle[$0] < cycle[$1] }!
        return Array(cycle[start...] + cycle[..<start]) + [cycle[start]]
    }
}
