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

    /// The realised critical path: the chain of instances that ran, each depending on the previous one,
    /// whose actual durations add up to the most. Instances that did not run (up to date) break chains.
    /// Returned first step first; ties go to the chain ending at the lower index.
    ///
    /// - Parameters:
    ///   - spans: The run of each local index (local indices are in dependency order); `nil` for an
    ///     instance that did not run. Arrays, not dictionaries: at 100,000 instances this runs at the end of
    ///     a build, beside everything else the build holds.
    ///   - dependencies: The dependencies of a local index.
    /// - Complexity: O(*n* + *e*).
    static func realised(spans: [Span?], dependencies: (Int) -> [Int]) -> [Int] {
        let chains = longestChains(spans: spans, dependencies: dependencies)
        guard var current = chains.best?.index else { return [] }
        var path = [current]
        while chains.previous[current] >= 0 {
            current = Int(chains.previous[current])
            path.append(current)
        }
        return path.reversed()
    }

    /// The longest chain ending at each instance that ran: `previous` is the step before it (-1: none), and
    /// `best` the end of the longest of all (the lowest index on a tie). The step at `zeroed`, if any, counts
    /// as taking no time (see ``speedups(spans:path:limit:dependencies:)``).
    ///
    /// - Complexity: O(*n* + *e*).
    static func longestChains(
        spans: [Span?], zeroed: Int? = nil, dependencies: (Int) -> [Int]
    ) -> (previous: [Int32], best: (index: Int, total: Duration)?) {
        var totals = [Duration?](repeating: nil, count: spans.count)
        var previous = [Int32](repeating: -1, count: spans.count)
        var best: (index: Int, total: Duration)?
        for index in spans.indices {
            guard let span = spans[index] else { continue }
            let own = index == zeroed ? .zero : span.end - span.start
            var total = own
            for dependency in dependencies(index) {
                guard dependency < totals.count, let before = totals[dependency] else { continue }
                if before + own > total {
                    total = before + own
                    previous[index] = Int32(dependency)
                }
            }
            totals[index] = total
            if best == nil || total > best!.total { best = (index, total) }
        }
        return (previous, best)
    }

    /// ``realised(spans:dependencies:)`` over runs given by local index.
    static func realised(spans: [Int: Span], dependencies: (Int) -> [Int]) -> [Int] {
        realised(spans: dense(spans), dependencies: dependencies)
    }

    /// `spans` as an array by index (`nil` where none).
    static func dense(_ spans: [Int: Span]) -> [Span?] {
        var result = [Span?](repeating: nil, count: (spans.keys.max() ?? -1) + 1)
        for (index, span) in spans { result[index] = span }
        return result
    }
}
