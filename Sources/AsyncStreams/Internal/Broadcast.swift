import Synchronization

/// A many-subscriber "something changed" signal.
///
/// Each subscriber gets its own `AsyncStream<Void>` that buffers at most one pending notification, so a
/// burst of `notify()` calls collapses into one wake-up per subscriber and nothing accumulates. Used by
/// capacity sources and task sources to wake every runner that might now make progress (siblings
/// included), instead of the single-consumer `WaitObject`.
///
/// Thread-safe: `notify()` and `subscribe()` may be called from any isolation domain. Continuations are
/// yielded to after the lock is released.
final class Broadcast: Sendable {
    private struct State {
        var nextID: UInt64 = 0
        var subscribers: [UInt64: AsyncStream<Void>.Continuation] = [:]
        var isFinished = false
    }

    private let state = Mutex(State())

    init() {}

    /// A new subscription. The stream ends when `finish()` is called or the consumer stops iterating.
    func subscribe() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id: UInt64? = state.withLock { state in
            if state.isFinished { return nil }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = continuation
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Wakes every current subscriber (at most one buffered wake-up each).
    func notify() {
        let targets = state.withLock { Array($0.subscribers.values) }
        for continuation in targets { continuation.yield() }
    }

    /// Ends every subscription; later subscriptions end at once.
    func finish() {
        let targets = state.withLock { state in
            state.isFinished = true
            let all = Array(state.subscribers.values)
            state.subscribers.removeAll()
            return all
        }
        for continuation in targets { continuation.finish() }
    }
}
