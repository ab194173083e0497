/// Assigns `foreach` items to shards longest-processing-time-first over recorded per-item durations, so
/// shards finish together.
///
/// Items are taken by decreasing estimate (ties by name) and each goes to the shard with the least total
/// so far (ties to the lowest shard). An item without a recorded duration gets the median of the task's
/// known items. With no history at all for a task, the assignment is ``HashShardPlanner``'s. The result
/// depends only on the items, the count and the history, so every machine of a CI matrix given the same
/// `.stask/` history computes the same assignment (`stask build --shard I/N`).
public struct LongestProcessingTimeShardPlanner: ShardPlanner {
    /// Recorded seconds per task name and item.
    public let durations: [String: [String: Double]]

    /// Creates a planner over recorded durations (seconds), by task name and item.
    public init(durations: [String: [String: Double]]) {
        self.durations = durations
    }

    /// Assigns `items` to `shardCount` shards.
    ///
    /// - Complexity: O(*n* log *n* + *n* × `shardCount`).
    public func assign(items: [String], shardCount: Int, task: String) -> [[String]] {
        let history = durations[task] ?? [:]
        let known = items.compactMap { history[$0] }
        guard !known.isEmpty else {
            return HashShardPlanner().assign(items: items, shardCount: shardCount, task: task)
        }
        let fallback = CriticalPath.defaultEstimate(known: known)
        let ordered = items.map { ($0, history[$0] ?? fallback) }.sorted { first, second in
            first.1 != second.1 ? first.1 > second.1 : first.0 < second.0
        }
        var shards = [[String]](repeating: [], count: shardCount)
        var loads = [Double](repeating: 0, count: shardCount)
        for (item, estimate) in ordered {
            var lightest = 0
            for shard in 1..<shardCount where loads[shard] < loads[lightest] { lightest = shard }
            shards[lightest].append(item)
            loads[lightest] += estimate
        }
        return shards
    }
}
