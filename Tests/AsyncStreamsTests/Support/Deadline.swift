import AsyncStreams
import Testing

/// How long a test waits for another task to reach a state before it fails with a message.
///
/// Generous on purpose: on a loaded machine with a two-thread cooperative pool a task may wait seconds to
/// be scheduled, and a wait only lasts this long when something is really wrong. It is shorter than the
/// suites' one-minute time limit, so a stuck wait reports what it was waiting for instead of a timeout.
let testWaitTimeout: Duration = .seconds(45)

/// Polls `condition` until it holds; fails the test with a message naming `what` and returns `false` if it
/// does not hold within `timeout` (or the test is cancelled).
///
/// Used to wait for another task to reach a state (a consumer parked on a source, a producer waiting on a
/// full buffer) without sleeping to order events: the first polls only yield, later ones back off for a
/// millisecond so that a long wait leaves the cooperative pool's threads to the tasks being waited for.
/// The outcome never depends on how long the other task takes, only on whether it gets there.
@discardableResult
func waitUntil(
    _ what: @autoclosure () -> String,
    timeout: Duration = testWaitTimeout,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () -> Bool
) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    var polls = 0
    while !condition() {
        if Task.isCancelled {
            Issue.record("cancelled while waiting until \(what())", sourceLocation: sourceLocation)
            return false
        }
        if clock.now >= deadline {
            Issue.record("timed out after \(timeout) waiting until \(what())", sourceLocation: sourceLocation)
            return false
        }
        polls += 1
        if polls < 100 {
            await Task.yield()
        } else {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
    return true
}

/// The error a wait throws when its deadline passes; the test has already been failed with a message.
struct DeadlineExceeded: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// How a wait bounded by ``withDeadline(_:timeout:sourceLocation:onTimeout:_:)`` ended.
private enum DeadlineOutcome<Result: Sendable>: Sendable {
    case finished(Result)
    case timedOut
}

/// Runs `body` in a child task and returns its result, or fails the test with a message naming `what`,
/// calls `onTimeout`, cancels `body` and throws ``DeadlineExceeded`` if it has not returned within
/// `timeout`.
///
/// `body` must end promptly once cancelled (every wait in these tests is cancellable); `onTimeout` is where
/// a caller cancels what `body` waits for when cancelling `body` alone is not enough (an unstructured task).
func withDeadline<Result: Sendable>(
    _ what: String,
    timeout: Duration = testWaitTimeout,
    sourceLocation: SourceLocation = #_sourceLocation,
    onTimeout: @Sendable () -> Void = {},
    _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: DeadlineOutcome<Result>.self) { group in
        group.addTask { .finished(try await body()) }
        group.addTask {
            try await Task.sleep(for: timeout)
            return .timedOut
        }
        defer { group.cancelAll() }
        guard case .finished(let result)? = try await group.next() else {
            Issue.record("timed out after \(timeout) waiting for \(what)", sourceLocation: sourceLocation)
            onTimeout()
            throw DeadlineExceeded(what: what)
        }
        return result
    }
}

extension Task {
    /// The task's value, or, if the task has not finished within ``testWaitTimeout``, a failed test (naming
    /// `what`), the task cancelled and ``DeadlineExceeded`` thrown, instead of a wait that never ends.
    func value(
        within what: @autoclosure () -> String = "a task to finish", sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Success {
        try await withDeadline(what(), sourceLocation: sourceLocation, onTimeout: { self.cancel() }) {
            try await self.value
        }
    }
}

extension ManualClock {
    /// Suspends until at least `count` tasks sleep on this clock, like `waitForSleepers(count:)`, but fails
    /// the test with a message after ``testWaitTimeout`` instead of waiting forever.
    /// - Returns: whether they did (`false` after a failure or a cancellation).
    @discardableResult
    func waitForSleepers(_ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async -> Bool {
        await waitUntil(
            "\(count) tasks sleep on the manual clock (\(sleeperCount) so far)", sourceLocation: sourceLocation
        ) { sleeperCount >= count }
    }
}
