import CStaskShims

/// Runs blocking work (socket waits, file writes, hashing) on a fresh POSIX thread, so that it never
/// occupies one of the cooperative pool's threads (as many as the machine has cores) for longer than a resume.
///
/// A thread costs some tens of microseconds to start, which is nothing next to a network round trip.
/// The awaiting task is suspended until the work returns; to make it return early, the work must poll a
/// cancellation signal itself (the remote cache client's `IOCancellation` does this for sockets).
package enum DedicatedThread {
    /// Runs `body` on a new detached thread and returns its result.
    ///
    /// When no thread can be created (the process is at its limit), `body` runs on the caller's thread
    /// rather than failing.
    package static func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
            if !start({ continuation.resume(returning: body()) }) {
                continuation.resume(returning: body())
            }
        }
    }

    /// Starts `body` on a new detached thread without waiting for it; `false` when no thread can be
    /// created (then `body` does not run).
    package static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        startReportingError(body) == nil
    }

    /// Starts `body` on a new detached thread without waiting for it; the `pthread_create` error code when
    /// no thread can be created (then `body` does not run), else `nil`.
    package static func startReportingError(_ body: @escaping @Sendable () -> Void) -> Int32? {
        let context = Unmanaged.passRetained(ThreadJob(body)).toOpaque()
        let status = stask_thread_start(
            { context in Unmanaged<ThreadJob>.fromOpaque(context!).takeRetainedValue().body() }, context)
        guard status == 0 else {
            Unmanaged<ThreadJob>.fromOpaque(context).release()
            return status
        }
        return nil
    }
}

/// The closure a dedicated thread runs, boxed to cross `pthread_create`'s `void *`.
private final class ThreadJob: Sendable {
    let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
    }
}
