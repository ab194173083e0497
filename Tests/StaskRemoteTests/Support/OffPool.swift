import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs blocking work (a lookup that may stall, polling a port or a pipe) on a thread of its own, so that
/// it never holds one of the cooperative pool's threads: there are as many as cores (two on the
/// development machine), and the whole suite shares them. A copy of the end-to-end tests' helper.
enum OffPool {
    /// Runs `body` on a new thread and returns what it returns or throws. If it has not returned within
    /// `timeout`, throws a ``HarnessError`` naming `what` and stops waiting (`CancellationError` when the
    /// task is cancelled):
    /// the thread is left to finish on its own (a body that can block for ever should take a deadline
    /// itself, or be unblocked by the caller), and `discard` gets what it returns then (to close a
    /// descriptor nobody will use).
    static func run<Value: Sendable>(
        _ what: String, timeout: Duration, discard: (@Sendable (Value) -> Void)? = nil,
        _ body: @escaping @Sendable () throws -> Value
    ) async throws -> Value {
        let slot = OneShot<Result<Value, any Error>>()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await Task.sleep(for: timeout)
                slot.fill(.failure(HarnessError("gave up after \(timeout) waiting for \(what)")))
            }
            let result = await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    slot.install(continuation)
                    let thread = Thread {
                        let result = Result { try body() }
                        if !slot.fill(result), case .success(let value) = result { discard?(value) }
                    }
                    thread.start()
                }
            } onCancel: {
                slot.fill(.failure(CancellationError()))
            }
            group.cancelAll()
            return try result.get()
        }
    }
}

/// The first of several racing values, handed to one continuation exactly once.
final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, Never>?
        var value: Value?
        var isResumed = false
    }

    private let state = Mutex(State())

    /// Sets the continuation to resume; resumes it at once if a value came first.
    func install(_ continuation: CheckedContinuation<Value, Never>) {
        let value: Value? = state.withLock { state in
            precondition(state.continuation == nil && !state.isResumed, "one continuation per slot")
            guard let value = state.value else {
                state.continuation = continuation
                return nil
            }
            state.isResumed = true
            return value
        }
        if let value { continuation.resume(returning: value) }
    }

    /// Offers `value`; only the first offer counts (`true` for it).
    @discardableResult
    func fill(_ value: Value) -> Bool {
        let (isFirst, continuation): (Bool, CheckedContinuation<Value, Never>?) = state.withLock { state in
            guard state.value == nil else { return (false, nil) }
            state.value = value
            guard let continuation = state.continuation else { return (true, nil) }
            state.isResumed = true
            state.continuation = nil
            return (true, continuation)
        }
        continuation?.resume(returning: value)
        return isFirst
    }
}

/// A problem with the test setup itself (a server that would not start, a wait past its deadline), not
/// with the code under test.
struct HarnessError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
