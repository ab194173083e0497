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
    ///   - spans: The runs of the instances that ran, by local index (local indices are in dependency
    ///     order).
    ///   - dependencies: The dependencies of a local index.
    /// - Complexity: O(*n* log *n* + *e*) over the instances that ran and their edges.
    static func realised(spans: [Int: Span], dependencies: (Int) -> [Int]) -> [Int] {
        var longest: [Int: (total: Duration, previous: Int?)] = [:]
        var best: (index: Int, total: Duration)?
        for index in spans.keys.sorted() {
            let own = spans[index]!.end - spans[index]!.start
            var entry: (total: Duration, previous: Int?) = (own, nil)
            for dependency in dependencies(index) {
                guard let before = longest[dependency] else { continue }
                if before.total + own > entry.total { entry = (before.total + own, dependency) }
            }
            longest[index] = entry
            if best == nil || entry.total > best!.total { best = (index, entry.total) }
        }
        guard var current = best?.index else { return [] }
        var path = [current]
        while let previous = longest[current]?.previous {
            path.append(previous)
            current = previous
        }
        return path.reversed()
    }
}
