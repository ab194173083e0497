/// A dependency-gated task source that serves ready tasks by priority, with aging.
///
/// It owns a ``DependencyGraph`` and a task per node. A node's task becomes available when the node is `ready`; among available tasks
/// the one with the highest effective priority is served first (`priority(key, task)` plus aging, as in
/// ``PrioritySourceObj``; ties go to the task that became ready first). Taking a task (a pull, or
/// ``take(where:)``) marks its node `running` in the graph. The caller reports the outcome with
/// ``complete(_:)``, ``fail(_:)``, ``fail(_:retryAfter:)`` or ``abort(_:)``; the source finishes when
/// every node is completed or aborted.
///
/// ```swift
/// let graph = DependencyGraph<String>()
/// try graph.addAll([("extract", []), ("transform", ["extract"]), ("load", ["transform"])])
/// let source = try PriorityDependencySourceObj(
///     graph: graph,
///     tasks: ["extract": "E", "transform": "T", "load": "L"],
///     priority: { key, _ in key == "load" ? 10 : 1 })
/// for await task in source {
///     print(task)                          // E, T, L
///     try source.complete(task == "E" ? "extract" : task == "T" ? "transform" : "load")
/// }
/// ```
///
/// **Synchronous readiness.** ``complete(_:)`` queues the dependents it unlocks before it returns:
/// ``peekKey()`` names them with no `await` in between.
///
/// **Ownership.** The source takes the graph (`sending`): from then on only the source touches it, under
/// its lock. Read it through ``withGraph(_:)``; change it through the source's methods. An `onReady`
/// callback already set on the graph is kept and called first, under the source's lock, inside the transition; it must not call back into the source.
///
/// **Missing tasks:** construction throws ``SourceError`` `missingTask` when *any* node, ready or pending,
/// lacks a task. Since nodes added later come with their task (``addNode(_:dependencies:task:)``), no node
/// can become ready without one, so a missing task never surfaces late, in the middle of a run.
///
/// **Priorities** are computed once per node, when its task is registered (construction or `addNode`),
/// outside the lock; a retried task keeps its priority, and its age restarts when it is queued again.
///
/// **Retries with backoff.** ``fail(_:retryAfter:)`` moves the node out of `running` at once (it is
/// `ready` in the graph) but keeps it out of the queue until the delay has passed on the injected clock.
/// Meanwhile ``isFinished`` stays false, and ``abort(_:)`` cancels the pending retry.
///
/// **Concurrency.** Thread-safe: every member may be used from any isolation domain. Pulls suspend while
/// nothing is queued and the graph is not done; a consumer cancelled while waiting gets `nil`. Several
/// consumers may pull; each task goes to exactly one. A pool runner consumes the source through
/// ``TaskSource``; ``changes()`` fires whenever a task becomes available and when the source finishes.
public final class PriorityDependencySourceObj<Key: Hashable & Sendable, Element: Sendable>:
    AsyncSequence, TaskSource, Peekable, Sendable
{
    @usableFromInline let storage: GraphSourceStorage<Key, Element>
    private let priority: @Sendable (Key, Element) -> Double

    /// Creates a source over `graph`, queuing every node that is already ready.
    ///
    /// - Parameters:
    ///   - graph: the dependency graph, handed over to the source.
    ///   - tasks: the task of every node (extra entries are ignored).
    ///   - priority: the base priority of a node's task; higher is served first. Default: 1 for all.
    ///   - agingRate: priority units gained per millisecond spent queued; `0` (default) disables aging.
    ///   - maxAgeBoost: the most a task can gain by waiting; unlimited by default.
    ///   - clock: the clock for aging and retry delays; tests pass a ``ManualClock``.
    /// - Throws: ``SourceError`` with code ``SourceError/Code/missingTask`` when a node has no task.
    /// - Complexity: O(*n* log *n*) for *n* nodes.
    public init(
        graph: sending DependencyGraph<Key>,
        tasks: [Key: Element],
        priority: @escaping @Sendable (Key, Element) -> Double = { _, _ in 1 },
        agingRate: Double = 0,
        maxAgeBoost: Double = .infinity,
        clock: any Clock<Duration> = ContinuousClock()
    ) throws {
        let name = "PriorityDependencySourceObj"
        let machine = try GraphSourceStateMachine(
            graph: graph, tasks: tasks, priority: priority, agingRate: agingRate,
            maxAgeBoost: maxAgeBoost, sourceName: name)
        storage = GraphSourceStorage(machine: machine, clock: ElapsedClock(clock), sourceName: name)
        self.priority = priority
    }

    // MARK: - Reporting outcomes

    /// Marks a running node completed and queues the dependents it unlocked before returning.
    ///
    /// - Returns: the dependents that became ready, in graph insertion order.
    /// - Throws: ``GraphError`` (`unknownKey`, or `invalidTransition` when the node is not running).
    /// - Complexity: O(*e* log *n*) for *e* dependents.
    @discardableResult
    @inlinable
    public func complete(_ key: Key) throws -> [Key] { try storage.complete(key) }

    /// Puts a running node back in the queue for an immediate retry; its age restarts.
    ///
    /// - Throws: ``GraphError`` (`unknownKey`, or `invalidTransition` when the node is not running).
    public func fail(_ key: Key) throws { try storage.fail(key) }

    /// Fails a running node now and queues its retry once `delay` has elapsed on the source's clock.
    ///
    /// The node leaves `running` at once (so a runner holds no capacity for it during the backoff) and
    /// is neither peekable nor takeable until the delay has passed; then it is queued (its age starting
    /// then) and ``changes()`` subscribers are woken. ``isFinished`` stays false meanwhile, and
    /// ``abort(_:)`` of the node cancels the retry. A `delay` of zero or less is ``fail(_:)``.
    ///
    /// - Throws: ``GraphError`` (`unknownKey`, or `invalidTransition` when the node is not running);
    ///   nothing changes.
    public func fail(_ key: Key, retryAfter delay: Duration) throws { try storage.fail(key, retryAfter: delay) }

    /// Aborts a node and every transitive dependent; none of them is served afterwards.
    ///
    /// Aborted keys leave the queue (``queueSize`` drops accordingly) and pending retries of them are
    /// cancelled. Aborting a running node is allowed; the caller stops its work.
    ///
    /// - Returns: the aborted keys, root first, breadth-first; `[]` when the node was already terminal.
    /// - Throws: ``GraphError`` `unknownKey`.
    @discardableResult
    public func abort(_ key: Key) throws -> [Key] { try storage.abort(key) }

    /// Adds a node and its task while the source runs; the task is queued at once if the node is ready.
    ///
    /// The priority function is evaluated here, before the source's lock is taken.
    ///
    /// - Throws: ``GraphError`` (`duplicateKey`, `missingDependency`, `cycle`) or ``SourceError``
    ///   `finished` when the graph was already done (the source finished for good). Nothing changes.
    public func addNode(_ key: Key, dependencies: [Key] = [], task: Element) throws {
        let priority = priority(key, task)
        try storage.addNode(key, dependencies: dependencies, task: task, priority: priority)
    }

    // MARK: - Inspecting

    /// The task that would be served next (best effective priority now), without taking it.
    @inlinable
    public func peek() -> Element? { storage.peek() }

    /// The key of the task that would be served next.
    public func peekKey() -> Key? { storage.peekKey() }

    /// The number of queued tasks: ready, not taken, not waiting out a retry delay.
    public var queueSize: Int { storage.queueSize }

    /// The number of nodes waiting out a retry delay.
    public var pendingRetryCount: Int { storage.pendingRetryCount }

    /// Whether `key` is waiting out a retry delay.
    public func isRetryPending(_ key: Key) -> Bool { storage.isRetryPending(key) }

    /// Runs `body` with the graph under the source's lock, for reading.
    ///
    /// `body` must not mutate the graph (use the source's methods) and must not call back into the
    /// source.
    public func withGraph<R: Sendable>(_ body: @Sendable (DependencyGraph<Key>) throws -> R) rethrows -> R {
        try storage.withGraph(body)
    }

    // MARK: - TaskSource

    /// Takes the best task if `predicate` accepts it, marking its node `running`.
    @inlinable
    public func take(where predicate: (Element) -> Bool) -> Element? { storage.take(where: predicate) }

    /// Whether every node is completed or aborted; then the source never serves again.
    @inlinable
    public var isFinished: Bool { storage.isFinished }

    /// A subscription woken whenever a task becomes available and when the source finishes; it ends
    /// when the source finishes.
    public func changes() -> AsyncStream<Void> { storage.changes() }

    // MARK: - AsyncSequence

    /// Creates an iterator; see ``GraphSourceIterator``.
    public func makeAsyncIterator() -> GraphSourceIterator<Key, Element> { GraphSourceIterator(storage: storage) }
}
