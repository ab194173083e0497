import AsyncStreams
import Testing

@Suite struct ResourceCostTests {
    @Test func omittedKeyPutsNoDemand() {
        let cost: ResourceCost = ["cpu": 2]
        #expect(cost.fits(in: ["cpu": 2, "gpu": 0]))
        #expect(cost["gpu"] == 0)
    }

    @Test func negativeAmountNeverFits() {
        let cost: ResourceCost = ["cpu": -1]
        #expect(!cost.fits(in: ["cpu": 100]))
    }

    @Test func zeroCostAlwaysFits() {
        let cost: ResourceCost = ["io": 0]
        #expect(cost.fits(in: ["io": 0, "cpu": 0]))
        #expect(cost.isZero)
    }

    @Test func describesSortedKeys() {
        #expect(ResourceCost(["io": 1, "cpu": 2]).description == "{cpu: 2, io: 1}")
    }
}
