import StaskCore
import Testing

@Suite struct LongestProcessingTimeShardPlannerTests {
    @Test func longestItemsAreSpreadFirstSoShardsFinishTogether() {
        let planner = LongestProcessingTimeShardPlanner(durations: [
            "test": ["a": 8, "b": 7, "c": 6, "d": 5, "e": 4]
        ])
        let shards = planner.assign(items: ["a", "b", "c", "d", "e"], shardCount: 2, task: "test")
        // a(8) -> 0, b(7) -> 1, c(6) -> 1 (7 < 8), d(5) -> 0 (8 < 13), e(4) -> 0 (13 == 13, lowest wins)
        #expect(shards == [["a", "d", "e"], ["b", "c"]])
    }

    @Test func unknownItemsGetTheMedianOfKnownOnes() {
        let planner = LongestProcessingTimeShardPlanner(durations: ["test": ["a": 10, "b": 1, "c": 2]])
        // new gets median 2, ties with c and is ordered by name after it.
        let shards = planner.assign(items: ["a", "b", "c", "new"], shardCount: 2, task: "test")
        #expect(shards == [["a"], ["c", "new", "b"]])
    }

    @Test func withoutHistoryTheAssignmentIsTheHashPlanners() {
        let items = ["x", "y", "z", "w"]
        let planner = LongestProcessingTimeShardPlanner(durations: [:])
        #expect(
            planner.assign(items: items, shardCount: 3, task: "t")
                == HashShardPlanner().assign(items: items, shardCount: 3, task: "t"))
    }
}
