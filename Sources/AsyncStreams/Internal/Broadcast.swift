import Synchronization

/// A many-subscriber "something changed" signal.
///
/// Each subscriber gets its own `AsyncStream<Void>` that buffers at most one pending notification, so a
/// burst of `notify()` calls collapses into one wake-up per subscriber and nothing accumulates. Used by
/// capacity sources and task sources to wake every runner that might now make progress (siblings
/// included), instead of the single-consumer `WaitObject`.
///
/// Internal listeners (``addListener(_:)``) are plain functions called on every `notify()` and once at
/// `finish()`: the pool runners use them to raise a flag on their event channel without a watcher task
/// and without a task switch per notification.
///
/// Thread-safe: `notify()` and `subscribe()` may be called from any isolation domain. Continuations are
/// yielded to, and listeners called, after the lock is released.
@usableFromInline
final class Broadcast: Sendable {
    private struct State {
        var nextID: UInt64 = 0
        // Arrays, not dictionaries: `notify()` copies them out of the lock, and copying an array is a
        // retain where materialising a dictionary's values allocates.
        var subscribers: [(id: UInt64, continuation: AsyncStream<Void>.Continuation)] = []
        var listeners: [(id: UInt64, listener: @Sendable () -> Void)] = []
        var isFinished = false
    }

    private let state = Mutex(State())

    @usableFromInline init() {}

    /// A new subscription. The stream ends when `finish()` is called or the consumer stops iterating.
    func subscribe() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id: UInt64? = state.withLock { state in
            if state.isFinished { return nil }
            let id = state.nextID
            state.nextID += 1
            state.subscribers.append((id, continuation))
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in state.subscribers.removeAll { $0.id == id } }
        }
        return stream
    }

    /// Registers `listener`, called after every `notify()` and once at `finish()`; returns a function
    /// that unregisters it. When the broadcast has already finished, `listener` is called once, now.
    func addListener(_ listener: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        let id: UInt64? = state.withLock { state in
            if state.isFinished { return nil }
            let id = state.nextID
            state.nextID += 1
            state.listeners.append((id, listener))
            return id
        }
        guard let id else {
            listener()
            return {}
        }
        return { [weak self] in self?.state.withLock { state in state.listeners.removeAll { $0.id == id } } }
    }

    /// Wakes every current subscriber (at most one buffered wake-up each) and calls every listener.
    @usableFromInline
    func notify() {
        let (subscribers, listeners) = state.withLock { ($0.subscribers, $0.listeners) }
        for subscriber in subscribers { subscriber.continuation.yield() }
        for entry in listeners { entry.listener() }
    }

    /// Ends every subscription and calls every listener a last time; later subscriptions end at once.
    func finish() {
        let (subscribers, listeners) = state.withLock { state in
            state.isFinished = true
            defer {
                state.subscribers.removeAll()
                state.listeners.removeAll()
            }
            return (state.subscribers, state.listeners)
        }
        for subscriber in subscribers { subscriber.continuation.finish() }
        for entry in listeners { entry.listener() }
    }
}
