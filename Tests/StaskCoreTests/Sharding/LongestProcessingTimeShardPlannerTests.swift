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

    // MARK: - Sticky splits

    static let durations: [String: [String: Double]] = ["test": ["a": 5, "b": 4, "c": 3, "d": 2]]

    static func previous(_ shards: [[String]]) -> ShardPlan {
        ShardPlan(task: "test", assignment: shards, estimates: [:], knownItemCount: shards.joined().count)
    }

    @Test func aPreviousSplitMadeWithoutHistoryIsNeverKept() {
        // The hash split of a first build, [a, b] 9 and [c, d] 5, is within 100% of the fresh 7 and 7.
        let hashSplit = ShardPlan(
            task: "test", assignment: [["a", "b"], ["c", "d"]], estimates: [:], knownItemCount: 0)
        let planner = LongestProcessingTimeShardPlanner(durations: Self.durations, previous: [hashSplit], tolerance: 1)
        #expect(
            planner.assign(items: ["a", "b", "c", "d"], shardCount: 2, task: "test") == [["a", "d"], ["b", "c"]])
    }

    @Test func keepsThePreviousSplitWhileItIsWithinTheTolerance() {
        // Fresh LPT: [a, d] 7, [b, c] 7. Previous [a, c] 8, [b, d] 6: 8 <= 7 * 1.15, kept with its order.
        let planner = LongestProcessingTimeShardPlanner(
            durations: Self.durations, previous: [Self.previous([["c", "a"], ["b", "d"]])], tolerance: 0.15)
        #expect(
            planner.assign(items: ["a", "b", "c", "d"], shardCount: 2, task: "test") == [["c", "a"], ["b", "d"]])
    }

    @Test func replacesThePreviousSplitWhenItIsMuchWorse() {
        // Previous [a, b] 9, [c, d] 5: 9 > 7 * 1.1, so the fresh plan wins.
        let planner = LongestProcessingTimeShardPlanner(
            durations: Self.durations, previous: [Self.previous([["a", "b"], ["c", "d"]])])
        #expect(
            planner.assign(items: ["a", "b", "c", "d"], shardCount: 2, task: "test") == [["a", "d"], ["b", "c"]])
    }

    @Test func aKeptSplitDropsGoneItemsAndPlacesNewOnesOnTheLightestShard() {
        // d is gone, e is new (median estimate 4): previous [a] 5, [b, c] 7 -> e joins shard 0 (9 vs 7).
        // Fresh: [a, c] 8? a(5)->0, b(4)->1, e(4)->1 (ties by name: b < e), c(3)->0: [a, c] 8, [b, e] 8.
        // Kept [a, e] 9, [b, c] 7: 9 <= 8 * 1.15.
        let planner = LongestProcessingTimeShardPlanner(
            durations: Self.durations, previous: [Self.previous([["a", "d"], ["b", "c"]])], tolerance: 0.15)
        #expect(
            planner.assign(items: ["a", "b", "c", "e"], shardCount: 2, task: "test") == [["a", "e"], ["b", "c"]])
    }

    @Test func aPreviousSplitWithAnotherShardCountIsIgnored() {
        let planner = LongestProcessingTimeShardPlanner(
            durations: Self.durations, previous: [Self.previous([["a", "b", "c", "d"], [], []])], tolerance: 10)
        #expect(
            planner.assign(items: ["a", "b", "c", "d"], shardCount: 2, task: "test") == [["a", "d"], ["b", "c"]])
    }

    @Test func theAssignmentIgnoresTheOrderItemsArriveIn() {
        let planner = LongestProcessingTimeShardPlanner(durations: ["t": ["a": 1, "b": 1, "c": 1, "d": 2]])
        #expect(
            planner.assign(items: ["a", "b", "c", "d"], shardCount: 2, task: "t")
                == planner.assign(items: ["d", "c", "b", "a"], shardCount: 2, task: "t"))
        #expect(planner.assign(items: ["a", "b", "c", "d"], shardCount: 2, task: "t") == [["d", "c"], ["a", "b"]])
    }
}
