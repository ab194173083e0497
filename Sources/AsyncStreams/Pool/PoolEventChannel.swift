// `public` only so that the channel's `@inlinable` methods may use `Mutex`; no public API exposes it.
public import Synchronization

/// An event a child task or a watcher reports to a pool runner's loop.
@usableFromInline
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
@usableFromInline
enum PoolDelivery: Sendable {
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
///
/// Its methods are `@inlinable` (as are the runner loops that call them) so that they are specialised for
/// the client's progress and output types; generic code called across modules otherwise runs
/// unspecialised, looking up type metadata on every call.
@usableFromInline
final class PoolEventChannel<Progress: Sendable, Output: Sendable>: Sendable {
    @usableFromInline typealias Event = PoolEvent<Progress, Output>

    /// What one drain returns besides the events.
    @usableFromInline
    struct Signals: Sendable {
        @usableFromInline var capacityChanged = false
        @usableFromInline var sourceChanged = false
        @usableFromInline var isCancelled = false

        @inlinable
        init(capacityChanged: Bool = false, sourceChanged: Bool = false, isCancelled: Bool = false) {
            self.capacityChanged = capacityChanged
            self.sourceChanged = sourceChanged
            self.isCancelled = isCancelled
        }
    }

    @usableFromInline
    struct State: Sendable {
        @usableFromInline var events: [Event] = []
        @usableFromInline var signals = Signals()
        @usableFromInline var waiter: UnsafeContinuation<Void, Never>?

        @inlinable init() {}

        @inlinable
        var hasWork: Bool {
            !events.isEmpty || signals.capacityChanged || signals.sourceChanged || signals.isCancelled
        }

        @inlinable
        mutating func takeWaiter() -> UnsafeContinuation<Void, Never>? {
            defer { waiter = nil }
            return waiter
        }
    }

    @usableFromInline let state = Mutex(State())

    @inlinable init() {}

    /// Appends an event and wakes the loop if it is parked.
    @inlinable
    func push(_ event: Event) {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            state.events.append(event)
            return state.takeWaiter()
        }
        waiter?.resume()
    }

    /// Records that capacity may have grown and wakes the loop.
    @inlinable
    func signalCapacity() {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            state.signals.capacityChanged = true
            return state.takeWaiter()
        }
        waiter?.resume()
    }

    /// Records that the source may have new work (or finished) and wakes the loop.
    @inlinable
    func signalSource() {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            state.signals.sourceChanged = true
            return state.takeWaiter()
        }
        waiter?.resume()
    }

    /// Drops the capacity and source signals raised so far (not cancellation). Call right before
    /// looking at the capacity and the source, which then observes every change those signals reported.
    @inlinable
    func clearSignals() {
        state.withLock { state in
            state.signals.capacityChanged = false
            state.signals.sourceChanged = false
        }
    }

    /// Suspends until there is something to drain, then swaps the queued events into `events` (which must
    /// be empty) and returns the signals raised since the last drain. Cancellation of the calling task
    /// returns at once with `isCancelled` set.
    @inlinable
    func drain(into events: inout [Event]) async -> Signals {
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
    @inlinable
    func tryDrain(into events: inout [Event]) -> Signals? {
        state.withLock { state -> Signals? in
            guard state.hasWork else { return nil }
            swap(&events, &state.events)
            let signals = state.signals
            state.signals = Signals(isCancelled: state.signals.isCancelled)
            return signals
        }
    }
}
