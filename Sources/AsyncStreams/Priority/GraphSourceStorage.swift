// `public` only so that the hot path's `@inlinable` methods may use `Mutex`; no public API exposes it.
public import Synchronization

/// The lock-protected storage behind ``DependencySourceObj`` and ``PriorityDependencySourceObj``.
///
/// Owns the graph (inside the `Mutex`), the retry timer and the change signal. The lock is held only
/// for state-machine calls and graph transitions; continuations are resumed, subscribers notified and
/// timer tasks created or cancelled after unlocking. The graph's own callbacks (the `onReady` and
/// `onComplete` it carried when it was handed over) run under the lock, inside the transition.
///
/// **Retry timer.** At most one stored `Task` sleeps on the injected clock until the earliest retry
/// deadline. Scheduling an earlier deadline replaces it (the old task is cancelled); when it fires it
/// releases every due retry and schedules itself again for the next deadline, if any. The task holds the
/// storage weakly and is cancelled when no retry is pending, when the source finishes, and at `deinit`.
///
/// **Specialisation.** The runner's hot path (``take(where:)``, ``complete(_:)``, ``isFinished``, and
/// the state-machine and graph calls under them) is `@inlinable`, so that it is compiled for the client's
/// key and element types; the rest (retries, aborts, timers, pulls) is called unspecialised.
@usableFromInline
final class GraphSourceStorage<Key: Hashable & Sendable, Element: Sendable>: PullStorage {
    @usableFromInline typealias Machine = GraphSourceStateMachine<Key, Element>
    @usableFromInline typealias Settlement = Machine.Settlement

    @usableFromInline let state: Mutex<Machine>
    @usableFromInline let clock: ElapsedClock
    @usableFromInline let usesTime: Bool
    private let waiterIDs = WaiterIDGenerator()
    @usableFromInline let broadcast = Broadcast()
    let sourceName: String

    init(machine: consuming sending Machine, clock: ElapsedClock, sourceName: String) {
        usesTime = machine.usesTime
        state = Mutex(machine)
        self.clock = clock
        self.sourceName = sourceName
        // Queue the nodes that were ready at construction (and detect an already finished graph).
        let now = nowMilliseconds
        apply(state.withLock { $0.settle(now: now) }, timer: nil)
    }

    deinit {
        state.withLock { $0.timer.task }?.cancel()
    }

    @inlinable
    var nowMilliseconds: Double { usesTime ? clock.nowMilliseconds : 0 }

    // MARK: - Reading

    var queueSize: Int { state.withLock { $0.queueSize } }
    @inlinable var isFinished: Bool { state.withLock { $0.isFinished } }
    var waiterCount: Int { state.withLock { $0.waiterCount } }
    var pendingRetryCount: Int { state.withLock { $0.pendingRetryCount } }
    func isRetryPending(_ key: Key) -> Bool { state.withLock { $0.isRetryPending(key) } }
    func changes() -> AsyncStream<Void> { broadcast.subscribe() }
    func listenForChanges(_ listener: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        broadcast.addListener(listener)
    }

    @inlinable
    func peek() -> Element? { state.withLock { $0.peekElement(now: nowMilliseconds) } }
    func peekKey() -> Key? { state.withLock { $0.peekKey(now: nowMilliseconds) } }

    func withGraph<R: Sendable>(_ body: @Sendable (DependencyGraph<Key>) throws -> R) rethrows -> R {
        try state.withLock { machine in try body(machine.graph) }
    }

    // MARK: - Taking

    @inlinable
    func take(where predicate: (Element) -> Bool) -> Element? {
        let (element, settlement) = state.withLock { machine -> (Element?, Settlement?) in
            let now = nowMilliseconds
            // The predicate is applied here, not inside the machine, so that it never enters the
            // machine's isolation region.
            guard let element = machine.peekElement(now: now), predicate(element) else { return (nil, nil) }
            guard case .element(let taken) = machine.take(now: now) else {
                preconditionFailure("peeked task vanished under the lock")
            }
            return (taken, machine.settle(now: now))
        }
        if let settlement { apply(settlement, timer: nil) }
        return element
    }

    func tryTake() -> PullAttempt<Element> {
        state.withLock { $0.take(now: nowMilliseconds) }
    }

    func takeOrPark(id: UInt64, continuation: CheckedContinuation<Element?, Never>) -> Element?? {
        state.withLock { $0.takeOrPark(id: id, continuation: continuation, now: nowMilliseconds) }
    }

    func removeWaiter(id: UInt64) -> CheckedContinuation<Element?, Never>? {
        state.withLock { $0.removeWaiter(id: id) }
    }

