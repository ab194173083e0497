import Synchronization
import Testing

@testable import StaskCore

@Suite(.timeLimit(.minutes(1)))
struct HandOffPermitTests {
    /// Yields until `condition` holds (the other tasks run meanwhile); fails after many tries.
    func eventually(_ condition: () -> Bool) async {
        for _ in 0..<100_000 where !condition() { await Task.yield() }
        #expect(condition())
    }

    @Test func thePermitGoesToWaitersInTheOrderTheyCame() async throws {
        let permit = HandOffPermit<String>()
        #expect(permit.tryTake() && !permit.tryTake())
        let first = Task { try await permit.take(carrying: "first") }
        await eventually { permit.waitingPayloads == ["first"] }
        let second = Task { try await permit.take(carrying: "second") }
        await eventually { permit.waitingPayloads == ["first", "second"] }
        permit.give()
        try await first.value
        #expect(permit.waitingPayloads == ["second"] && !permit.tryTake(), "handed over, never freed")
        permit.give()
        try await second.value
        permit.give()
        #expect(permit.tryTake(), "free once nobody waits")
    }

    @Test func aCancelledWaiterLeavesTheQueueHoldingNothing() async throws {
        let queued = Atomic<Int>(0)
        let permit = HandOffPermit<Int> { queued.add(1, ordering: .relaxed) }
        #expect(permit.tryTake())
        let waiter = Task { try await permit.take(carrying: 7) }
        await eventually { permit.waitingPayloads == [7] }
        #expect(queued.load(ordering: .relaxed) == 1)
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(permit.waitingPayloads.isEmpty)
        permit.give()
        #expect(permit.tryTake(), "the cancelled waiter did not take it")
    }
}
