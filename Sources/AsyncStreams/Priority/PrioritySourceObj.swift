/// A priority queue served as a pull source, with optional aging against starvation.
///
/// Items are served in order of *effective
/// priority*, highest first:
///
///     effective = priority + min(agingRate × millisecondsWaited, maxAgeBoost)
///
/// Ties go to the item enqueued first (FIFO). The effective priority is evaluated afresh at every
/// ``peek()`` and every pull, on the injected clock. Every item ages at the same rate, so without a cap
/// two queued items never swap places; aging only lets old items beat newer arrivals, and an item that
/// reaches `maxAgeBoost` stops gaining and can then be overtaken by items that are still aging.
///
/// ```swift
/// let queue = PrioritySourceObj<String>(agingRate: 0.005, maxAgeBoost: 45)
/// try queue.enqueue("free-tier job", priority: 10)
/// try queue.enqueue("premium job", priority: 100)
/// queue.closeSource()
/// for await job in queue { print(job) }   // premium job, free-tier job
/// ```
///
/// **Life cycle.** While open, a pull on an empty queue suspends until the next ``enqueue(_:priority:)``.
/// ``closeSource()`` forbids further enqueues; queued items are still delivered in priority order, then
/// the source finishes (``isFinished``).
///
/// **Concurrency.** Thread-safe: every member may be used from any isolation domain; state lives behind a
/// `Mutex` and no user code runs under it (except the predicate of ``take(where:)``, per ``TaskSource``).
/// Any number of consumers may pull; each item goes to exactly one, and waiting consumers are served in
/// the order they started waiting. A consumer cancelled while waiting gets `nil`; no item is lost to it.
///
/// - Complexity: `enqueue`, pull and `take` are O(log *n*) (amortised with a finite cap); `peek` is
///   amortised O(log *n*) and O(1) without aging.
public final class PrioritySourceObj<Element: Sendable>: AsyncSequence, TaskSource, Peekable, Sendable {
    let storage: PrioritySourceStorage<Element>

    /// Creates an open, empty source.
    ///
    /// - Parameters:
    ///   - agingRate: priority units gained per **millisecond** of waiting; `0` (the default) disables
    ///     aging. Must be finite and ≥ 0.
    ///   - maxAgeBoost: the most an item can gain by waiting; unlimited by default. Must be ≥ 0.
    ///   - clock: the clock that measures waiting; tests pass a ``ManualClock``. Read only when aging is on.
    public init(
        agingRate: Double = 0,
        maxAgeBoost: Double = .infinity,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        storage = PrioritySourceStorage(
            agingRate: agingRate, maxAgeBoost: maxAgeBoost, clock: ElapsedClock(clock))
    }

    /// Queues `item` with base `priority` (higher is served first) and wakes a waiting consumer.
    ///
    /// - Throws: ``SourceError`` with code ``SourceError/Code/closed`` after ``closeSource()``; the item is
    ///   not queued.
    /// - Complexity: O(log *n*).
    public func enqueue(_ item: Element, priority: Double) throws {
        try storage.enqueue(item, priority: priority)
    }

    /// Forbids further enqueues. Queued items are still delivered, then the source finishes; consumers
    /// waiting on an empty queue get `nil` at once. Idempotent.
    public func closeSource() { storage.closeSource() }

    /// The item with the highest effective priority now, without removing it; `nil` when empty.
    ///
    /// - Complexity: amortised O(log *n*).
    public func peek() -> Element? { storage.peek() }

    /// The number of queued items. Pulls lower it by one; ``peek()`` leaves it unchanged.
    public var count: Int { storage.count }

    /// Whether ``closeSource()`` has been called.
    public var isClosed: Bool { storage.isClosed }

    /// The aging rate, in priority units per millisecond.
    public var agingRate: Double { storage.agingRate }

    /// The cap on the priority gained by waiting.
    public var maxAgeBoost: Double { storage.maxAgeBoost }

    // MARK: - TaskSource

    /// Takes the best item if `predicate` accepts it; see ``TaskSource/take(where:)``.
    ///
    /// - Complexity: amortised O(log *n*) plus the predicate.
    public func take(where predicate: (Element) -> Bool) -> Element? { storage.take(where: predicate) }

    /// Whether the source is closed and drained.
    public var isFinished: Bool { storage.isFinished }

    /// A subscription woken on every enqueue and on close; it ends when the source is finished.
    public func changes() -> AsyncStream<Void> { storage.changes() }

    // MARK: - AsyncSequence

    /// Creates an iterator that drains the source in effective-priority order.
    public func makeAsyncIterator() -> Iterator { Iterator(storage: storage) }

    /// Pulls the best item, suspending while the source is open and empty.
    ///
    /// Returns `nil` once the source is finished, or when the calling task is cancelled while waiting;
    /// after `nil` it keeps returning `nil`.
    public struct Iterator: AsyncIteratorProtocol {
        private let storage: PrioritySourceStorage<Element>
        private var isExhausted = false

        init(storage: PrioritySourceStorage<Element>) { self.storage = storage }

        /// The best item, suspending while the source is open and empty.
        public mutating func next() async -> Element? {
            if isExhausted { return nil }
            guard let element = await storage.pull() else {
                isExhausted = true
                return nil
            }
            return element
        }
    }
}
