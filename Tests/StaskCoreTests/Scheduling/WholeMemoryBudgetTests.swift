import AsyncStreams
import StaskCore
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1)))
struct WholeMemoryBudgetTests {
    /// What the steps did, shared with their tasks.
    final class Log: Sendable {
        let entries = Mutex<[String]>([])
        func append(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    /// Yields until `condition` holds (the other task runs meanwhile); fails after many tries.
    func eventually(_ condition: () -> Bool) async {
        for _ in 0..<100_000 where !condition() { await Task.yield() }
        #expect(condition())
    }

    @Test func aStepAloneWaitsForOthersToReleaseAndGivesEverythingBack() async throws {
        let capacity = try ResourceCapacitySource(limits: ["mem": 100, "cpu": 4])
        #expect(capacity.acquireIfAvailable(["mem": 20]))  // the step's own charge
        #expect(capacity.acquireIfAvailable(["mem": 60]))  // a neighbour
        let whole = WholeMemoryBudget()
        whole.attach(capacity)
        let log = Log()
        let alone = Task {
            try await whole.runAlone(holding: 20) {
                log.append("ran")
                return capacity.available["mem"]
            }
        }
        await eventually { capacity.available["mem"] == 0 }  // it gathered what was free
        #expect(log.all.isEmpty, "the neighbour still holds 60: the step may not run yet")
        capacity.release(["mem": 60])
        #expect(try await alone.value == 0, "the step ran holding the whole budget")
        #expect(capacity.available["mem"] == 80, "what was gathered went back; the step's own 20 is the runner's")
    }

    @Test func twoStepsKilledTogetherRunAloneOneAfterTheOther() async throws {
        let capacity = try ResourceCapacitySource(limits: ["mem": 100])
        #expect(capacity.acquireIfAvailable(["mem": 30]))  // step A's charge
        #expect(capacity.acquireIfAvailable(["mem": 30]))  // step B's charge
        let whole = WholeMemoryBudget()
        whole.attach(capacity)
        let order = Log()
        let first = Task {
            try await whole.runAlone(holding: 30) { order.append("A") }
            capacity.release(["mem": 30])  // A's task ends: the scheduler returns its charge
        }
        let second = Task {
            try await whole.runAlone(holding: 30) { order.append("B") }
            capacity.release(["mem": 30])
        }
        try await first.value
        try await second.value
        #expect(order.all.sorted() == ["A", "B"])
        #expect(capacity.available["mem"] == 100)
    }

    @Test func aQueuedStepCancelledLeavesNothingHeld() async throws {
        let capacity = try ResourceCapacitySource(limits: ["mem": 100])
        #expect(capacity.acquireIfAvailable(["mem": 90]))  // a neighbour that never ends in this test
        let whole = WholeMemoryBudget()
        whole.attach(capacity)
        let gathering = Task { try await whole.runAlone(holding: 0) { 1 } }
        await eventually { capacity.available["mem"] == 0 }
        gathering.cancel()
        await #expect(throws: CancellationError.self) { try await gathering.value }
        #expect(capacity.available["mem"] == 10)
    }
}
