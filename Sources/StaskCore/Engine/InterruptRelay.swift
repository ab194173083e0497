import Synchronization

/// Listens to a build's interrupt signals for the whole build, not only while tasks run.
///
/// The engine's `interrupts` stream has one consumer, and iterating an `AsyncStream` from a task that is
/// then cancelled ends the stream, so the lock wait cannot simply listen to it and hand it on. The relay
/// owns the only iteration (an unstructured task it stores and cancels in `stop()`), remembers the first
/// signal, runs the actions registered with `onInterrupt(_:)` (the engine cancels its lock wait), and
/// forwards every signal, in order, on ``signals`` for the scheduling phase.
///
/// Thread-safe: the state is behind a `Mutex`; actions run after unlocking, on the relay's task.
final class InterruptRelay: Sendable {
    /// The signals received, forwarded in order; finishes when the source does or after `stop()`.
    let signals: AsyncStream<Int32>
    private let box: Box
    private let forwarding: Task<Void, Never>

    private final class Box: Sendable {
        struct State {
            var firstSignal: Int32?
            var actions: [@Sendable () -> Void] = []
        }

        let state = Mutex(State())
    }

    init(_ source: AsyncStream<Int32>) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .unbounded)
        let box = Box()
        signals = stream
        self.box = box
        forwarding = Task {
            for await signal in source {
                let actions = box.state.withLock { state -> [@Sendable () -> Void] in
                    guard state.firstSignal == nil else { return [] }
                    state.firstSignal = signal
                    defer { state.actions = [] }
                    return state.actions
                }
                for action in actions { action() }
                continuation.yield(signal)
            }
            continuation.finish()
        }
    }

    /// The first signal received, if any.
    var firstSignal: Int32? {
        box.state.withLock { $0.firstSignal }
    }

    /// Runs `action` when the first signal arrives; returns `false` (and does not keep it) when one
    /// already has.
    func onInterrupt(_ action: @escaping @Sendable () -> Void) -> Bool {
        box.state.withLock { state in
            guard state.firstSignal == nil else { return false }
            state.actions.append(action)
            return true
        }
    }

    /// Stops listening (the end of the build).
    func stop() {
        forwarding.cancel()
    }
}
