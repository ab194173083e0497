import HeapModule
import Synchronization

/// The slots of a remote execution cluster: at most `count` of a build's actions on it at once; the instances
/// waiting for one get it highest critical-path priority first (then in arrival order).
///
/// Why not a resource of the schedule's budget: the build's runner starts tasks strictly in priority order
/// and stops at the first that does not fit, so a remote instance waiting for a slot would hold every local
/// instance behind it. Remote instances cost the schedule nothing and wait here instead, while local work
/// goes on.
///
/// Thread-safe. A waiter that is cancelled leaves the queue at once with `CancellationError`.
package final class RemoteSlots: Sendable {
    private struct Waiter: Comparable {
        var priority: Double
        var order: UInt64

        static func < (left: Waiter, right: Waiter) -> Bool {
            // The max of the heap is the one served: higher priority, then the earlier arrival.
            left.priority != right.priority ? left.priority < right.priority : left.order > right.order
        }
    }

    private struct State {
        var free: Int
        var queue = Heap<Waiter>()
        /// The continuations of the waiters still queued, by order; a cancelled one is removed here and
        /// skipped when it reaches the top of the heap.
        var waiting: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var nextOrder: UInt64 = 0
    }

    private let state: Mutex<State>

    /// `count` slots (at least one).
    package init(count: Int) {
        state = Mutex(State(free: max(1, count)))
    }

    /// Waits for a slot.
    ///
    /// - Throws: `CancellationError` when the caller is cancelled before it gets one (it then holds none).
    package func acquire(priority: Double) async throws {
        let order = state.withLock { state -> UInt64? in
            if state.free > 0 && state.waiting.isEmpty {
                state.free -= 1
                return nil
            }
            state.nextOrder += 1
            return state.nextOrder
        }
        guard let order else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, CancellationError>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    // A slot given back since the first look, with no one in line: it is this waiter's.
                    if state.free > 0 && state.waiting.isEmpty {
                        state.free -= 1
                        return .success(())
                    }
                    state.waiting[order] = continuation
                    state.queue.insert(Waiter(priority: priority, order: order))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome.mapError { $0 as any Error }) }
            }
        } onCancel: {
            let continuation = state.withLock { $0.waiting.removeValue(forKey: order) }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// How many wait for a slot now.
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Gives a slot back: to the first waiter in line, else to the free ones.
    package func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            while let top = state.queue.popMax() {
                if let continuation = state.waiting.removeValue(forKey: top.order) { return continuation }
            }
            state.free += 1
            return nil
        }
        next?.resume()
    }
}
