import Testing

@testable import StaskCore

@Suite struct TraceLogTests {
    private let noKey: (String) -> String? = { _ in nil }

    @Test func concurrentAttemptsTakeTheLowestFreeLaneAndFreeItWhenTheyEnd() {
        var log = TraceLog(costs: ["a": ["cpu": 1], "b": ["cpu": 2]])
        log.record(.started(id: "a", attempt: 1, estimate: .zero), at: .seconds(0), actionKey: noKey)
        log.record(.started(id: "b", attempt: 1, estimate: .zero), at: .seconds(1), actionKey: noKey)
        log.record(
            .finished(id: "a", outcome: .succeeded, duration: .seconds(2), output: []), at: .seconds(2),
            actionKey: { $0 == "a" ? "k" : nil })
        log.record(.started(id: "c", attempt: 1, estimate: .zero), at: .seconds(3), actionKey: noKey)
        log.record(
            .finished(id: "b", outcome: .succeeded, duration: .zero, output: []), at: .seconds(4), actionKey: noKey)
        log.record(
            .finished(id: "c", outcome: .succeeded, duration: .zero, output: []), at: .seconds(5), actionKey: noKey)
        #expect(log.spans.map(\.name) == ["a", "b", "c"])
        #expect(log.spans.map(\.lane) == [1, 2, 1])
        #expect(log.slotLaneCount == 2)
        #expect(log.spans[0].start == .zero && log.spans[0].end == .seconds(2))
        #expect(log.spans[0].arguments["action_key"] == .string("k"))
        #expect(log.spans[0].arguments["exit_status"] == .int(0))
        #expect(log.spans[1].arguments["cost"] == .object(["cpu": .double(2)]))
    }

    @Test func retryShowsTheFailedAttemptAndTheBackoffWaitOnItsOwnLane() {
        var log = TraceLog(costs: [:])
        let failure = TaskFailure(command: "sh flaky.sh", termination: .exited(1))
        log.record(.started(id: "f", attempt: 1, estimate: .zero), at: .seconds(0), actionKey: noKey)
        log.record(
            .retrying(id: "f", failedAttempt: 1, failure: failure, delay: .seconds(1), output: []), at: .seconds(1),
            actionKey: noKey)
        log.record(.started(id: "f", attempt: 2, estimate: .zero), at: .seconds(2), actionKey: noKey)
        log.record(
            .finished(id: "f", outcome: .failed(failure), duration: .seconds(1), output: []), at: .seconds(3),
            actionKey: noKey)
        #expect(log.spans.map(\.category) == ["attempt,failed", "backoff", "attempt,failed"])
        let backoff = log.spans[1]
        #expect(backoff.lane == TraceLog.backoffLaneBase && backoff.start == .seconds(1) && backoff.end == .seconds(2))
        #expect(log.spans[0].arguments["exit_status"] == .int(1))
        #expect(log.spans[0].arguments["outcome"] == .string("retrying"))
        #expect(log.spans[2].arguments["attempt"] == .int(2) && log.spans[2].arguments["outcome"] == .string("failed"))
    }

    @Test func upToDateSkipsAndAbortsAreInstantsOnThePlannerLane() {
        var log = TraceLog(costs: [:])
        log.record(.skipped(ids: ["x", "y"]), at: .zero, actionKey: noKey)
        log.record(
            .finished(id: "z", outcome: .upToDate, duration: .zero, output: []), at: .seconds(1), actionKey: noKey)
        log.record(.aborted(ids: ["w"]), at: .seconds(2), actionKey: noKey)
        #expect(log.instants.map(\.name) == ["x", "y", "z", "w"])
        #expect(log.instants.allSatisfy { $0.lane == 0 })
        #expect(log.instants.last?.arguments["outcome"] == .string("aborted"))
        #expect(log.spans.isEmpty)
    }

    @Test func aRemoteCacheLookupBeforeTheCommandsIsNotPartOfTheAttempt() {
        var log = TraceLog(costs: [:])
        // Started at 0; the lookup took 30 s; the command ran for 1 s.
        log.record(.started(id: "ran", attempt: 1, estimate: .zero), at: .zero, actionKey: noKey)
        log.record(.started(id: "restored", attempt: 1, estimate: .zero), at: .zero, actionKey: noKey)
        log.record(
            .finished(id: "ran", outcome: .succeeded, duration: .seconds(1), output: []), at: .seconds(31),
            actionKey: noKey)
        // A restored attempt is its lookup and restore.
        log.record(
            .finished(id: "restored", outcome: .restored, duration: .seconds(2), output: []), at: .seconds(2),
            actionKey: noKey)
        #expect(log.spans.map(\.start) == [.seconds(30), .zero])
        #expect(log.spans.map(\.end) == [.seconds(31), .seconds(2)])
    }

    @Test func closingEndsRunningAttemptsAsInterrupted() {
        var log = TraceLog(costs: [:])
        log.record(.started(id: "slow", attempt: 1, estimate: .zero), at: .zero, actionKey: noKey)
        log.close(at: .seconds(3))
        #expect(
            log.spans.count == 1 && log.spans[0].category == "attempt,interrupted" && log.spans[0].end == .seconds(3))
    }
}
