import StaskCore
import Testing

@Suite struct ShardPlanTests {
    @Test func predictsShardTimesAndTheRatioToTheIdeal() {
        let plan = ShardPlan(
            task: "test", assignment: [["a", "b"], ["c"]], estimates: ["a": 3, "b": 1], knownItemCount: 2)
        // c gets the median of a and b: 2. Shards 4 and 2; ideal max(3, 6 / 2) = 3.
        #expect(plan.shards.map(\.predictedSeconds) == [4, 2])
        #expect(plan.estimates == ["a": 3, "b": 1, "c": 2])
        #expect(plan.longestSeconds == 4)
        #expect(plan.idealSeconds == 3)
        #expect(plan.ratio == 4.0 / 3.0)
        #expect(plan.shardIndex(of: "c") == 1)
        #expect(plan.shardIndex(of: "zzz") == nil)
    }

    @Test func theIdealIsTheLongestItemWhenItDominates() {
        let plan = ShardPlan(
            task: "t", assignment: [["a"], ["b"], ["c"]], estimates: ["a": 9, "b": 1, "c": 1], knownItemCount: 3)
        #expect(plan.idealSeconds == 9)
        #expect(plan.ratio == 1)
    }

    @Test func textListsShardsWithMeasuredAndEstimatedTimeItemsAndBalance() {
        let plan = ShardPlan(
            task: "test", assignment: [["a", "b"], ["c"]], estimates: ["a": 3, "b": 1, "c": 2.5], knownItemCount: 3,
            measuredItems: ["a", "c"])
        #expect(
            plan.text == """
                test: 3 items in 2 shards (history for all 3 items)
                  shard 0: 4.000 s (3.000 s measured, 1.000 s estimated), 2 items: a (3.000 s) b (1.000 s)
                  shard 1: 2.500 s (2.500 s measured, 0.000 s estimated), 1 item: c (2.500 s)
                  longest shard 4.000 s, ideal 3.250 s = max(longest item 3.000 s, total 6.500 s / 2): ratio 1.23

                """)
    }

    @Test func textShowsTheUnattributedTestTime() {
        let plan = ShardPlan(
            task: "test", assignment: [["a"], ["b"]], estimates: ["a": 1, "b": 1], knownItemCount: 2,
            measuredItems: ["a", "b"],
            unattributed: UnattributedTestCases(count: 2, seconds: 0.75, examples: ["tests.base.Mixin t", "x y"]))
        #expect(
            plan.text.contains(
                "  unattributed: 2 test cases, 0.750 s, named no item in the last runs' JUnit reports"
                    + " (e.g. 'tests.base.Mixin t', 'x y')\n"), "\(plan.text)")
        #expect(plan.shards.map(\.measuredSeconds) == [1, 1])
    }

    @Test func withoutHistoryTheTextClaimsNoMeasurement() {
        let plan = ShardPlan(task: "test", assignment: [["a"], ["b"]], estimates: [:], knownItemCount: 0)
        #expect(plan.text.contains("  shard 0: 1.000 s, 1 item: a (1.000 s)\n"), "\(plan.text)")
    }

    @Test func roundTripsThroughThePlanFile() throws {
        let plan = ShardPlan(
            task: "test", assignment: [["a"], ["b", "c"]], estimates: ["a": 2, "b": 1.5, "c": 0.5], knownItemCount: 3)
        let bytes = try ShardPlanFile(plans: [plan]).encoded()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"ratio\""))
        #expect(text.contains("\"predicted_seconds\""))
        let decoded = try ShardPlanFile(decoding: bytes, path: "plan.json")
        #expect(decoded.plans == [plan])
        #expect(decoded.version == 1)

        let impossible = ShardPlan(task: "test", assignment: [["a"]], estimates: ["a": .infinity], knownItemCount: 1)
        #expect(throws: EncodingError.self) { try ShardPlanFile(plans: [impossible]).encoded() }
    }

    @Test func refusesOtherVersionsAndBrokenPlans() {
        #expect(throws: ShardPlanError.unsupportedVersion(path: "p.json", found: 2)) {
            try ShardPlanFile(decoding: Array(#"{"version": 2, "plans": []}"#.utf8), path: "p.json")
        }
        #expect {
            try ShardPlanFile(decoding: Array("[1, 2]".utf8), path: "p.json")
        } throws: { error in
            guard case .malformed(let path, _) = error as? ShardPlanError else { return false }
            return path == "p.json"
        }
        let twice = #"""
            {"version": 1, "plans": [{"task": "t", "shard_count": 2,
              "shards": [{"index": 0, "items": ["a"], "predicted_seconds": 1},
                         {"index": 1, "items": ["a"], "predicted_seconds": 1}]}]}
            """#
        #expect(throws: ShardPlanError.malformed(path: "p.json", reason: "plan of 't' names an item in two shards")) {
            try ShardPlanFile(decoding: Array(twice.utf8), path: "p.json")
        }
    }
}
