import Synchronization

/// The one lock shared by every ``ResourceCapacitySource`` of a tree (a root and all its descendants).
///
/// Holding a single `Mutex` for the whole tree makes a multi-level check-and-acquire atomic, with no
/// rollback needed. Subscribers' parked continuations are collected under the lock and resumed after it
/// is released.
final class CapacityTree: Sendable {
    let state = Mutex(CapacityTreeState())

    init() {}

    /// A subscription woken whenever availability at `node` may have grown.
    ///
    /// It buffers at most one wake-up (like `bufferingNewest(1)`), but a wake-up while the consumer is
    /// busy only sets a flag under the tree lock: no allocation and no continuation traffic on the
    /// release path. The stream ends when the consuming task is cancelled; dropping it unsubscribes.
    func subscribe(at node: Int) -> AsyncStream<Void> {
        let id = state.withLock { $0.subscribers.subscribe(at: node) }
        let subscription = Subscription(tree: self, node: node, id: id)
        return AsyncStream(unfolding: { await subscription.next() ? () : nil })
    }

    /// Registers `listener`, called (after unlocking) whenever availability at `node` may have grown;
    /// returns the function that unregisters it.
    func listen(at node: Int, _ listener: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        let id = state.withLock { $0.subscribers.subscribe(at: node, listener: listener) }
        return { [weak self] in _ = self?.state.withLock { $0.subscribers.unsubscribe(id, at: node) } }
    }

    /// The consumer side of one subscription; unsubscribes when the stream is dropped.
    private final class Subscription: Sendable {
        let tree: CapacityTree
        let node: Int
        let id: UInt64

        init(tree: CapacityTree, node: Int, id: UInt64) {
            self.tree = tree
            self.node = node
            self.id = id
        }

        deinit {
            let waiter = tree.state.withLock { $0.subscribers.unsubscribe(id, at: node) }
            waiter?.resume(returning: false)
        }

        /// Waits for the next wake-up; `false` when the subscription ends (task cancelled).
        func next() async -> Bool {
            await withTaskCancellationHandler {
                await withUnsafeContinuation { (continuation: Subscriber.Waiter) in
                    let immediate = tree.state.withLock { state -> Bool? in
                        if Task.isCancelled {
                            _ = state.subscribers.unsubscribe(id, at: node)
                            return false
                        }
                        return state.subscribers.nextWake(id, at: node, waiter: continuation)
                    }
                    if let immediate { continuation.resume(returning: immediate) }
                }
            } onCancel: {
                let waiter = tree.state.withLock { $0.subscribers.unsubscribe(id, at: node) }
                waiter?.resume(returning: false)
            }
        }
    }
}
