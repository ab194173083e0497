import Testing

@testable import StaskCore

@Suite struct BuildCoordinatorStateTests {
    private typealias State = BuildCoordinatorState

    private static let failure = TaskFailure(command: "false", termination: .exited(1))
    private static let failedAttempt = State.FailedAttempt(
        failure: failure, output: Array("boom\n".utf8), duration: .milliseconds(5))
    private static let span = CriticalPath.Span(start: .seconds(1), end: .seconds(3))

    private func makeState(
        _ keys: [String], attempts: [String: Int] = [:], keepGoing: Bool = false
    ) -> State {
        State(keys: keys, maxAttempts: attempts, estimates: ["a": .seconds(2)], keepGoing: keepGoing)
    }

    @Test func successReportsFinishedThenCompletesTheNode() {
        var state = makeState(["a"])
        let (attempt, started) = state.attemptStarted("a")
        #expect(attempt == 1)
        #expect(started == [.report(.started(id: "a", attempt: 1, estimate: .seconds(2)))])
        let actions = state.attemptSucceeded("a", output: [65], span: Self.span)
        #expect(
            actions == [
                .report(.finished(id: "a", outcome: .succeeded, duration: .seconds(2), output: [65])), .complete("a"),
            ])
        #expect(state.built == 1 && state.flaky.isEmpty && !state.hasUnfinished)
        #expect(state.spans["a"] == Self.span)
    }

    @Test func failedAttemptWithAttemptsLeftIsRetriedAfterTheDelay() {
        var state = makeState(["a"], attempts: ["a": 3])
        _ = state.attemptStarted("a")
        let actions = state.attemptFailed("a", Self.failedAttempt) { attempt in .milliseconds(100 * attempt) }
        #expect(
            actions == [
                .report(
                    .retrying(
                        id: "a", failedAttempt: 1, failure: Self.failure, delay: .milliseconds(100),
                        output: Self.failedAttempt.output)),
                .retry("a", after: .milliseconds(100)),
            ])
        #expect(state.phases["a"] == .backingOff(failedAttempt: 1))
        #expect(state.attemptStarted("a").attempt == 2)
    }

    @Test func taskThatFailedThenPassedIsFlaky() {
        var state = makeState(["a"], attempts: ["a": 3])
        _ = state.attemptStarted("a")
        _ = state.attemptFailed("a", Self.failedAttempt) { _ in .zero }
        _ = state.attemptStarted("a")
        let actions = state.attemptSucceeded("a", output: [], span: Self.span)
        #expect(actions.first == .report(.flaky(id: "a")))
        #expect(state.flaky == ["a"] && state.built == 1)
    }

    @Test func lastFailedAttemptFailsTheTaskAbortsItsDependentsAndStopsTheBuild() {
        var state = makeState(["a", "b", "c", "d"], attempts: ["a": 2])
        _ = state.attemptStarted("a")
        _ = state.attemptStarted("d")
        _ = state.attemptFailed("a", Self.failedAttempt) { _ in .zero }
        _ = state.attemptStarted("a")
        let actions = state.attemptFailed("a", Self.failedAttempt) { _ in .zero }
        #expect(
            actions == [
                .report(
                    .finished(
                        id: "a", outcome: .failed(Self.failure), duration: .milliseconds(5),
                        output: Self.failedAttempt.output)),
                .abort("a"),
                // Without -k: everything not running is aborted; the running "d" finishes.
                .abortUnlessTaken("b"), .abortUnlessTaken("c"),
            ])
        #expect(state.failed == ["a"] && state.isStopping)
        #expect(state.aborted(["a", "b"]) == [.report(.aborted(ids: ["b"]))])
        #expect(state.aborted(["c"]) == [.report(.aborted(ids: ["c"]))])
        #expect(state.aborted == 2)
        #expect(state.hasUnfinished, "d is still running")
    }

    @Test func keepGoingAbortsOnlyTheFailedTasksDependents() {
        var state = makeState(["a", "b", "c"], keepGoing: true)
        _ = state.attemptStarted("a")
        let actions = state.attemptFailed("a", Self.failedAttempt) { _ in .zero }
        #expect(actions.count == 2 && actions.last == .abort("a"))
        #expect(!state.isStopping)
        #expect(state.aborted(["a", "b"]) == [.report(.aborted(ids: ["b"]))])
        #expect(state.phases["c"] == .queued)
    }

    @Test func noRetryOnceTheBuildIsStopping() {
        var state = makeState(["a", "b"], attempts: ["b": 3])
        _ = state.attemptStarted("a")
        _ = state.attemptStarted("b")
        _ = state.attemptFailed("a", Self.failedAttempt) { _ in .zero }
        let actions = state.attemptFailed("b", Self.failedAttempt) { _ in .seconds(1) }
        #expect(!actions.contains(.retry("b", after: .seconds(1))))
        #expect(state.failed == ["a", "b"])
    }

    @Test func earlyCutoffCountsAsUpToDateAndCompletes() {
        var state = makeState(["a"])
        #expect(
            state.foundUpToDate("a") == [
                .report(.finished(id: "a", outcome: .upToDate, duration: .zero, output: [])), .complete("a"),
            ])
        #expect(state.upToDate == 1 && state.built == 0)
    }

    @Test func restoredFromTheRemoteCacheCountsApartFromBuilt() {
        var state = makeState(["a", "b"])
        _ = state.attemptStarted("a")
        #expect(
            state.attemptSucceeded("a", output: [], span: Self.span, isRestored: true) == [
                .report(.finished(id: "a", outcome: .restored, duration: .seconds(2), output: [])), .complete("a"),
            ])
        #expect(state.restored == 1 && state.built == 0 && state.notCompleted == 1)
        _ = state.attemptStarted("b")
        _ = state.attemptSucceeded("b", output: [], span: Self.span)
        #expect(state.notCompleted == 0)
    }

    @Test func interruptAbortsWhatIsNotRunningAndRemembersTheFirstSignal() {
        var state = makeState(["a", "b"], attempts: ["a": 3])
        _ = state.attemptStarted("a")
        _ = state.attemptFailed("a", Self.failedAttempt) { _ in .seconds(1) }
        #expect(state.interrupt(signal: 2) == [.abortUnlessTaken("a"), .abortUnlessTaken("b")])
        #expect(state.interrupt(signal: 15) == [])
        #expect(state.interruptingSignal == 2)
        #expect(state.notCompleted == 2)
    }

    @Test func outcomeOfAnInstanceAbortedWhileItStartedIsIgnored() {
        var state = makeState(["a", "b"])
        _ = state.attemptStarted("a")
        _ = state.attemptFailed("a", Self.failedAttempt) { _ in .zero }
        // The runner had already taken "b" when the stop aborted it.
        #expect(state.aborted(["b"]) == [.report(.aborted(ids: ["b"]))])
        #expect(state.attemptStarted("b").actions == [])
        #expect(state.attemptSucceeded("b", output: [], span: Self.span) == [])
        #expect(state.foundUpToDate("b") == [])
        #expect(state.built == 0 && state.aborted == 1)
    }
}
