/// A ``TaskSource`` backed by a dependency graph: the caller reports each taken task's outcome, and a
/// failed task can be retried after a delay or aborted with its dependents.
///
/// ``PriorityDependencySourceObj`` and ``DependencySourceObj`` conform. ``RetryingBridge`` drives a
/// conformer from a ``ScheduledTaskPoolRunner``'s callbacks.
public protocol GraphTaskSource<Key>: TaskSource {
    /// The graph's key type.
    associatedtype Key: Hashable & Sendable

    /// Marks a running node completed and queues the dependents it unlocks before returning.
    ///
    /// - Returns: the dependents that became ready.
    /// - Throws: the source's error when the node is unknown or not running.
    @discardableResult
    func complete(_ key: Key) throws -> [Key]

    /// Puts a running node back to ready, but serves it again only once `delay` has passed; meanwhile
    /// the task holds no capacity.
    ///
    /// - Throws: the source's error when the node is unknown or not running.
    func fail(_ key: Key, retryAfter delay: Duration) throws

    /// Aborts the node and every transitive dependent, root first.
    ///
    /// - Returns: every key this call aborted (`[]` when the node was already completed or aborted).
    /// - Throws: the source's error when the node is unknown.
    @discardableResult
    func abort(_ key: Key) throws -> [Key]
}

extension PriorityDependencySourceObj: GraphTaskSource {}

extension DependencySourceObj: GraphTaskSource {}
