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
    case admitted(TaskBody<Progress, Output>, key: String?)
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

    /// Hands `envelopes` to a `run(forEach:)` handler in order: `.delivered`, or `.failed` with what it threw.
    @inlinable
    static func handing<Envelope>(
        _ envelopes: [Envelope], to handler: (Envelope) async throws -> Void
    ) async -> PoolDelivery {
        do {
            for envelope in envelopes { try await handler(envelope) }
            return .delivered
        } catch {
            return .failed(error)
        }
    }
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
        /// Whether some task holds the driver role (see ``ScheduledPoolLoop``): the loop, or a worker
        /// that finished its task. While it is held, signals and events do not wake the parked loop; the
        /// holder looks at them before letting go.
        @usableFromInline var isDriving = false
        /// Set by the driver that stops the run; afterwards no worker takes the role.
        @usableFromInline var isStopped = false
        /// A worker asked the loop to look at the run (nothing in flight: the run may be over or idle).
        @usableFromInline var isLoopWanted = false
        /// Tasks a worker took and registered but could not run itself; only the loop can start them.
        @usableFromInline var starts: [Start] = []
        /// The task holding the driver role, checked on every access to the run's books (debug builds).
        @usableFromInline var driver = DriverRoleOwner()

        @inlinable init() {}

        /// Whether the parked loop has a reason to take the role.
        @inlinable
        var loopHasWork: Bool { hasWork || isLoopWanted || isStopped || !starts.isEmpty }

        @inlinable
        var hasWork: Bool {
            !events.isEmpty || signals.capacityChanged || signals.sourceChanged || signals.isCancelled
        }

        @inlinable
        mutating func takeWaiter() -> UnsafeContinuation<Void, Never>? {
            if isDriving { return nil }
            defer { waiter = nil }
            return waiter
        }
    }

    /// A task a worker took from the source (its cost acquired, its record in the book) for the loop
    /// to start as a new child.
    @usableFromInline
    struct Start: Sendable {
        @usableFromInline var taskID: Int
        @usableFromInline var key: String
        @usableFromInline var body: TaskBody<Progress, Output>

        @inlinable
        init(taskID: Int, key: String, body: TaskBody<Progress, Output>) {
            self.taskID = taskID
            self.key = key
            self.body = body
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
        await park { $0.hasWork }
        return tryDrain(into: &events) ?? Signals(isCancelled: Task.isCancelled)
    }

    /// Suspends the loop until `isReady` holds for the state (checked under the lock, then by every wake-up:
    /// a push, a signal or a released role resumes the parked loop) or the calling task is cancelled, which
    /// sets `isCancelled` and resumes it at once.
    @inlinable
    func park(until isReady: (State) -> Bool) async {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if isReady(state) { return true }
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

    // MARK: - The driver role (ScheduledPoolLoop)

    /// Gives the driver role to the loop, which holds it whenever it is not parked in ``handOff(into:starts:)``.
    @inlinable
    func beginDriving() {
        state.withLock { state in
            state.isDriving = true
            state.driver.claim()
        }
    }

    /// Whether the calling task holds the driver role. Only debug builds track the holder; release builds
    /// always answer `true`.
    @inlinable
    var isDrivenByCurrentTask: Bool { state.withLock { $0.driver.isCurrentTask } }

    /// Traps, in debug builds, unless the calling task holds the driver role; compiled out in release
    /// builds. Called on every access to the run's books.
    @inlinable
    func assertDrivenByCurrentTask(file: StaticString = #fileID, line: UInt = #line) {
        #if DEBUG
            precondition(
                isDrivenByCurrentTask, "the pool's books were touched by a task that does not hold the driver role",
                file: file, line: line)
        #endif
    }

    /// Called by the loop, which holds the role: lets the role go and suspends until the loop has something
    /// to do and nobody else drives, then takes the role back, swaps the queued events into `events` and
    /// the queued starts into `starts` (both must be empty) and returns the signals. Cancellation of the
    /// calling task wakes it; it still returns only with the role, with `isCancelled` set.
    @inlinable
    func handOff(into events: inout [Event], starts: inout [Start]) async -> (signals: Signals, isStopped: Bool) {
        var holdsRole = true
        while true {
            if let result = tryTakeRole(into: &events, starts: &starts, releasing: holdsRole) { return result }
            holdsRole = false
            await park { !$0.isDriving && $0.loopHasWork }
        }
    }

    /// The loop's side of ``handOff(into:starts:)`` without suspending: lets the role go if `releasing`
    /// (the loop holds it), then takes it back if it is free and there is work; `nil` when it must park.
    @inlinable
    func tryTakeRole(
        into events: inout [Event],
        starts: inout [Start],
        releasing: Bool
    ) -> (signals: Signals, isStopped: Bool)? {
        state.withLock { state -> (signals: Signals, isStopped: Bool)? in
            if releasing {
                state.isDriving = false
                state.driver.relinquish()
            }
            guard !state.isDriving && state.loopHasWork else { return nil }
            state.isDriving = true
            state.driver.claim()
            state.isLoopWanted = false
            swap(&events, &state.events)
            swap(&starts, &state.starts)
            let signals = state.signals
            state.signals = Signals(isCancelled: state.signals.isCancelled)
            return (signals, state.isStopped)
        }
    }

    /// Called by a worker whose task ended: queues `event` and takes the driver role if it is free and
    /// the run is neither stopped nor cancelled, swapping every queued event (this one included) into
    /// `events` (which must be empty). Returns whether the caller now drives; if not, the event waits for
    /// the current driver or wakes the loop.
    @inlinable
    func finish(_ event: Event, drivingWith events: inout [Event]) -> Bool {
        let (drives, waiter) = state.withLock { state -> (Bool, UnsafeContinuation<Void, Never>?) in
            state.events.append(event)
            if state.isDriving || state.isStopped || state.signals.isCancelled { return (false, state.takeWaiter()) }
            state.isDriving = true
            state.driver.claim()
            swap(&events, &state.events)
            return (true, nil)
        }
        waiter?.resume()
        return drives
    }

    /// Called by a driving worker after a round: continues (returns `true`, with the events queued
    /// meanwhile in `events`, which must be empty) when events or signals arrived during the round;
    /// otherwise lets the role go, queues `starts` for the loop, and wakes the loop when it has
    /// something to do (`wantsLoop`, starts, a stop or a cancellation).
    @inlinable
    func release(into events: inout [Event], starts: inout [Start], wantsLoop: Bool) -> Bool {
        let (again, waiter) = state.withLock { state -> (Bool, UnsafeContinuation<Void, Never>?) in
            let cancelled = state.signals.isCancelled
            if !cancelled && !state.isStopped && state.hasWork {
                swap(&events, &state.events)
                return (true, nil)
            }
            state.isDriving = false
            state.driver.relinquish()
            state.isLoopWanted = state.isLoopWanted || wantsLoop
            state.starts.append(contentsOf: starts)
            starts.removeAll(keepingCapacity: true)
            return (false, state.loopHasWork ? state.takeWaiter() : nil)
        }
        waiter?.resume()
        return again
    }

    /// Called by the driver that decides the run must stop: marks it stopped, lets the role go and wakes
    /// the loop (when the loop itself stops, it keeps the role: nobody drives any more).
    @inlinable
    func stop(releasingRole: Bool) {
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            state.isStopped = true
            if releasingRole {
                state.isDriving = false
                state.driver.relinquish()
            }
            return state.takeWaiter()
        }
        waiter?.resume()
    }

    /// Whether the run was stopped (a worker checks it before running a task it took).
    @inlinable
    var isStopped: Bool { state.withLock { $0.isStopped } }
}
