import DequeModule
import Synchronization

/// An event a child task or a watcher reports to a pool runner's loop.
enum PoolEvent<Progress: Sendable, Output: Sendable>: Sendable {
    /// A streaming task yielded a progress step.
    case progress(taskID: Int, Progress)
    /// A task ended.
    case finished(taskID: Int, Result<Output, any Error>)
    /// The hierarchical runner's admission task secured a slot and took this body from the source.
    case admitted(TaskBody<Progress, Output>)
    /// The hierarchical runner's admission task saw the source finish (or stopped).
    case admissionEnded
}

/// What handing a batch of envelopes to the consumer gave.
enum PoolDelivery {
    /// Delivered; go on.
    case delivered
    /// The consumer is gone (stream cancelled or dropped): stop quietly.
    case consumerGone
    /// The consumer's handler threw: stop and rethrow this error.
    case failed(any Error)
}

/// The single channel through which everything wakes a pool runner's loop.
///
/// Child tasks append events; watcher tasks raise the capacity and source flags. The loop drains the whole
/// queue in one swap and parks on one continuation when there is nothing to do, so a burst of completions
/// costs one wake-up. Thread-safe; continuations are resumed after the lock is released.
final class PoolEventChannel<Progress: Sendable, Output: Sendable>: Sendable {
    typealias Event = PoolEvent<Progress, Output>

    /// What one drain returns besides the events.
    struct Signals {
        var capacityChanged = false
        var sourceChanged = false
        var isCancelled = false
    }

    private struct State {
        var events: Deque<Event> = []
        var signals = Signals()
        var waiter: UnsafeContinuation<Void, Never>?

        var hasWork: Bool {
            !events.isEmpty || signals.capacityChanged || signals.sourceChanged || signals.isCancelled
        }

        mutating func takeWaiter() -> UnsafeContinuation<Void, Never>? {
            defer { waiter = nil }
            return waiter
        }
    }

    private let state = Mutex(State())

    init() {}

    /// Appends an event and wakes the loop if it is parked.
    func push(_ event: Event) {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            state.events.append(event)
            return state.takeWaiter()
        }
        waiter?.resume()
    }

    /// Records that capacity may have grown and wakes the loop.
    func signalCapacity() {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            state.signals.capacityChanged = true
            return state.takeWaiter()
        }
        waiter?.resume()
    }

    /// Records that the source may have new work (or finished) and wakes the loop.
    func signalSource() {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            state.signals.sourceChanged = true
            return state.takeWaiter()
        }
        waiter?.resume()
    }

    /// Drops the capacity and source signals raised so far (not cancellation). Call right before
    /// looking at the capacity and the source, which then observes every change those signals reported.
    func clearSignals() {
        state.withLock { state in
            state.signals.capacityChanged = false
            state.signals.sourceChanged = false
        }
    }

    /// Suspends until there is something to drain, then swaps the queued events into `events` (which must
    /// be empty) and returns the signals raised since the last drain. Cancellation of the calling task
    /// returns at once with `isCancelled` set.
    func drain(into events: inout Deque<Event>) async -> Signals {
        if let signals = tryDrain(into: &events) { return signals }
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.hasWork { return true }
                    precondition(state.waiter == nil, "a pool loop parked twice")
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
                state.signals.isCancelled = true
                return state.takeWaiter()
            }
            waiter?.resume()
        }
        return tryDrain(into: &events) ?? Signals(isCancelled: Task.isCancelled)
    }

    /// Takes whatever is queued without suspending; `nil` when nothing is.
    func tryDrain(into events: inout Deque<Event>) -> Signals? {
        state.withLock { state -> Signals? in
            guard state.hasWork else { return nil }
            swap(&events, &state.events)
            let signals = state.signals
            state.signals = Signals(isCancelled: state.signals.isCancelled)
            return signals
        }
    }
}