    func makeWaiterID() -> UInt64 { waiterIDs.next() }

    // MARK: - Transitions

    @inlinable
    func complete(_ key: Key) throws(GraphError) -> [Key] {
        let (unlocked, settlement) = try state.withLock { (machine) throws(GraphError) -> ([Key], Settlement) in
            let (nodes, settlement) = try machine.complete(key, now: nowMilliseconds)
            // Keys are read under the lock (the graph is only reachable there); none when nothing unlocked.
            return (nodes.isEmpty ? [] : nodes.map { machine.graph.keys[Int($0)] }, settlement)
        }
        apply(settlement, timer: nil)
        return unlocked
    }

    func fail(_ key: Key) throws(GraphError) {
        let settlement = try state.withLock { (machine) throws(GraphError) in
            try machine.fail(key, now: nowMilliseconds)
        }
        apply(settlement, timer: nil)
    }

    func fail(_ key: Key, retryAfter delay: Duration) throws(GraphError) {
        if delay <= .zero { return try fail(key) }
        let (settlement, plan) = try state.withLock { (machine) throws(GraphError) in
            let settlement = try machine.fail(key, retryAt: clock.now + delay, now: nowMilliseconds)
            return (settlement, Self.planTimer(&machine))
        }
        apply(settlement, timer: plan)
    }

    func abort(_ key: Key) throws(GraphError) -> [Key] {
        let (aborted, settlement, plan) = try state.withLock { (machine) throws(GraphError) in
            let (aborted, settlement) = try machine.abort(key, now: nowMilliseconds)
            return (aborted, settlement, Self.planTimer(&machine))
        }
        apply(settlement, timer: plan)
        return aborted
    }

    func addNode(_ key: Key, dependencies: [Key], task: Element, priority: Double?) throws {
        let settlement = try state.withLock { machine in
            try machine.addNode(
                key, dependencies: dependencies, task: task, priority: priority, now: nowMilliseconds,
                sourceName: sourceName)
        }
        apply(settlement, timer: nil)
    }

    // MARK: - Retry timer

    @usableFromInline
    enum TimerPlan {
        case cancel(Task<Void, Never>?)
        case schedule(deadline: Duration, generation: UInt64, replacing: Task<Void, Never>?)
    }

    /// Under the lock: whether the timer must be cancelled or (re)scheduled for the earliest deadline.
    private static func planTimer(_ machine: inout Machine) -> TimerPlan? {
        let next = machine.nextRetryDeadline
        switch (next, machine.timer.deadline) {
        case (nil, nil):
            return nil
        case (nil, .some):
            let old = machine.timer.task
            machine.timer.generation += 1
            machine.timer.deadline = nil
            machine.timer.task = nil
            return .cancel(old)
        case (.some(let next), .some(let current)) where current <= next:
            return nil  // the current timer wakes early enough and reschedules itself
        case (.some(let next), _):
            let old = machine.timer.task
            machine.timer.generation += 1
            machine.timer.deadline = next
            machine.timer.task = nil
            return .schedule(deadline: next, generation: machine.timer.generation, replacing: old)
        }
    }

    private func fireTimer(generation: UInt64) {
        let (settlement, plan) = state.withLock { machine in
            if machine.timer.generation == generation {
                machine.timer.deadline = nil
                machine.timer.task = nil
            }
            let settlement = machine.releaseDueRetries(at: clock.now, now: nowMilliseconds)
            return (settlement, Self.planTimer(&machine))
        }
        apply(settlement, timer: plan)
    }

    @usableFromInline
    func execute(_ plan: TimerPlan) {
        switch plan {
        case .cancel(let task):
            task?.cancel()
        case .schedule(let deadline, let generation, let old):
            old?.cancel()
            let clock = self.clock
            let task = Task { [weak self] in
                do { try await clock.sleep(untilElapsed: deadline) } catch { return }
                self?.fireTimer(generation: generation)
            }
            let superseded = state.withLock { machine -> Task<Void, Never>? in
                guard machine.timer.generation == generation else { return task }
                machine.timer.task = task
                return nil
            }
            superseded?.cancel()
        }
    }

    // MARK: - After unlocking

    @inlinable
    func apply(_ settlement: Settlement, timer plan: TimerPlan?) {
        for delivery in settlement.deliveries { delivery.resume() }
        if let plan { execute(plan) }
        if settlement.madeAvailable || settlement.finished { broadcast.notify() }
        if settlement.finished { finish() }
    }

    /// Ends the source's signals once the graph is done.
    @usableFromInline
    func finish() {
        state.withLock { $0.timer.task }?.cancel()
        broadcast.finish()
    }
}
