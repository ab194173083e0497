import Testing

@testable import StaskCore

@Suite struct ProbedSlotsTests {
    @Test(arguments: [false, true])
    func findsEveryKeyThroughGrowthEvenWhenAllTagsCollide(collide: Bool) {
        let keys = (0..<1_000).map { "src/f\($0).c" }
        let tag = { (key: String) -> UInt32 in collide ? 7 : ProbedSlots.tag(of: key) }
        var slots = ProbedSlots()
        for (position, key) in keys.enumerated() {
            #expect(slots.insert(tag: tag(key), position: position) { keys[$0] == key } == nil)
        }
        #expect(slots.count == keys.count && slots.capacity >= keys.count)
        for (position, key) in keys.enumerated() {
            #expect(slots.find(tag: tag(key)) { keys[$0] == key } == position)
        }
        #expect(slots.find(tag: tag("missing")) { keys[$0] == "missing" } == nil)
        #expect(Set(slots.positions) == Set(keys.indices))
    }

    @Test func insertingAKeyAgainReplacesItsPosition() {
        let keys = ["a", "b", "a"]
        var slots = ProbedSlots(capacity: 2)
        for (position, key) in keys.enumerated() {
            slots.insert(tag: ProbedSlots.tag(of: key), position: position) { keys[$0] == key }
        }
        #expect(slots.count == 2)
        #expect(slots.find(tag: ProbedSlots.tag(of: "a")) { keys[$0] == "a" } == 2)
    }
}
