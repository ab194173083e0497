/// Assigns `foreach` items to shards longest-processing-time-first over recorded per-item durations, so
/// shards finish together.
///
/// Items are taken by decreasing estimate (ties by name) and each goes to the shard with the least total
/// so far (ties to the lowest shard); a shard's items are in that order, longest first. An item without a
/// recorded duration gets the median of the task's known items. With no history at all for a task, the
/// assignment is ``HashShardPlanner``'s.
///
/// **Sticky splits.** Re-planning after every run would move items whose measured times jitter, which
/// changes the shards' commands and reruns shards whose inputs did not change. So when the previous split
/// of the task is known (``previous``, saved by the last build in `.stask/shard-plans.json`), it is kept —
/// items gone are dropped, new items placed longest first onto the lightest shard — as long as its
/// predicted longest shard, under the current estimates, is within ``tolerance`` of the fresh plan's. A
/// previous split made without any history (the hash split) is never kept: it was not planned by time.
///
/// **Kept splits.** For the tasks in ``keeping`` the previous split is kept whatever the estimates say (items
/// gone dropped, new ones placed as above), even a hash split: the engine asks for this when none of the
/// task's instances would run under it, so that a build with nothing changed runs nothing (a split planned
/// anew changes the shards' commands).
///
/// The result depends only on the items, the count, the durations, the previous split and ``keeping``, so
/// every machine of a CI matrix given the same `.stask/` computes the same assignment (`stask build --shard
/// I/N` keeps no split).
package struct LongestProcessingTimeShardPlanner: ShardPlanner {
    /// Recorded seconds per task name and item.
    package let durations: [String: [String: Double]]
    /// The split each task had in the last build, by task name.
    package let previous: [String: ShardPlan]
    /// How much longer (as a fraction) the previous split's longest shard may be than the fresh plan's
    /// for the previous split to be kept.
    package let tolerance: Double
    /// The tasks whose previous split, when there is one of the same shard count, is kept as it is.
    package let keeping: Set<String>

    /// Creates a planner.
    ///
    /// - Parameters:
    ///   - durations: Recorded seconds, by task name and item.
    ///   - previous: The last build's splits (only their items and shards are used).
    ///   - tolerance: See ``tolerance``; 0.10 by default.
    ///   - keeping: See ``keeping``; none by default.
    package init(
        durations: [String: [String: Double]], previous: [ShardPlan] = [], tolerance: Double = 0.10,
        keeping: Set<String> = []
    ) {
        self.durations = durations
        var byTask: [String: ShardPlan] = [:]
        for plan in previous { byTask[plan.task] = plan }
        self.previous = byTask
        self.tolerance = tolerance
        self.keeping = keeping
    }

    /// Assigns `items` to `shardCount` shards.
    ///
    /// - Complexity: O(*n* log *n* + *n* × `shardCount`).
    package func assign(items: [String], shardCount: Int, task: String) -> [[String]] {
        let history = durations[task] ?? [:]
        let known = items.compactMap { history[$0] }
        let fallback = CriticalPath.defaultEstimate(known: known)
        let estimate = { (item: String) in history[item] ?? fallback }
        let plan = previous[task].flatMap { $0.shardCount == shardCount ? $0 : nil }
        let kept = plan.map { plan in
            let present = Set(items)
            let planned = Set(plan.items)
            return Self.extend(
                plan.shards.map { $0.items.filter(present.contains) }, with: items.filter { !planned.contains($0) },
                estimate: estimate)
        }
        if let kept, keeping.contains(task) { return kept }
        guard !known.isEmpty else {
            return HashShardPlanner().assign(items: items, shardCount: shardCount, task: task)
        }
        let fresh = Self.extend([[String]](repeating: [], count: shardCount), with: items, estimate: estimate)
        guard let plan, let kept, plan.knownItemCount > 0 else { return fresh }
        let longest = { (shards: [[String]]) in shards.map { $0.reduce(0) { $0 + estimate($1) } }.max() ?? 0 }
        return longest(kept) <= longest(fresh) * (1 + tolerance) ? kept : fresh
    }

    /// `shards` with `items` added longest first (ties by name), each to the shard with the least predicted
    /// time so far (ties to the lowest shard), after the items already there.
    static func extend(_ shards: [[String]], with items: [String], estimate: (String) -> Double) -> [[String]] {
        var shards = shards
        var loads = shards.map { $0.reduce(0) { $0 + estimate($1) } }
        let ordered = items.map { ($0, estimate($0)) }.sorted { first, second in
            first.1 != second.1 ? first.1 > second.1 : first.0 < second.0
        }
        for (item, seconds) in ordered {
            var lightest = 0
            for shard in 1..<shards.count where loads[shard] < loads[lightest] { lightest = shard }
            shards[lightest].append(item)
            loads[lightest] += seconds
        }
        return shards
    }
}
