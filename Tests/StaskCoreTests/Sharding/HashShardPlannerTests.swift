import Testing

@testable import StaskCore

@Suite struct HashShardPlannerTests {
    @Test func partitionsItemsEvenly() {
        let items = (0..<103).map { "tests/t\($0).sh" }
        let shards = HashShardPlanner().assign(items: items, shardCount: 4, task: "test")
        #expect(shards.count == 4)
        #expect(shards.map(\.count).sorted() == [25, 26, 26, 26])
        #expect(Set(shards.joined()) == Set(items))
        #expect(shards.joined().count == items.count)
    }

    @Test func assignmentIsStableAndIndependentOfInputOrder() {
        let items = (0..<20).map { "t\($0)" }
        let planner = HashShardPlanner()
        let first = planner.assign(items: items, shardCount: 3, task: "x")
        let second = planner.assign(items: items.reversed(), shardCount: 3, task: "x")
        #expect(first == second)
    }

    @Test func hashIsFNV1a() {
        #expect(HashShardPlanner.stableHash("") == 0xcbf2_9ce4_8422_2325)
        #expect(HashShardPlanner.stableHash("a") == 0xaf63_dc4c_8601_ec8c)
    }
}
