/// A dependency-gated task source that serves ready tasks in the order their nodes became ready.
///
/// It owns a ``DependencyGraph`` and a task per node, and serves the task of each `ready` node, oldest readiness first, with no priority.
/// Taking a task (a pull, or ``take(where:)``) marks its node `running` in the graph. The caller reports
/// the outcome with ``complete(_:)``, ``fail(_:)``, ``fail(_:retryAfter:)`` or ``abort(_:)``; the source
/// finishes when every node is completed or aborted.
///
/// ```swift
/// let graph = DependencyGraph<String>()
/// try graph.addAll([("a", []), ("b", ["a"]), ("c", ["a"])])
/// let source = try DependencySourceObj(graph: graph, tasks: ["a": "task a", "b": "task b", "c": "task c"])
/// var pulls = source.makeAsyncIterator()
/// let first = await pulls.next()   // "task a"; node a is now running
/// try source.complete("a")          // b and c are queued before this returns
/// ```
///
/// **Callbacks.** An `onReady` callback already set on the graph is kept and called first, then the
/// source queues the key. It runs under the source's lock, inside the graph
/// transition, and must not call back into the source. After ``fail(_:retryAfter:)`` it fires when the
/// node fails (the node is `ready` in the graph at once), not when the delay ends.
///
/// **Stale keys.** A key aborted after it became ready is removed from the queue at once, so the source
/// never tries to start a node that is no longer ready.
///
/// **Missing tasks:** construction throws ``SourceError`` `missingTask` when any node lacks a task, at
/// once rather than when the node becomes ready. Nodes added later come with their task.
///
/// **Ownership, retries and concurrency** are as for ``PriorityDependencySourceObj``: the graph is
/// handed over and read through ``withGraph(_:)``; a delayed retry holds the node out of the queue until
/// its delay has passed on the injected clock; every member is thread-safe, pulls suspend without
/// busy-waiting while nothing is queued and the graph is not done, and each task goes to one consumer.
public final class DependencySourceObj<Key: Hashable & Sendable, Element: Sendable>:
    AsyncSequence, TaskSource, Peekable, Sendable
{
    @usableFromInline let storage: GraphSourceStorage<Key, Element>

    /// Creates a source over `graph`, queuing every node that is already ready (in the graph's
    /// readiness order).
    ///
    /// - Parameters:
    ///   - graph: the dependency graph, handed over to the source.
    ///   - tasks: the task of every node (extra entries are ignored).
    ///   - clock: the clock that measures retry delays; tests pass a ``ManualClock``.
    /// - Throws: ``SourceError`` with code ``SourceError/Code/missingTask`` when a node has no task.
    /// - Complexity: O(*n* log *n*) for *n* nodes.
    public init(
        graph: sending DependencyGraph<Key>,
        tasks: [Key: Element],
        clock: any Clock<Duration> = ContinuousClock()
    ) throws {
        let name = "DependencySourceObj"
        let machine = try GraphSourceStateMachine(
            graph: graph, tasks: tasks, priority: { _, _ in 0 }, agingRate: 0, maxAgeBoost: .infinity, sourceName: name)
        storage = GraphSourceStorage(machine: machine, clock: ElapsedClock(clock), sourceName: name)
    }

    // MARK: - Reporting outcomes

    /// Marks a running node completed and queues the dependents it unlocked before returning.
    ///
    /// When this completes the graph, the source finishes: waiting consumers get `nil`.
    ///
    /// - Returns: the dependents that became ready, in graph insertion order.
    /// - Throws: ``GraphError`` (`unknownKey`, or `invalidTransition` when the node is not running).
    @discardableResult
    @inlinable
    public func complete(_ key: Key) throws -> [Key] { try storage.complete(key) }

    /// Puts a running node back at the end of the queue for an immediate retry.
    ///
    /// - Throws: ``GraphError`` (`unknownKey`, or `invalidTransition` when the node is not running).
    public func fail(_ key: Key) throws { try storage.fail(key) }

    /// Fails a running node now and queues its retry once `delay` has elapsed on the source's clock.
    ///
    /// See ``PriorityDependencySourceObj/fail(_:retryAfter:)``.
    ///
    /// - Throws: ``GraphError`` (`unknownKey`, or `invalidTransition` when the node is not running).
    public func fail(_ key: Key, retryAfter delay: Duration) throws { try storage.fail(key, retryAfter: delay) }

    /// Aborts a node and every transitive dependent; none of them is served afterwards.
    ///
    /// - Returns: the aborted keys, root first, breadth-first; `[]` when the node was already terminal.
    /// - Throws: ``GraphError`` `unknownKey`.
    @discardableResult
    public func abort(_ key: Key) throws -> [Key] { try storage.abort(key) }

    /// Adds a node and its task while the source runs; the task is queued at once if the node is ready.
    ///
    /// - Throws: ``GraphError`` (`duplicateKey`, `missingDependency`, `cycle`) or ``SourceError``
    ///   `finished` when the graph was already done. Nothing changes.
    public func addNode(_ key: Key, dependencies: [Key] = [], task: Element) throws {
        try storage.addNode(key, dependencies: dependencies, task: task, priority: nil)
    }

    // MARK: - Inspecting

    /// The task of the oldest ready node not yet taken.
    @inlinable
    public func peek() -> Element? { storage.peek() }

    /// The key of the oldest ready node not yet taken.
    public func peekKey() -> Key? { storage.peekKey() }

    /// The number of queued tasks: ready, not taken, not waiting out a retry delay.
    public var queueSize: Int { storage.queueSize }

    /// The number of nodes waiting out a retry delay.
    public var pendingRetryCount: Int { storage.pendingRetryCount }

    /// Whether `key` is waiting out a retry delay.
    public func isRetryPending(_ key: Key) -> Bool { storage.isRetryPending(key) }

    /// Runs `body` with the graph under the source's lock, for reading.
    ///
    /// `body` must not mutate the graph and must not call back into the source.
    public func withGraph<R: Sendable>(_ body: @Sendable (DependencyGraph<Key>) throws -> R) rethrows -> R {
        try storage.withGraph(body)
    }

    // MARK: - TaskSource

    /// Takes the oldest ready task if `predicate` accepts it, marking its node `running`.
    @inlinable
    public func take(where predicate: (Element) -> Bool) -> Element? { storage.take(where: predicate) }

    /// Whether every node is completed or aborted; then the source never serves again.
    @inlinable
    public var isFinished: Bool { storage.isFinished }

    /// A subscription woken whenever a task becomes available and when the source finishes.
    public func changes() -> AsyncStream<Void> { storage.changes() }

    // MARK: - AsyncSequence

    /// Creates an iterator; see ``GraphSourceIterator``.
    public func makeAsyncIterator() -> GraphSourceIterator<Key, Element> { GraphSourceIterator(storage: storage) }
}
