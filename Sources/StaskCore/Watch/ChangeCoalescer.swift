import Synchronization

/// Gathers a ``FileWatcher``'s changes into batches, one batch per quiet period: an editor's save (write a
/// temporary file, rename it over the original), a truncate-and-write, or a `git checkout` of many files each
/// become one batch, so one build.
///
/// ```swift
/// let coalescer = ChangeCoalescer(quietPeriod: .milliseconds(50), clock: ContinuousClock())
/// try watcher.start { coalescer.add($0) }
/// while let batch = await coalescer.next() { /* build once for the whole batch */ }
/// ```
///
/// **Contract.** ``add(_:)`` and ``finish()`` may be called from any thread (the watcher's); ``next()`` has
/// one consumer at a time (the session's task). The state sits behind a `Mutex`; the parked consumer is
/// resumed after unlocking, exactly once. Cancelling the consumer's task makes ``next()`` return `nil`.
/// Changes added while the consumer is busy (a build is running) are kept and form the next batch.
package final class ChangeCoalescer<C: Clock>: Sendable where C.Duration == Duration {
    private struct State {
        var machine: ChangeCoalescerStateMachine<C.Instant>
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let clock: C
    private let state: Mutex<State>

    /// Creates a coalescer.
    ///
    /// - Parameters:
    ///   - quietPeriod: How long no change must arrive before a batch is handed out.
    ///   - maximumDelay: The longest a change waits while others keep arriving; at least `quietPeriod`
    ///     (default: 20 quiet periods, at least one second).
    ///   - clock: The clock the periods are measured on (tests pass a manual clock).
    package init(quietPeriod: Duration, maximumDelay: Duration? = nil, clock: C) {
        let delay = max(maximumDelay ?? max(quietPeriod * 20, .seconds(1)), quietPeriod)
        self.clock = clock
        self.state = Mutex(
            State(machine: ChangeCoalescerStateMachine(quietPeriod: quietPeriod, maximumDelay: delay)))
    }

    /// Adds changes (from any thread).
    package func add(_ changes: [FileChange]) {
        let now = clock.now
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.machine.add(changes, at: now) else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Whether changes are waiting for the next batch.
    package var hasPending: Bool {
        state.withLock { $0.machine.hasPending }
    }

    /// Ends the coalescer: ``next()`` hands out what is pending, then returns `nil`.
    package func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.machine.finish() else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// The next batch, once it has been quiet for the quiet period; `nil` when finished or cancelled.
    package func next() async -> [FileChange]? {
        while !Task.isCancelled {
            switch state.withLock({ $0.machine.poll(at: clock.now) }) {
            case .ready(let batch):
                return batch
            case .finished:
                return nil
            case .wait(let deadline):
                try? await clock.sleep(until: deadline, tolerance: nil)
            case .idle:
                await park()
            }
        }
        return nil
    }

    /// Waits until a change or the end arrives (or the task is cancelled).
    private func park() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let isWaiting = state.withLock { state -> Bool in
                    precondition(state.waiter == nil, "ChangeCoalescer: two consumers at once")
                    // The cancellation flag is set before the handler takes the lock: checked here, no wake-up is lost.
                    guard !state.machine.hasPending, !state.machine.isFinished, !Task.isCancelled else { return false }
                    state.waiter = continuation
                    return true
                }
                if !isWaiting { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
