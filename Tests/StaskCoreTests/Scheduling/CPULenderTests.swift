import AsyncStreams
import StaskCore
import Synchronization
import Testing

@Suite struct CPULenderTests {
    @Test func lendsOnlyFreeUnitsAndOnlyWhileNoStepWaits() throws {
        let capacity = try ResourceCapacitySource(limits: ["cpu": 2])
        let waiting = Mutex(false)
        let lender = CPULender()
        lender.attach(capacity) { waiting.withLock { $0 } }
        #expect(lender.cpuLimit == 2)
        #expect(lender.lendOne() && lender.lendOne())
        #expect(!lender.lendOne(), "no unit is free")
        lender.giveBack(1)
        waiting.withLock { $0 = true }
        #expect(!lender.lendOne(), "a step waits: the free unit is its")
        #expect(capacity.available["cpu"] == 1)
    }

    @Test func listenersHearOfChangesUntilTheyStop() {
        let lender = CPULender()
        let heard = Mutex(0)
        let stop = lender.listen { heard.withLock { $0 += 1 } }
        lender.notifyChange()
        stop()
        lender.notifyChange()
        #expect(heard.withLock { $0 } == 1)
    }
}
