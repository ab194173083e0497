import AsyncStreams
import Synchronization
import Testing

@testable import StaskCore

/// The engine-side pieces of remote execution: the local budget of a fallback, and the shell words of an action.
@Suite(.timeLimit(.minutes(1)))
struct RemoteExecutionTests {
    @Test func aFallbackWaitsForItsLocalCostAndGivesItBack() async throws {
        let capacity = try ResourceCapacitySource(limits: ["cpu": 1, RemoteExecutionConfiguration.slotResource: 2])
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
