import Synchronization

/// One permit, handed first come, first served to tasks that wait for it, each waiter carrying a payload
/// (what it holds meanwhile, for instance).
///
/// ``give()`` hands the permit straight to the longest waiter, so a newcomer never overtakes the queue; with
/// nobody waiting the permit is free for the next ``tryTake()`` or ``take(carrying:)``. A task cancelled
/// while queued leaves the queue and ``take(carrying:)`` throws `CancellationError`, holding nothing.
/// Continuations are resumed outside the lock.
final class HandOffPermit<Payload: Sendable>: Sendable {
    private struct State {
        var isFree: Bool
        var waiters: [(id: UInt64, payload: Payload, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>
    /// Called, outside the lock, whenever a task joins the queue.
    private let onQueued: @Sendable () -> Void

    /// A permit that starts free (or taken), with `onQueued` told of every task that starts to wait.
    init(isFree: Bool = true, onQueued: @escaping @Sendable () -> Void = {}) {
        state = Mutex(State(isFree: isFree))
        self.onQueued = onQueued
    }

    /// Takes the permit when it is free, without waiting.
    func tryTake() -> Bool {
        state.withLock { state in
            defer { state.isFree = false }
            return state.isFree
        }
    }

    /// Takes the permit, waiting behind the tasks already queued when it is taken.
    ///
    /// - Throws: `CancellationError` when cancelled before it gets the permit.
    func take(carrying payload: Payload) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    // Under the lock: a cancellation after this finds the waiter and resumes it.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.isFree {
                        state.isFree = false
                        return .success(())
                    }
                    state.waiters.append((id, payload, continuation))
                    return nil
                }
                if let outcome {
                    continuation.resume(with: outcome)
                } else {
                    onQueued()
                }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            cancelled?.resume(throwing: CancellationError())
        }
    }

    /// Gives the permit back: to the longest waiter, else free.
    func give() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if state.waiters.isEmpty {
                state.isFree = true
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }

    /// The payloads of the tasks waiting now, longest waiter first.
    var waitingPayloads: [Payload] {
        state.withLock { $0.waiters.map(\.payload) }
    }
}
