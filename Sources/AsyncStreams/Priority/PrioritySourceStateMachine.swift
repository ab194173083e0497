/// The state of a ``PrioritySourceObj``: the aging queue, the closed flag and waiting consumers.
///
/// Pure: no locks, no tasks, no clock (the caller passes the time in milliseconds). Mutating calls return
/// the continuations to resume after unlocking.
///
/// Invariant: consumers wait only while the queue is empty and the source is open.
struct PrioritySourceStateMachine<Element: Sendable>: Sendable {
    private(set) var queue: AgingPriorityQueue<Element>
    private(set) var isClosed = false
    private var waiters = PullWaiterQueue<Element>()

    init(agingRate: Double, maxAgeBoost: Double) {
        queue = AgingPriorityQueue(agingRate: agingRate, maxAgeBoost: maxAgeBoost)
    }

    var isFinished: Bool { isClosed && queue.isEmpty }
    var waiterCount: Int { waiters.count }

    enum EnqueueOutcome {
        case rejected
        case queued
        case delivered(PullDelivery<Element>)
    }

    mutating func enqueue(_ element: Element, priority: Double, now: Double) -> EnqueueOutcome {
        if isClosed { return .rejected }
        if let waiter = waiters.popFirst() {
            // A waiter exists only while the queue is empty, so this element is the best one.
            return .delivered(PullDelivery(continuation: waiter, value: element))
        }
        queue.insert(element, priority: priority, now: now)
        return .queued
    }

    mutating func peek(now: Double) -> Element? { queue.peek(now: now)?.element }

    mutating func take(now: Double) -> PullAttempt<Element> {
        if let element = queue.popBest(now: now) { return .element(element) }
        return isClosed ? .finished : .empty
    }

    mutating func take(now: Double, where predicate: (Element) -> Bool) -> Element? {
        guard let (sequence, element) = queue.peek(now: now), predicate(element) else { return nil }
        return queue.remove(sequence)
    }

    mutating func takeOrPark(
        id: UInt64, continuation: CheckedContinuation<Element?, Never>, now: Double
    ) -> Element?? {
        waiters.resolve(take(now: now), orPark: id, continuation)
    }

    mutating func removeWaiter(id: UInt64) -> CheckedContinuation<Element?, Never>? { waiters.remove(id) }

    /// Closes the source. Waiting consumers (present only when the queue is empty) receive `nil`.
    mutating func close() -> [PullDelivery<Element>] {
        if isClosed { return [] }
        isClosed = true
        return waiters.removeAll().map { PullDelivery(continuation: $0, value: nil) }
    }
}
