import AsyncStreams
import Synchronization
import Testing

@testable import StaskCore

/// The engine-side pieces of remote execution: the local budget of a fallback, and the shell words of an action.
@Suite(.timeLimit(.minutes(1)))
struct RemoteExecutionTests {
    @Test func aFallbackWaitsForItsLocalCostAndGivesItBack() async throws {
        let capacity = try ResourceCapacitySource(limits: ["cpu": 1, "io": 2])
        let budget = LocalFallbackBudget()
        budget.attach(capacity)
        #expect(capacity.acquireIfAvailable(["cpu": 1]))
        let ran = Mutex(false)
        let holder = Task {
            try await budget.holding(["cpu": 1]) {
                ran.withLock { $0 = true }
                return capacity.available.amounts["cpu"]
            }
        }
        for _ in 0..<100 { await Task.yield() }
        #expect(!ran.withLock { $0 })
        capacity.release(["cpu": 1])
        #expect(try await holder.value == 0)
        #expect(capacity.available.amounts["cpu"] == 1)
    }

    @Test func aCancelledWaitHoldsNothing() async throws {
        let capacity = try ResourceCapacitySource(limits: ["cpu": 1])
        let budget = LocalFallbackBudget()
        budget.attach(capacity)
        #expect(capacity.acquireIfAvailable(["cpu": 1]))
        let holder = Task { try await budget.holding(["cpu": 1]) { true } }
        holder.cancel()
        await #expect(throws: CancellationError.self) { try await holder.value }
        capacity.release(["cpu": 1])
        #expect(capacity.available.amounts["cpu"] == 1)
    }

    @Test func resourcesWithoutALimitAreNotWaitedForAndACostAboveTheLimitTakesTheWhole() async throws {
        let capacity = try ResourceCapacitySource(limits: ["cpu": 2])
        let budget = LocalFallbackBudget()
        budget.attach(capacity)
        let inside = try await budget.holding(["gpu": 1, "cpu": 5]) { capacity.available.amounts["cpu"] }
        #expect(inside == 0)
        #expect(capacity.available.amounts["cpu"] == 2)
    }

    @Test func slotsGoToTheHighestPriorityWaiterFirst() async throws {
        let slots = RemoteSlots(count: 1)
        try await slots.acquire(priority: 0)
        let served = ServedOrder()
        var waiters: [Task<Void, any Error>] = []
        for priority in [1.0, 5.0, 3.0] {
            waiters.append(
                Task {
                    try await slots.acquire(priority: priority)
                    served.append(priority)
                    slots.release()
                })
            // Each is in line before the next one comes.
            while slots.waitingCount < waiters.count { await Task.yield() }
        }
        slots.release()
        for waiter in waiters { try await waiter.value }
        #expect(served.values == [5, 3, 1])
    }

    final class ServedOrder: Sendable {
        private let order = Mutex<[Double]>([])
        func append(_ value: Double) { order.withLock { $0.append(value) } }
        var values: [Double] { order.withLock { $0 } }
    }

    @Test func aCancelledWaiterLeavesTheLineAndTheSlotGoesToTheNext() async throws {
        let slots = RemoteSlots(count: 1)
        try await slots.acquire(priority: 0)
        let cancelled = Task { try await slots.acquire(priority: 9) }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        slots.release()
        // The slot is free again: taken at once.
        try await slots.acquire(priority: 1)
        slots.release()
    }

    @Test(arguments: [
        ("sub/dir", "sub/dir"), ("a b", "'a b'"), ("it's", "'it'\\''s'"), ("$HOME", "'$HOME'"), ("", "''"),
    ])
    func directoriesAreQuotedForTheShell(text: String, quoted: String) {
        #expect(RemoteExecution.shellQuoted(text) == quoted)
    }

    @Test func onlyRelativePathsInsideTheProjectGoIntoTheInputRoot() {
        #expect(RemoteExecution.isInsideProject("src/a.c"))
        #expect(!RemoteExecution.isInsideProject("/usr/include/stdio.h"))
        #expect(!RemoteExecution.isInsideProject("../other/a.h"))
        #expect(!RemoteExecution.isInsideProject("src/../../a.h"))
    }
}
