import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs blocking work (waiting for a process, opening or reading a FIFO, polling a port) on a thread of
/// its own, so that it never holds one of the cooperative pool's threads: there are as many as cores
/// on a 2-core machine), and the whole suite shares them.
package enum OffPool {
    /// Runs `body` on a new thread and returns what it returns or throws. If it has not returned within
    /// `timeout`, throws a ``HarnessError`` naming `what` and stops waiting (`CancellationError` when the
    /// task is cancelled):
    /// the thread is left to finish on its own (a body that can block for ever should take a deadline
    /// itself, or be unblocked by the caller), and `discard` gets what it returns then (to close a
    /// descriptor nobody will use).
    package static func run<Value: Sendable>(
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
