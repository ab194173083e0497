import Synchronization

/// The legacy single-counter concurrency limit, with an optional parent chain.
///
/// Each ``acquire()`` takes one unit here and one at every ancestor, suspending while any level is
/// exhausted; each ``release()`` gives one back everywhere and wakes waiters.
///
/// ```swift
/// let global = CapacitySource(10)
/// let worker = CapacitySource(3, parent: global)
/// let left = try await worker.acquire()  // 2
/// defer { worker.release() }
/// ```
///
/// Behaviour worth knowing:
/// - ``peek()`` returns the current capacity (non-nil when an acquire would not suspend), not `true`.
/// - ``release()`` clamps at ``maxCapacity`` at every level: over-release is absorbed.
/// - Waiters are served first come, first served across the whole tree. A release resumes exactly one
///   waiter per freed unit, handing the unit over directly, and considers waiters at every descendant
///   of the highest level that grew (siblings included), so a waiter blocked by a parent wakes when a
///   sibling releases.
///
/// Thread-safe: the whole tree shares one `Mutex`; continuations are resumed after it is released.
/// Cancelling a suspended ``acquire()`` removes the waiter and throws `CancellationError`; an acquire
/// that needs no suspension succeeds even in a cancelled task.
public final class CapacitySource: Sendable {
    /// The initial (and maximum) capacity at this level.
    public let maxCapacity: Int
    /// The parent, if any.
    public let parent: CapacitySource?

    private let tree: Tree
    private let node: Int
    private let broadcast = Broadcast()

    /// Creates a counter starting full.
    ///
    /// - Parameters:
    ///   - initialCapacity: the number of units; also ``maxCapacity``.
    ///   - parent: an enclosing counter every acquire must also take from; the new source shares its lock.
    /// - Precondition: `initialCapacity` is not negative.
    public init(_ initialCapacity: Int, parent: CapacitySource? = nil) {
        precondition(initialCapacity >= 0, "CapacitySource needs a non-negative capacity")
        self.maxCapacity = initialCapacity
        self.parent = parent
        let tree = parent?.tree ?? Tree()
        self.tree = tree
        let broadcast = self.broadcast
        self.node = tree.state.withLock {
            $0.machine.addNode(max: initialCapacity, parent: parent?.node, listener: broadcast)
        }
    }

    /// The units currently free at this level.
    public var currentCapacity: Int { tree.state.withLock { $0.machine.nodes[node].current } }

    /// The current capacity when this level and every ancestor have a free unit, `nil` otherwise.
    public func peek() -> Int? {
        tree.state.withLock { state in
            state.machine.hasCapacity(node) ? state.machine.nodes[node].current : nil
        }
    }

    /// Takes one unit here and at every ancestor, suspending until all have one.
    ///
    /// - Returns: the capacity left at this level right after this acquisition.
    /// - Throws: `CancellationError` when the task is cancelled while suspended (no unit is taken).
    public func acquire() async throws -> Int {
        if let remaining = tree.state.withLock({ $0.machine.tryAcquire(node) }) { return remaining }
        let ticket = tree.state.withLock { $0.machine.makeTicket() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
                let outcome = tree.state.withLock { state -> Result<Int, CancellationError>? in
                    if let remaining = state.machine.tryAcquire(node) { return .success(remaining) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    _ = state.machine.acquire(node, ticket: ticket, waiter: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = tree.state.withLock { $0.machine.cancel(node, ticket: ticket) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Gives one unit back here and at every ancestor (clamped at each maximum) and wakes waiters.
    public func release() {
        let (grants, listeners) = tree.state.withLock { state -> ([Tree.Machine.Grant], [Broadcast]) in
            let (grants, highest) = state.machine.release(node)
            var listeners: [Broadcast] = []
            state.machine.listeners(inSubtreeOf: highest, into: &listeners)
            return (grants, listeners)
        }
        for grant in grants { grant.waiter.resume(returning: grant.remaining) }
        for listener in listeners { listener.notify() }
    }

    /// A subscription woken whenever a release may have freed capacity usable at this level.
    ///
    /// Each subscriber buffers at most one wake-up. The stream never finishes on its own.
    public func changes() -> AsyncStream<Void> { broadcast.subscribe() }

    /// The number of tasks suspended in ``acquire()`` at this level.
    public var waiterCount: Int { tree.state.withLock { $0.machine.nodes[node].waiters.count } }

    private final class Tree: Sendable {
        typealias Machine = CapacitySourceStateMachine<CheckedContinuation<Int, any Error>, Broadcast>
        struct State {
            var machine = Machine()
        }
        let state = Mutex(State())
    }
}
