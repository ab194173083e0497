/// Critical-path arithmetic over a set of task instances: scheduling priorities before the build and the
/// realised critical path after it.
///
/// Pure functions over dense local indices `0..<count` in topological order (every instance after its
/// dependencies), so they are tested without a file system or a scheduler.
enum CriticalPath {
    /// The scheduling priority of each instance: its estimated duration plus its `priority:` bonus plus
    /// the largest priority among its dependents, i.e. the longest remaining path through the rest of the
    /// build, weighted by time (ninja weights every step as 1).
    ///
    /// The bonus propagates upstream with the path: a task given a high `priority:` pulls its
    /// dependencies forward too, since it cannot start before them.
    ///
    /// - Parameters:
    ///   - estimates: Seconds, per local index.
    ///   - bonuses: Each instance's `priority:`.
    ///   - dependents: The dependents of each local index (local indices, all greater than it).
    /// - Complexity: O(*n* + *e*).
    static func priorities(estimates: [Double], bonuses: [Double], dependents: [[Int]]) -> [Double] {
        precondition(estimates.count == bonuses.count && estimates.count == dependents.count, "mismatched inputs")
        var priorities = [Double](repeating: 0, count: estimates.count)
        for index in estimates.indices.reversed() {
            var longest = 0.0
            for dependent in dependents[index] {
                precondition(dependent > index, "instances must be in topological order")
                longest = max(longest, priorities[dependent])
            }
            priorities[index] = estimates[index] + bonuses[index] + longest
        }
        return priorities
    }

    /// The estimate for an instance never run before: the median of the known estimates, or one second.
    static func defaultEstimate(known: [Double]) -> Double {
        guard !known.isEmpty else { return 1 }
        let sorted = known.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// One instance's run in this build: when it started and ended (its last attempt).
    struct Span: Equatable {
        var start: Duration
        var end: Duration
    }

    /// The realised critical path: from the instance that ended last, walk back through the dependency
    /// that ended last among those that ran, until an instance with none. Returned first step first.
    ///
    /// - Parameters:
    ///   - spans: The runs of the instances that ran, by local index.
    ///   - dependencies: The dependencies of a local index.
    /// - Complexity: O(path length × dependencies).
    static func realised(spans: [Int: Span], dependencies: (Int) -> [Int]) -> [Int] {
        guard var current = spans.max(by: { ($0.value.end, $1.key) < ($1.value.end, $0.key) })?.key else {
            return []
        }
        var path = [current]
        while true {
            var gate: (index: Int, end: Duration)?
            for dependency in dependencies(current) {
                guard let span = spans[dependency] else { continue }
                if gate == nil || span.end > gate!.end { gate = (dependency, span.end) }
            }
            guard let gate else { break }
            path.append(gate.index)
            current = gate.index
        }
        return path.reversed()
    }
}
