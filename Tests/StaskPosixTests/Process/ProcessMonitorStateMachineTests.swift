import Glibc
import Testing

@testable import StaskCore
@testable import StaskPosix

@Suite struct ProcessMonitorStateMachineTests {
    typealias Machine = ProcessMonitorStateMachine<String, Int>

    @Test func tokensAreDistinct() {
        var machine = Machine()
        let first = machine.reserve()
        let second = machine.reserve()
        #expect(first != second)
    }

    @Test func startsTheThreadOnceUntilItStops() {
        var machine = Machine()
        let decision1 = machine.startThreadIfNeeded()
        #expect(decision1)
        let decision2 = machine.startThreadIfNeeded()
        #expect(!decision2)
        _ = machine.shutdown()
        #expect(machine.beginPolling() == .stop)
        let decision3 = machine.startThreadIfNeeded()
        #expect(decision3)
    }

    @Test func cancelBeforeRegistrationOnlyMarksAndRegistrationForwardsIt() {
        var machine = Machine()
        let token = machine.reserve()
        let decision4 = machine.cancel(token)
        #expect(!decision4)
        #expect(machine.isCancelRequested(token))
        #expect(machine.beginPolling() == .block)
        // Registered anyway (the spawn raced with the cancellation): the monitor must see both.
        #expect(machine.register(token, processGroup: 42, registration: "child") == (true, nil))
        let inbox = machine.takeInbox()
        #expect(inbox.registrations == ["child"])
        #expect(inbox.cancellations == [token])
    }

    @Test func wakesOnlyWhilePollingAndOncePerPoll() {
        var machine = Machine()
        let first = machine.reserve()
        let second = machine.reserve()
        let decision5 = machine.register(first, processGroup: 1, registration: "a").mustWake
        #expect(!decision5)
        _ = machine.takeInbox()
        #expect(machine.beginPolling() == .block)
        let decision6 = machine.register(second, processGroup: 2, registration: "b").mustWake
        #expect(decision6)
        let decision7 = machine.cancel(first)
        #expect(!decision7)  // already woken
        machine.endPolling()
        machine.wakeConsumed()
        let inbox = machine.takeInbox()
        #expect(inbox.registrations == ["b"])
        #expect(inbox.cancellations == [first])
        #expect(machine.beginPolling() == .block)
        let decision8 = machine.cancel(second)
        #expect(decision8)
    }

    @Test func pollingDoesNotBlockWhenWorkArrivedAfterTakingTheInbox() {
        var machine = Machine()
        let token = machine.reserve()
        _ = machine.takeInbox()
        _ = machine.register(token, processGroup: 7, registration: "late")
        #expect(machine.beginPolling() == .doNotBlock)
    }

    @Test func cancelAfterFinishIsIgnoredAndFinishReportsCancellation() {
        var machine = Machine()
        let done = machine.reserve()
        let cancelled = machine.reserve()
        _ = machine.register(done, processGroup: 1, registration: "a")
        _ = machine.register(cancelled, processGroup: 2, registration: "b")
        _ = machine.cancel(cancelled)
        #expect(machine.finish(done) == false)
        #expect(machine.finish(cancelled) == true)
        _ = machine.takeInbox()
        let decision9 = machine.cancel(done)
        #expect(!decision9)
        #expect(machine.takeInbox().cancellations.isEmpty)
    }

    @Test func signalAllSkipsExitedChildren() {
        var machine = Machine()
        let running = machine.reserve()
        let exited = machine.reserve()
        _ = machine.register(running, processGroup: 10, registration: "a")
        _ = machine.register(exited, processGroup: 11, registration: "b")
        #expect(machine.childExited(exited) == false)
        #expect(machine.signalAllGroups(9) == [10])
        #expect(machine.childExited(running) == true)
        #expect(machine.signalAllGroups(9).isEmpty)
        #expect(machine.finish(exited) == false)
    }

