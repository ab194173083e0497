import Synchronization

/// The lock-protected storage behind a ``PrioritySourceObj``.
///
/// Reads the injected clock under the lock so that enqueue times never decrease in enqueue order (the
/// aging queue relies on it). Continuations are resumed and change signals sent after unlocking.
final class PrioritySourceStorage<Element: Sendable>: PullStorage {
    private let state: Mutex<PrioritySourceStateMachine<Element>>
    private let clock: ElapsedClock
    private let usesTime: Bool
    private let waiterIDs = WaiterIDGenerator()
    private let broadcast = Broadcast()

    init(agingRate: Double, maxAgeBoost: Double, clock: ElapsedClock) {
        let machine = PrioritySourceStateMachine<Element>(agingRate: agingRate, maxAgeBoost: maxAgeBoost)
        usesTime = machine.queue.usesTime
        state = Mutex(machine)
        self.clock = clock
    }

    private var now: Double { usesTime ? clock.nowMilliseconds : 0 }

    var count: Int { state.withLock { $0.queue.count } }
    var isClosed: Bool { state.withLock { $0.isClosed } }
    var isFinished: Bool { state.withLock { $0.isFinished } }
    var waiterCount: Int { state.withLock { $0.waiterCount } }
    var agingRate: Double { state.withLock { $0.queue.agingRate } }
    var maxAgeBoost: Double { state.withLock { $0.queue.maxAgeBoost } }

    func changes() -> AsyncStream<Void> { broadcast.subscribe() }

    func enqueue(_ element: Element, priority: Double) throws(SourceError) {
        let outcome = state.withLock { $0.enqueue(element, priority: priority, now: now) }
        switch outcome {
        case .rejected: throw SourceError.closed(source: "PrioritySourceObj")
        case .queued: broadcast.notify()
        case .delivered(let delivery): delivery.resume()
        }
    }

    func peek() -> Element? { state.withLock { $0.peek(now: now) } }

    func closeSource() {
        let (deliveries, finished) = state.withLock { machine in (machine.close(), machine.isFinished) }
        for delivery in deliveries { delivery.resume() }
        broadcast.notify()
        if finished { broadcast.finish() }
    }

    func take(where predicate: (Element) -> Bool) -> Element? {
        let (element, finished) = state.withLock { machine in
            (machine.take(now: now, where: predicate), machine.isFinished)
        }
        if finished && element != nil { broadcast.finish() }
        return element
    }

    func tryTake() -> PullAttempt<Element> {
        let attempt = state.withLock { $0.take(now: now) }
        if case .element = attempt, isFinished { broadcast.finish() }
        return attempt
    }

    func takeOrPark(id: UInt64, continuation: CheckedContinuation<Element?, Never>) -> Element?? {
        let (result, finished) = state.withLock { machine in
            (machine.takeOrPark(id: id, continuation: continuation, now: now), machine.isFinished)
        }
        if finished, case .some(.some) = result { broadcast.finish() }
        return result
    }

    func removeWaiter(id: UInt64) -> CheckedContinuation<Element?, Never>? {
        state.withLock { $0.removeWaiter(id: id) }
    }

    func makeWaiterID() -> UInt64 { waiterIDs.next() }
}
