import Testing

@testable import StaskPosix

/// The channel's state, event by event: continuations are plain strings here.
@Suite struct HelperChannelStateMachineTests {
    typealias Machine = HelperChannelStateMachine<String>

    @Test func aQueuedRequestIsCompletedByItsReplyOnce() {
        var machine = Machine()
        let id = machine.reserveID()
        guard case .wake = machine.enqueue(id: id, frame: [1], continuation: "a", deadline: 10, timeout: .seconds(1))
        else {
            Issue.record("expected the request to be queued")
            return
        }
        #expect(machine.takeOutgoing() == [1])
        #expect(machine.complete(id: id) == "a")
        #expect(machine.complete(id: id) == nil)
    }

    @Test func idsStartAtOneBecauseZeroIsUnsolicited() {
        var machine = Machine()
        #expect(machine.reserveID() == 1)
        #expect(machine.reserveID() == 2)
    }

    @Test func bytesAWriteLeftOverGoFirst() {
        var machine = Machine()
        _ = machine.enqueue(id: machine.reserveID(), frame: [1, 2], continuation: "a", deadline: 10, timeout: .zero)
        _ = machine.takeOutgoing()
        _ = machine.enqueue(id: machine.reserveID(), frame: [3], continuation: "b", deadline: 10, timeout: .zero)
        machine.unwritten([2])
        #expect(machine.takeOutgoing() == [2, 3])
    }

    @Test func aCancellationBeforeTheRequestIsQueuedFailsItWhenItIs() {
        var machine = Machine()
        let id = machine.reserveID()
        #expect(machine.cancel(id: id) == nil)
        guard
            case .fail(.cancelled) = machine.enqueue(
                id: id, frame: [1], continuation: "a", deadline: 10, timeout: .zero)
        else {
            Issue.record("expected a cancelled request")
            return
        }
        #expect(machine.takeOutgoing() == [])
    }

    @Test func aCancelledRequestsReplyIsDropped() {
        var machine = Machine()
        let id = machine.reserveID()
        _ = machine.enqueue(id: id, frame: [1], continuation: "a", deadline: 10, timeout: .zero)
        #expect(machine.cancel(id: id) == "a")
        #expect(machine.complete(id: id) == nil)
    }

    @Test func theEarliestDeadlineExpiresNamingItsTimeout() {
        var machine = Machine()
        _ = machine.enqueue(id: machine.reserveID(), frame: [], continuation: "a", deadline: 50, timeout: .seconds(5))
        _ = machine.enqueue(id: machine.reserveID(), frame: [], continuation: "b", deadline: 20, timeout: .seconds(2))
        #expect(machine.earliestDeadline == 20)
        #expect(machine.expired(now: 19) == nil)
        #expect(machine.expired(now: 20) == .unresponsive(.seconds(2)))
    }

    @Test func aFailureResumesEveryWaiterAndEveryLaterRequest() {
        var machine = Machine()
        _ = machine.enqueue(id: machine.reserveID(), frame: [1], continuation: "a", deadline: 10, timeout: .zero)
        _ = machine.enqueue(id: machine.reserveID(), frame: [2], continuation: "b", deadline: 10, timeout: .zero)
        let (failure, waiting) = machine.fail(.exited(status: "exited with status 1"))
        #expect(failure == .exited(status: "exited with status 1"))
        #expect(waiting.sorted() == ["a", "b"])
        #expect(machine.takeOutgoing() == [])
        guard
            case .fail(.exited) = machine.enqueue(
                id: machine.reserveID(), frame: [3], continuation: "c", deadline: 10, timeout: .zero)
        else {
            Issue.record("expected the first failure")
            return
        }
        #expect(machine.fail(.closed).failure == .exited(status: "exited with status 1"))
    }
}