    @Test func signalAllReachesAChildStillBeingSpawned() {
        var machine = Machine()
        let spawning = machine.reserve()
        #expect(machine.signalAllGroups(15).isEmpty)
        // The group exists only now: registration hands the signal over, once.
        let registered = machine.register(spawning, processGroup: 20, registration: "late")
        #expect(registered.pendingSignal == 15)
        #expect(machine.childExited(spawning) == true)
        let other = machine.reserve()
        #expect(machine.register(other, processGroup: 21, registration: "after").pendingSignal == nil)
    }

    @Test func aKillAfterACancelStillReachesAChildBeingSpawned() {
        // Ctrl-C cancels every job; a second one kills every group, also the one whose spawn is under way.
        var machine = Machine()
        let spawning = machine.reserve()
        _ = machine.cancel(spawning)
        #expect(machine.signalAllGroups(SIGKILL).isEmpty)
        #expect(machine.signalAllGroups(SIGTERM).isEmpty)  // a weaker signal does not replace SIGKILL
        let registered = machine.register(spawning, processGroup: 40, registration: "racing")
        #expect(registered.pendingSignal == SIGKILL)
        #expect(machine.takeInbox().cancellations == [spawning])
    }

    @Test func signalAllLeavesAJobCancelledBeforeItsSpawnAlone() {
        var machine = Machine()
        let cancelled = machine.reserve()
        _ = machine.cancel(cancelled)
        #expect(machine.signalAllGroups(9).isEmpty)
        machine.abandon(cancelled)
        let next = machine.reserve()
        #expect(machine.register(next, processGroup: 30, registration: "next").pendingSignal == nil)
    }

    @Test func stopsOnlyWhenShutDownWithNoJobLeft() {
        var machine = Machine()
        let token = machine.reserve()
        #expect(machine.beginPolling() == .block)
        machine.endPolling()
        let decision = machine.shutdown()
        #expect(!decision)
        // Reserved but not registered yet (still spawning): the thread must stay.
        #expect(machine.beginPolling() == .block)
        machine.endPolling()
        _ = machine.register(token, processGroup: 3, registration: "a")
        #expect(machine.beginPolling() == .doNotBlock)
        _ = machine.takeInbox()
        #expect(machine.beginPolling() == .block)
        machine.endPolling()
        _ = machine.childExited(token)
        _ = machine.finish(token)
        #expect(machine.beginPolling() == .stop)
    }

    @Test func shutdownWakesAPollingMonitor() {
        var machine = Machine()
        #expect(machine.beginPolling() == .block)
        let decision10 = machine.shutdown()
        #expect(decision10)
    }

    // MARK: - Work (the monitor thread as a task executor)

    @Test func enqueueStartsAStoppedThreadAndWakesOnlyAPollingOne() {
        var machine = Machine()
        let first = machine.enqueue(1)
        #expect(first.mustStartThread && !first.mustWake)
        let second = machine.enqueue(2)
        #expect(!second.mustStartThread && !second.mustWake)  // running, not polling
        #expect(machine.takeWork() == [1, 2])
        #expect(machine.takeWork().isEmpty)
        #expect(machine.beginPolling() == .block)
        let third = machine.enqueue(3)
        #expect(!third.mustStartThread && third.mustWake)
        let fourth = machine.enqueue(4)
        #expect(!fourth.mustWake)  // already woken
        machine.endPolling()
        machine.wakeConsumed()
        #expect(machine.takeWork() == [3, 4])
    }

    @Test func queuedWorkKeepsThePollFromBlockingAndTheThreadFromStopping() {
        var machine = Machine()
        _ = machine.startThreadIfNeeded()
        _ = machine.shutdown()
        _ = machine.enqueue(7)
        #expect(machine.beginPolling() == .doNotBlock)
        #expect(machine.takeWork() == [7])
        #expect(machine.beginPolling() == .stop)
        // Work after the thread stopped starts a new one.
        #expect(machine.enqueue(8).mustStartThread)
    }

    @Test func workStrandedByAThreadThatFailedToStartCanBeTakenBack() {
        var machine = Machine()
        #expect(machine.enqueue(1).mustStartThread)
        machine.threadFailedToStart()
        #expect(machine.takeWork() == [1])
        #expect(machine.enqueue(2).mustStartThread)
    }
}
