import HeapModule

/// Collects the keys a ``DependencyGraph`` reports ready during one mutating call.
///
/// The graph's `onReady` fires synchronously inside `complete`, `fail` and `addNode`; the callback only
/// records the key here, and the state machine queues the keys once the graph call has returned (so the
/// graph is never re-entered from its own callback). Lives in the same lock-protected region as the graph.
final class ReadyInbox<Key> {
    private(set) var keys: [Key] = []

    func append(_ key: Key) { keys.append(key) }

    func drain() -> [Key] {
        defer { keys.removeAll(keepingCapacity: true) }
        return keys
    }
}

/// The state shared by ``DependencySourceObj`` and ``PriorityDependencySourceObj``: the owned graph, the
/// task map, the aging queue of ready keys, delayed retries and waiting consumers.
///
/// Pure with respect to concurrency: no locks, no tasks; the caller passes the current time (elapsed
/// since the source was created) and resumes returned continuations after unlocking. Every mutation ends
/// with ``settle(now:)``, which queues newly ready keys, serves waiting consumers and detects the end.
///
/// Invariants:
/// - A key is in `queue` iff it is `ready` in the graph, not waiting out a retry delay, and not taken.
/// - Consumers wait only while `queue` is empty and the source is not finished.
/// - Once `isFinished` is set it stays set, and every waiter has been resumed with `nil`.
struct GraphSourceStateMachine<Key: Hashable & Sendable, Element: Sendable> {
    let graph: DependencyGraph<Key>
    private let inbox: ReadyInbox<Key>
    private var tasks: [Key: Element]
    private var priorities: [Key: Double]
    private var queue: AgingPriorityQueue<Key>
    private var queued: [Key: UInt64] = [:]
    private var retries = RetrySchedule<Key>()
    private var waiters = PullWaiterQueue<Element>()
    private(set) var isFinished = false
    /// The retry timer the storage runs; see ``GraphSourceStorage``.
    var timer = RetryTimerSlot()

    /// Takes ownership of `graph` and chains onto its `onReady` (an earlier callback keeps firing first).
    ///
    /// - Throws: ``SourceError`` `missingTask` when a node of the graph has no task; nothing is changed.
    init(
        graph: sending DependencyGraph<Key>,
        tasks: [Key: Element],
        priorities: [Key: Double],
        agingRate: Double,
        maxAgeBoost: Double,
        sourceName: String
    ) throws(SourceError) {
        for key in graph.topologicalSort() where tasks[key] == nil {
            throw SourceError.missingTask(source: sourceName, key: key)
        }
        self.graph = graph
        self.tasks = tasks
        self.priorities = priorities
        queue = AgingPriorityQueue(agingRate: agingRate, maxAgeBoost: maxAgeBoost)
        let inbox = ReadyInbox<Key>()
        for key in graph.ready { inbox.append(key) }
        let previous = graph.onReady
        graph.onReady = { key in
            previous?(key)
            inbox.append(key)
        }
        self.inbox = inbox
    }

    var queueSize: Int { queue.count }
    var waiterCount: Int { waiters.count }
    var pendingRetryCount: Int { retries.count }
    var usesTime: Bool { queue.usesTime }
    func isRetryPending(_ key: Key) -> Bool { retries.deadline(of: key) != nil }
    var nextRetryDeadline: Duration? { mutating get { retries.earliestDeadline } }

    // MARK: - Reading

    /// The best queued key and its task.
    mutating func peek(now: Double) -> (key: Key, element: Element)? {
        guard let (_, key) = queue.peek(now: now) else { return nil }
        return (key, tasks[key]!)
    }

    // MARK: - Taking

    /// Takes the best key if `predicate` accepts its task, marking it `running` in the graph.
    mutating func take(now: Double, where predicate: (Element) -> Bool) -> Element? {
        guard let (key, element) = peek(now: now), predicate(element) else { return nil }
        return start(key, now: now)
    }

    mutating func take(now: Double) -> PullAttempt<Element> {
        if let (key, _) = peek(now: now) { return .element(start(key, now: now)) }
        return isFinished ? .finished : .empty
    }

    mutating func takeOrPark(
        id: UInt64, continuation: CheckedContinuation<Element?, Never>, now: Double
    ) -> Element?? {
        switch take(now: now) {
        case .element(let element): return .some(element)
        case .finished: return .some(nil)
        case .empty:
            if Task.isCancelled { return .some(nil) }
            waiters.append(id, continuation)
            return nil
        }
    }

