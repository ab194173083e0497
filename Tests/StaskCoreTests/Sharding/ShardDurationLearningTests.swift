import StaskCore
import Testing

@Suite struct ShardDurationLearningTests {
    @Test func spreadsATotalInProportionToEstimates() {
        let spread = ShardDurationLearning.spread(6, over: ["a", "b", "c"], estimates: ["a": 1, "b": 2])
        // c gets the median of the known (1.5): weights 1, 2, 1.5.
        let expected: [String: Double] = ["a": 6.0 * 1.0 / 4.5, "b": 6.0 * 2.0 / 4.5, "c": 6.0 * 1.5 / 4.5]
        #expect(spread == expected)
    }

    @Test func spreadsEquallyWithoutEstimatesAndExactlyForALoneItem() {
        #expect(ShardDurationLearning.spread(3, over: ["a", "b", "c"], estimates: [:]) == ["a": 1, "b": 1, "c": 1])
        #expect(ShardDurationLearning.spread(0.7, over: ["a"], estimates: ["a": 5]) == ["a": 0.7])
    }

    @Test func junitTimesWinAndTheRestOfTheTotalIsSpread() {
        let xml = #"<testsuite><testcase classname="a" time="2"/></testsuite>"#
        let learned = ShardDurationLearning.fromJUnit(
            JUnitReport(bytes: Array(xml.utf8)), total: 5, items: ["a.sh", "b.sh", "c.sh"],
            estimates: ["b.sh": 1, "c.sh": 2])
        #expect(learned.seconds == ["a.sh": 2, "b.sh": 1, "c.sh": 2])
        #expect(learned.measured == ["a.sh"])
        #expect(learned.unattributed.isEmpty)
    }

    @Test func unattributedCasesAreCountedAndTheirTimeIsSpreadOverNoItem() {
        let xml = #"""
            <testsuite><testcase classname="tests.test_a.TestX" time="2"/><testcase classname="tests.base.Mixin" name="t" time="2.5"/></testsuite>
            """#
        let learned = ShardDurationLearning.fromJUnit(
            JUnitReport(bytes: Array(xml.utf8)), total: 5, items: ["tests/test_a.py", "tests/test_b.py"],
            estimates: [:])
        // test_b gets only what is left after every case: 5 - 2 - 2.5, not 2.5 more.
        #expect(learned.seconds == ["tests/test_a.py": 2, "tests/test_b.py": 0.5])
        #expect(learned.measured == ["tests/test_a.py"])
        #expect(learned.unattributed == UnattributedTestCases(count: 1, seconds: 2.5, examples: ["tests.base.Mixin t"]))
    }

    // MARK: - Balance on a skewed suite (fake durations: no process runs)

    /// 16 tests; t00, t04, t08, t12 take 100 ms, t01 and t05 30 ms, the others 10 ms (Fixtures/sharding).
    static let suite: [String: Double] = {
        var durations: [String: Double] = [:]
        for index in 0..<16 {
            let name = "tests/t\(index < 10 ? "0" : "")\(index).sh"
            durations[name] = [0, 4, 8, 12].contains(index) ? 0.1 : [1, 5].contains(index) ? 0.03 : 0.01
        }
        return durations
    }()
    static let items = suite.keys.sorted()

    /// The true longest shard over the true ideal `max(longest item, total / shards)`.
    static func trueRatio(_ shards: [[String]]) -> Double {
        let longest = shards.map { $0.reduce(0) { $0 + suite[$1]! } }.max()!
        let total = suite.values.reduce(0, +)
        return longest / max(suite.values.max()!, total / Double(shards.count))
    }

    @Test func exactHistoryGivesALongestShardWithinFifteenPercentOfIdeal() {
        let planner = LongestProcessingTimeShardPlanner(durations: ["test": Self.suite])
        let shards = planner.assign(items: Self.items, shardCount: 4, task: "test")
        #expect(Self.trueRatio(shards) <= 1.15)
        let roundRobin = (0..<4).map { shard in Self.items.enumerated().filter { $0.offset % 4 == shard }.map(\.element)
        }
        #expect(Self.trueRatio(roundRobin) >= 2)  // the four 100 ms tests land in one shard
        #expect(Self.trueRatio(HashShardPlanner().assign(items: Self.items, shardCount: 4, task: "test")) > 1.4)
    }

    @Test func spreadingShardTotalsImprovesTheBalanceOverFiveRuns() {
        var history: [String: Double] = [:]
        var ratios: [Double] = []
        for _ in 0..<6 {
            let planner = LongestProcessingTimeShardPlanner(durations: history.isEmpty ? [:] : ["test": history])
            let shards = planner.assign(items: Self.items, shardCount: 4, task: "test")
            ratios.append(Self.trueRatio(shards))
            for shard in shards {
                let total = shard.reduce(0) { $0 + Self.suite[$1]! }
                history.merge(ShardDurationLearning.spread(total, over: shard, estimates: history)) { _, new in new }
            }
        }
        // ratios[0] is the hash split without history, ratios[5] the plan after five runs.
        #expect(ratios[0] > 1.5, "\(ratios)")
        #expect(ratios[5] <= 1.15, "\(ratios)")
        #expect(ratios[5] < ratios[0], "\(ratios)")
    }
}
