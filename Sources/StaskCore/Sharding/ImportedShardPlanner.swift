/// Assigns items as imported shard plans say (`stask build --shard-plan FILE`), and tasks without a plan
/// through another planner.
///
/// For a task with a plan: an item the plan names goes to the plan's shard, in the plan's order; items
/// the plan does not name are placed longest-processing-time-first (estimate: the plan's, or the median of
/// the plan's estimates; ties by name) onto the shard with the least predicted time, after the planned
/// items; items the plan names that are gone are dropped. Deterministic: it depends only on the plan and
/// the items. The caller checks beforehand that each plan's shard count is the task's
/// (`ShardPlanError.shardCountMismatch`); a plan with another count is ignored here.
package struct ImportedShardPlanner: ShardPlanner {
    /// Plans by task name.
    package let plans: [String: ShardPlan]
    /// The planner of tasks without a plan.
    package let fallback: any ShardPlanner

    /// Creates a planner.
    package init(plans: [ShardPlan], fallback: any ShardPlanner) {
        var byTask: [String: ShardPlan] = [:]
        for plan in plans { byTask[plan.task] = plan }
        self.plans = byTask
        self.fallback = fallback
    }

    /// Assigns `items` to `shardCount` shards.
    ///
    /// - Complexity: O(*n* log *n* + *n* × `shardCount`).
    package func assign(items: [String], shardCount: Int, task: String) -> [[String]] {
        guard let plan = plans[task], plan.shardCount == shardCount else {
            return fallback.assign(items: items, shardCount: shardCount, task: task)
        }
        let present = Set(items)
        var shards = plan.shards.map { $0.items.filter(present.contains) }
        let fallbackEstimate = CriticalPath.defaultEstimate(known: Array(plan.estimates.values))
        var loads = shards.map { $0.reduce(0) { $0 + (plan.estimates[$1] ?? fallbackEstimate) } }
        let planned = Set(plan.items)
        let added = items.filter { !planned.contains($0) }.map { ($0, plan.estimates[$0] ?? fallbackEstimate) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        for (item, estimate) in added {
            var lightest = 0
            for shard in 1..<shardCount where loads[shard] < loads[lightest] { lightest = shard }
            shards[lightest].append(item)
            loads[lightest] += estimate
        }
        return shards
    }
}