    mutating func removeWaiter(id: UInt64) -> CheckedContinuation<Element?, Never>? { waiters.remove(id) }

    private mutating func start(_ key: Key, now: Double) -> Element {
        queue.remove(queued.removeValue(forKey: key)!)
        do {
            try graph.start(key)
        } catch {
            preconditionFailure("queued key '\(key)' was not ready in the graph: \(error)")
        }
        return tasks[key]!
    }

    // MARK: - Transitions

    mutating func complete(_ key: Key, now: Double) throws(GraphError) -> ([Key], Settlement) {
        let unlocked = try graph.complete(key)
        return (unlocked, settle(now: now))
    }

    mutating func fail(_ key: Key, now: Double) throws(GraphError) -> Settlement {
        try graph.fail(key)
        return settle(now: now)
    }

    /// Fails `key` now, holding its retry back until `deadline` (elapsed time).
    mutating func fail(_ key: Key, retryAt deadline: Duration, now: Double) throws(GraphError) -> Settlement {
        retries.insert(key, deadline: deadline)
        do {
            try graph.fail(key)
        } catch {
            retries.remove(key)
            throw error
        }
        return settle(now: now)
    }

    /// Queues every retry whose deadline is at or before `elapsed`.
    mutating func releaseDueRetries(at elapsed: Duration, now: Double) -> Settlement {
        for key in retries.popDue(at: elapsed) where (try? graph.state(of: key)) == .ready {
            inbox.append(key)
        }
        return settle(now: now)
    }

    mutating func abort(_ key: Key, now: Double) throws(GraphError) -> ([Key], Settlement) {
        let aborted = try graph.abort(key)
        for key in aborted {
            if let sequence = queued.removeValue(forKey: key) { queue.remove(sequence) }
            retries.remove(key)
        }
        return (aborted, settle(now: now))
    }

    /// Adds a node with its task (and priority); it is queued at once when it is ready.
    mutating func addNode(
        _ key: Key, dependencies: [Key], task: Element, priority: Double?, now: Double, sourceName: String
    ) throws -> Settlement {
        if isFinished { throw SourceError.finished(source: sourceName, key: key) }
        if graph.contains(key) { throw GraphError.duplicate(key) }
        tasks[key] = task
        if let priority { priorities[key] = priority }
        do {
            try graph.addNode(key, dependencies: dependencies)
        } catch {
            tasks[key] = nil
            priorities[key] = nil
            throw error
        }
        return settle(now: now)
    }

    // MARK: - Settling

    /// What a mutation requires of the storage once the lock is released.
    struct Settlement {
        /// Consumers to resume (with a task, or with `nil` at the end).
        var deliveries: [PullDelivery<Element>] = []
        /// Some key became available: notify `changes()` subscribers.
        var madeAvailable = false
        /// The source finished during this call: notify and end `changes()` subscriptions.
        var finished = false
    }

    /// Queues newly ready keys, hands queued tasks to waiting consumers, and finishes the source when the
    /// graph is done.
    mutating func settle(now: Double) -> Settlement {
        var settlement = Settlement()
        for key in inbox.drain() where queued[key] == nil && !retries.contains(key) {
            guard (try? graph.state(of: key)) == .ready else { continue }
            queued[key] = queue.insert(key, priority: priorities[key] ?? 0, now: now)
            settlement.madeAvailable = true
        }
        while !waiters.isEmpty, let (key, _) = peek(now: now) {
            let element = start(key, now: now)
            settlement.deliveries.append(PullDelivery(continuation: waiters.popFirst()!, value: element))
        }
        if !isFinished && graph.isDone {
            isFinished = true
            settlement.finished = true
            settlement.deliveries += waiters.removeAll().map { PullDelivery(continuation: $0, value: nil) }
        }
        return settlement
    }
}

/// Keys waiting out a retry delay, by deadline (elapsed time since the source was created).
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

    private var deadlines: [Key: (deadline: Duration, sequence: UInt64)] = [:]
    private var heap = Heap<Entry>()
    private var nextSequence: UInt64 = 0

    var count: Int { deadlines.count }

    func contains(_ key: Key) -> Bool { deadlines[key] != nil }

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
