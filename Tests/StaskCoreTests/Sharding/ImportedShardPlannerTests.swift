import StaskCore
import Testing

@Suite struct ImportedShardPlannerTests {
    static let plan = ShardPlan(
        task: "test", assignment: [["a", "b"], ["c"], []], estimates: ["a": 4, "b": 1, "c": 3], knownItemCount: 3)

    @Test func keepsThePlannedAssignmentAndOrder() {
        let planner = ImportedShardPlanner(plans: [Self.plan], fallback: HashShardPlanner())
        #expect(planner.assign(items: ["a", "b", "c"], shardCount: 3, task: "test") == [["a", "b"], ["c"], []])
    }

    @Test func newItemsGoLongestFirstToTheLightestShardAndGoneItemsAreDropped() {
        let planner = ImportedShardPlanner(plans: [Self.plan], fallback: HashShardPlanner())
        // b is gone; loads 4, 3, 0; new items get the median estimate 3: x -> shard 2, y -> shard 1 (3 < 4).
        #expect(
            planner.assign(items: ["a", "c", "x", "y"], shardCount: 3, task: "test") == [["a"], ["c", "y"], ["x"]])
    }

    @Test func otherTasksAndOtherCountsUseTheFallback() {
        let planner = ImportedShardPlanner(plans: [Self.plan], fallback: HashShardPlanner())
        let items = ["a", "b", "c"]
        #expect(
            planner.assign(items: items, shardCount: 2, task: "test")
                == HashShardPlanner().assign(items: items, shardCount: 2, task: "test"))
        #expect(
            planner.assign(items: items, shardCount: 3, task: "lint")
                == HashShardPlanner().assign(items: items, shardCount: 3, task: "lint"))
    }
}
