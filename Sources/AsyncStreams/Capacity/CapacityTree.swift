import Synchronization

/// The one lock shared by every ``ResourceCapacitySource`` of a tree (a root and all its descendants).
///
/// Holding a single `Mutex` for the whole tree makes a multi-level check-and-acquire atomic, with no
/// rollback needed. Subscribers' continuations are collected under the lock and yielded to after it
/// is released.
final class CapacityTree: Sendable {
    let state = Mutex(CapacityTreeState())

    init() {}

    /// A subscription woken whenever availability at `node` may have grown.
    func subscribe(at node: Int) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { $0.subscribe(continuation, at: node) }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { $0.unsubscribe(id, at: node) }
        }
        return stream
    }

    /// Wakes every subscriber in the given list (collected under the lock).
    static func wake(_ targets: [AsyncStream<Void>.Continuation]) {
        for continuation in targets { continuation.yield() }
    }
}
