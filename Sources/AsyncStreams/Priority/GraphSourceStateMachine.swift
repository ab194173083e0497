import HeapModule

/// The state shared by ``DependencySourceObj`` and ``PriorityDependencySourceObj``: the owned graph, the
/// tasks, the aging queue of ready nodes, delayed retries and waiting consumers.
///
/// Everything is addressed by the graph's dense node index: the tasks and base priorities are arrays by
/// node, the queue and the retry schedule hold indices, and the graph's index-based transitions report
/// newly ready nodes as indices. A key is hashed once per public call (to find its node) and a key is
/// materialised only for a caller that asks for keys.
///
/// Pure with respect to concurrency: no locks, no tasks; the caller passes the current time (elapsed
/// since the source was created) and resumes returned continuations after unlocking. Every mutation ends
/// with ``settle(now:)``, which queues newly ready nodes, serves waiting consumers and detects the end.
///
/// Invariants:
/// - A node is in `queue` iff it is `ready` in the graph, not waiting out a retry delay, and not taken.
/// - `tasks` and `priorities` have one entry per graph node.
/// - Consumers wait only while `queue` is empty and the source is not finished.
/// - Once `isFinished` is set it stays set, and every waiter has been resumed with `nil`.
@usableFromInline
struct GraphSourceStateMachine<Key: Hashable & Sendable, Element: Sendable> {
    @usableFromInline let graph: DependencyGraph<Key>
    /// The task of each node, by node index; `nil` once the node completed (it never runs again), so that a
    /// long run does not keep every finished task and what it captured.
    @usableFromInline var tasks: [Element?]
    /// The base priority of each node, by node index.
    @usableFromInline var priorities: [Double]
    @usableFromInline var queue: ReadyNodeQueue
    @usableFromInline var retries = RetrySchedule<Int32>()
    @usableFromInline var waiters = PullWaiterQueue<Element>()
    /// Nodes that became ready during the current mutation, queued by the next ``settle(now:)``.
    @usableFromInline var newlyReady: [Int32] = []
    @usableFromInline var isFinished = false
    /// The retry timer the storage runs; see ``GraphSourceStorage``.
    var timer = RetryTimerSlot()

    /// Takes ownership of `graph`, evaluating `priority` once per node.
    ///
    /// An `onReady` callback already set on the graph keeps firing (the graph calls it inside each
    /// transition, before the source queues the node).
    ///
    /// - Throws: ``SourceError`` `missingTask` when a node of the graph has no task; nothing is changed.
    init(
        graph: sending DependencyGraph<Key>,
        tasks: [Key: Element],
        priority: (Key, Element) -> Double,
        agingRate: Double,
        maxAgeBoost: Double,
        sourceName: String
    ) throws(SourceError) {
        var taskList: [Element?] = []
        var priorityList: [Double] = []
        taskList.reserveCapacity(graph.keys.count)
        priorityList.reserveCapacity(graph.keys.count)
        for key in graph.keys {
            guard let task = tasks[key] else { throw SourceError.missingTask(source: sourceName, key: key) }
            taskList.append(task)
            priorityList.append(priority(key, task))
        }
        self.graph = graph
        self.tasks = taskList
        self.priorities = priorityList
        queue = ReadyNodeQueue(agingRate: agingRate, maxAgeBoost: maxAgeBoost)
        newlyReady = graph.core.readyNodes
    }

    var queueSize: Int { queue.count }
    var waiterCount: Int { waiters.count }
    var pendingRetryCount: Int { retries.count }
    var usesTime: Bool { queue.usesTime }
    func isRetryPending(_ key: Key) -> Bool {
        guard let node = graph.indexByKey[key] else { return false }
        return retries.contains(node)
    }
    var nextRetryDeadline: Duration? { mutating get { retries.earliestDeadline } }

    // MARK: - Reading

    /// The best queued node's task.
    @inlinable
    mutating func peekElement(now: Double) -> Element? {
        guard let node = queue.peek(now: now) else { return nil }
        return task(of: node)
    }

    /// The best queued node's key.
    mutating func peekKey(now: Double) -> Key? {
        guard let node = queue.peek(now: now) else { return nil }
        return graph.keys[Int(node)]
    }

    // MARK: - Taking

    @inlinable
    mutating func take(now: Double) -> PullAttempt<Element> {
        if let node = queue.peek(now: now) { return .element(start(node)) }
        return isFinished ? .finished : .empty
    }

    mutating func takeOrPark(
        id: UInt64, continuation: CheckedContinuation<Element?, Never>, now: Double
    ) -> Element?? {
        waiters.resolve(take(now: now), orPark: id, continuation)
    }

    mutating func removeWaiter(id: UInt64) -> CheckedContinuation<Element?, Never>? { waiters.remove(id) }

    @inlinable
    mutating func start(_ node: Int32) -> Element {
        queue.remove(node)
        graph.startNode(node)
        return task(of: node)
    }

    /// The task of a node that has not completed.
    @inlinable
    func task(of node: Int32) -> Element {
        guard let task = tasks[Int(node)] else { preconditionFailure("the task of a completed node was asked for") }
        return task
    }

    // MARK: - Transitions

    /// Completes `key`; returns the nodes it unlocked (as indices; the caller maps them to keys).
    @inlinable
    mutating func complete(_ key: Key, now: Double) throws(GraphError) -> ([Int32], Settlement) {
        let node = try graph.lookUp(key)
        let unlocked = try graph.completeNode(key)
        tasks[Int(node)] = nil
        newlyReady.append(contentsOf: unlocked)
        return (unlocked, settle(now: now))
    }

    mutating func fail(_ key: Key, now: Double) throws(GraphError) -> Settlement {
        newlyReady.append(try graph.failNode(key))
        return settle(now: now)
    }

