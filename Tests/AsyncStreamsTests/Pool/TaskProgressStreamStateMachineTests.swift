import Testing

@testable import AsyncStreams

@Suite struct TaskProgressStreamStateMachineTests {
    typealias Machine = TaskProgressStreamStateMachine<Int>

    func delivered(_ action: Machine.NextAction) -> Int?? {
        guard case .deliver(let result, _) = action else { return nil }
        return try? result.get()
    }

    @Test func startsOnlyOnce() {
        var machine = Machine(limit: 4)
        let first = machine.startIfNeeded()
        let second = machine.startIfNeeded()
        #expect(first)
        #expect(!second)
    }

    @Test func sendAsksTheProducerToWaitOnlyAtTheLimit() {
        var machine = Machine(limit: 3)
        _ = machine.startIfNeeded()
        guard case .buffered(let resume, let mustWait) = machine.send([1, 2]) else {
            Issue.record("send was refused")
            return
        }
        #expect(resume == nil)
        #expect(!mustWait)
        guard case .buffered(_, let full) = machine.send([3]) else {
            Issue.record("send was refused")
            return
        }
        #expect(full)
        #expect(machine.bufferedCount == 3)
    }

    @Test func elementsComeOutInOrderThenTheEnd() {
        var machine = Machine(limit: 8)
        _ = machine.startIfNeeded()
        _ = machine.send([1, 2, 3])
        let parked = machine.finish(nil)
        #expect(parked == nil)
        let next1 = delivered(machine.next())
        #expect(next1 == 1)
        let next2 = delivered(machine.next())
        #expect(next2 == 2)
        let next3 = delivered(machine.next())
        #expect(next3 == 3)
        let next4 = delivered(machine.next())
        #expect(next4 == .some(nil))
        let next5 = delivered(machine.next())
        #expect(next5 == .some(nil))
    }

    @Test func bufferedElementsArriveBeforeTheErrorWhichIsThrownOnce() {
        var machine = Machine(limit: 8)
        _ = machine.startIfNeeded()
        _ = machine.send([7])
        _ = machine.finish(TestFailure(name: "boom"))
        let next6 = delivered(machine.next())
        #expect(next6 == 7)
        guard case .deliver(let result, _) = machine.next() else {
            Issue.record("expected the error")
            return
        }
        #expect(throws: TestFailure(name: "boom")) { try result.get() }
        let next7 = delivered(machine.next())
        #expect(next7 == .some(nil))
    }

    @Test func emptyRunningStreamSuspendsTheConsumer() {
        var machine = Machine(limit: 2)
        _ = machine.startIfNeeded()
        guard case .suspend = machine.next() else {
            Issue.record("expected the consumer to suspend")
            return
        }
    }

    @Test func cancellationDropsTheBufferAndRefusesFurtherSends() {
        var machine = Machine(limit: 4)
        _ = machine.startIfNeeded()
        _ = machine.send([1, 2])
        _ = machine.cancel()
        #expect(machine.bufferedCount == 0)
        guard case .stop = machine.send([3]) else {
            Issue.record("send after cancel must stop the producer")
            return
        }
        // The consumer waits for the producer's cleanup, then sees the end.
        guard case .suspend = machine.next() else {
            Issue.record("expected the consumer to wait for the cleanup")
            return
        }
        let parked = machine.finish(nil)
        #expect(parked == nil)
        let next8 = delivered(machine.next())
        #expect(next8 == .some(nil))
    }

    @Test func cancellingAStreamThatNeverStartedEndsAtOnce() {
        var machine = Machine(limit: 4)
        _ = machine.cancel()
        let started = machine.startIfNeeded()
        #expect(!started)
        let next9 = delivered(machine.next())
        #expect(next9 == .some(nil))
    }

    @Test(.timeLimit(.minutes(1))) func parkedProducerResumesWhenTheBufferDrainsBelowHalf() async throws {
        let storage = TaskProgressStreamStorage<Int>(limit: 4) { _ in Task {} }
        #expect(await storage.send([1, 2, 3]))
        let producer = Task { await storage.send([4]) }
        await waitUntil("the producer waits for room in the buffer") { storage.isProducerWaiting }
        #expect(try await storage.next() == 1)
        #expect(try await storage.next() == 2)
        #expect(storage.isProducerWaiting)
        #expect(try await storage.next() == 3)
        #expect(try await producer.value(within: "the producer task to finish"))
        #expect(!storage.isProducerWaiting)
        #expect(try await storage.next() == 4)
    }
}