    /// Fails `key` now, holding its retry back until `deadline` (elapsed time).
    mutating func fail(_ key: Key, retryAt deadline: Duration, now: Double) throws(GraphError) -> Settlement {
        let node = try graph.lookUp(key)
        try graph.expect(node, in: .running, for: "fail")
        retries.insert(node, deadline: deadline)
        newlyReady.append(try graph.failNode(key))
        return settle(now: now)
    }

    /// Queues every retry whose deadline is at or before `elapsed`.
    mutating func releaseDueRetries(at elapsed: Duration, now: Double) -> Settlement {
        for node in retries.popDue(at: elapsed) where graph.core.states[Int(node)] == .ready {
            newlyReady.append(node)
        }
        return settle(now: now)
    }

    mutating func abort(_ key: Key, now: Double) throws(GraphError) -> ([Key], Settlement) {
        let aborted = graph.core.abort(try graph.lookUp(key))
        for node in aborted {
            queue.remove(node)
            retries.remove(node)
        }
        return (aborted.map { graph.keys[Int($0)] }, settle(now: now))
    }

    /// Adds a node with its task (and priority); it is queued at once when it is ready.
    mutating func addNode(
        _ key: Key, dependencies: [Key], task: Element, priority: Double?, now: Double, sourceName: String
    ) throws -> Settlement {
        if isFinished { throw SourceError.finished(source: sourceName, key: key) }
        try graph.addNode(key, dependencies: dependencies)
        let node = Int32(graph.count - 1)
        precondition(tasks.count == Int(node), "the source's graph was changed behind its back")
        tasks.append(task)
        priorities.append(priority ?? 0)
        if graph.core.states[Int(node)] == .ready { newlyReady.append(node) }
        return settle(now: now)
    }

    // MARK: - Settling

    /// What a mutation requires of the storage once the lock is released.
    @usableFromInline
    struct Settlement: Sendable {
        /// Consumers to resume (with a task, or with `nil` at the end).
        @usableFromInline var deliveries: [PullDelivery<Element>] = []
        /// Some key became available: notify `changes()` subscribers.
        @usableFromInline var madeAvailable = false
        /// The source finished during this call: notify and end `changes()` subscriptions.
        @usableFromInline var finished = false

        @inlinable init() {}
    }

    /// Queues newly ready nodes, hands queued tasks to waiting consumers, and finishes the source when
    /// the graph is done.
    @inlinable
    mutating func settle(now: Double) -> Settlement {
        var settlement = Settlement()
        if !newlyReady.isEmpty {
            for node in newlyReady where !queue.contains(node) && !retries.contains(node) {
                guard graph.core.states[Int(node)] == .ready else { continue }
                queue.insert(node, priority: priorities[Int(node)], now: now)
                settlement.madeAvailable = true
            }
            newlyReady.removeAll(keepingCapacity: true)
        }
        while !waiters.isEmpty, let node = queue.peek(now: now) {
            let element = start(node)
            settlement.deliveries.append(PullDelivery(continuation: waiters.popFirst()!, value: element))
        }
        if !isFinished && graph.core.isDone {
            isFinished = true
            settlement.finished = true
            settlement.deliveries += waiters.removeAll().map { PullDelivery(continuation: $0, value: nil) }
        }
        return settlement
    }
}

/// Keys waiting out a retry delay, by deadline (elapsed time since the source was created).
@usableFromInline
struct RetrySchedule<Key: Hashable & Sendable>: Sendable {
    private struct Entry: Comparable, Sendable {
        var deadline: Duration
        var sequence: UInt64
        var key: Key

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.deadline != rhs.deadline ? lhs.deadline < rhs.deadline : lhs.sequence < rhs.sequence
        }
        static func == (lhs: Entry, rhs: Entry) -> Bool { lhs.sequence == rhs.sequence }
    }

    @usableFromInline var deadlines: [Key: (deadline: Duration, sequence: UInt64)] = [:]
    private var heap = Heap<Entry>()
    private var nextSequence: UInt64 = 0

    var count: Int { deadlines.count }

    @inlinable
    func contains(_ key: Key) -> Bool { !deadlines.isEmpty && deadlines[key] != nil }

    func deadline(of key: Key) -> Duration? { deadlines[key]?.deadline }

    mutating func insert(_ key: Key, deadline: Duration) {
        let sequence = nextSequence
        nextSequence += 1
        deadlines[key] = (deadline, sequence)
        heap.insert(Entry(deadline: deadline, sequence: sequence, key: key))
    }

    mutating func remove(_ key: Key) {
        deadlines[key] = nil
        if deadlines.isEmpty { heap = Heap() }
    }

    /// The earliest live deadline.
    var earliestDeadline: Duration? {
        mutating get {
            dropStaleEntries()
            return heap.min?.deadline
        }
    }

    /// Removes and returns the keys whose deadline is at or before `elapsed`, earliest first.
    mutating func popDue(at elapsed: Duration) -> [Key] {
        var due: [Key] = []
        dropStaleEntries()
        while let top = heap.min, top.deadline <= elapsed {
            heap.removeMin()
            deadlines[top.key] = nil
            due.append(top.key)
            dropStaleEntries()
        }
        return due
    }

    private mutating func dropStaleEntries() {
        while let top = heap.min, deadlines[top.key]?.sequence != top.sequence { heap.removeMin() }
    }
}

/// The single retry timer of a graph source: at most one stored task, sleeping until `deadline`.
struct RetryTimerSlot: Sendable {
    /// Bumped whenever a new timer is scheduled, so a superseded timer can tell it is stale.
    var generation: UInt64 = 0
    /// The deadline the current timer sleeps until; `nil` when no timer is wanted.
    var deadline: Duration?
    /// The current timer task, once created.
    var task: Task<Void, Never>?
}
