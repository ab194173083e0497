import DequeModule
import Synchronization

/// The suspended consumers of a pull source, served first come, first served.
///
/// A pure value kept inside the owning source's lock: it stores continuations but never resumes them;
/// callers resume what it returns after unlocking. Each continuation leaves the queue exactly once
/// (handed a value, handed `nil` at finish, or removed by cancellation), so each is resumed exactly once.
@usableFromInline
struct PullWaiterQueue<Element: Sendable>: Sendable {
    @usableFromInline typealias Continuation = CheckedContinuation<Element?, Never>

    private var order: Deque<UInt64> = []
    @usableFromInline var continuations: [UInt64: Continuation] = [:]

    /// Whether no consumer is waiting.
    @inlinable var isEmpty: Bool { continuations.isEmpty }

    /// The number of waiting consumers.
    var count: Int { continuations.count }

    /// Parks `continuation` under `id` at the back of the queue.
    mutating func append(_ id: UInt64, _ continuation: Continuation) {
        precondition(continuations[id] == nil, "pull id \(id) parked twice")
        continuations[id] = continuation
        order.append(id)
    }

    /// Answers a pull from `attempt`, parking `continuation` under `id` when nothing is available.
    ///
    /// - Returns: the answer to deliver now (`.some(element)`, or `.some(nil)` when the source is finished or
    ///   the pulling task is already cancelled), or `nil` when the continuation was parked.
    mutating func resolve(_ attempt: PullAttempt<Element>, orPark id: UInt64, _ continuation: Continuation)
        -> Element??
    {
        switch attempt {
        case .element(let element): return .some(element)
        case .finished: return .some(nil)
        case .empty:
            if Task.isCancelled { return .some(nil) }
            append(id, continuation)
            return nil
        }
    }

    /// Removes the waiter parked under `id` (cancellation), if it is still waiting.
    mutating func remove(_ id: UInt64) -> Continuation? {
        guard let continuation = continuations.removeValue(forKey: id) else { return nil }
        // Ids of cancelled waiters stay in `order` and are skipped lazily; compact when they dominate.
        if order.count > 2 * continuations.count + 16 {
            order = Deque(order.filter { continuations[$0] != nil })
        }
        return continuation
    }

    /// Removes and returns the longest-waiting consumer.
    @usableFromInline
    mutating func popFirst() -> Continuation? {
        while let id = order.popFirst() {
            if let continuation = continuations.removeValue(forKey: id) { return continuation }
        }
        return nil
    }

    /// Removes every waiter, oldest first (used when the source finishes).
    @usableFromInline
    mutating func removeAll() -> [Continuation] {
        var all: [Continuation] = []
        all.reserveCapacity(continuations.count)
        while let continuation = popFirst() { all.append(continuation) }
        return all
    }
}

/// What a non-suspending pull attempt found.
@usableFromInline
enum PullAttempt<Element> {
    /// An element was consumed.
    case element(Element)
    /// The source is finished for good.
    case finished
    /// Nothing is available right now.
    case empty
}

extension PullAttempt: Sendable where Element: Sendable {}

/// A value and the continuation that must receive it, collected under a lock and resumed after it.
@usableFromInline
struct PullDelivery<Element: Sendable>: Sendable {
    @usableFromInline var continuation: CheckedContinuation<Element?, Never>
    @usableFromInline var value: Element?

    @inlinable
    init(continuation: CheckedContinuation<Element?, Never>, value: Element?) {
        self.continuation = continuation
        self.value = value
    }

    @inlinable func resume() { continuation.resume(returning: value) }
}

/// The lock-holding side of a pull source whose consumers suspend without busy-waiting.
///
/// Conformers implement the three primitives under their own lock; ``pull()`` assembles them into a
/// cancellation-safe suspension: a cancelled consumer is removed from the queue and resumed with `nil`
/// (exactly once), and an element already handed to a consumer is never taken back.
protocol PullStorage: AnyObject, Sendable {
    associatedtype Element: Sendable

    /// Takes the next element without suspending.
    func tryTake() -> PullAttempt<Element>

    /// Under the lock: takes the next element, or reports the source finished, or (when neither and the
    /// current task is not cancelled) parks `continuation` under `id`. Returns the element to resume
    /// `continuation` with, or `nil` when it was parked. A `.some(nil)` result resumes with `nil`.
    func takeOrPark(id: UInt64, continuation: CheckedContinuation<Element?, Never>) -> Element??

    /// Under the lock: removes the waiter parked under `id`, if still parked, and returns it.
    func removeWaiter(id: UInt64) -> CheckedContinuation<Element?, Never>?

    /// A fresh waiter id.
    func makeWaiterID() -> UInt64
}

extension PullStorage {
    /// Takes the next element, suspending while the source is empty but not finished.
    ///
    /// Returns `nil` when the source is finished, or when the calling task is cancelled while waiting.
    func pull() async -> Element? {
        switch tryTake() {
        case .element(let element): return element
        case .finished: return nil
        case .empty: break
        }
        if Task.isCancelled { return nil }
        let id = makeWaiterID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
                if let immediate = takeOrPark(id: id, continuation: continuation) {
                    continuation.resume(returning: immediate)
                }
            }
        } onCancel: {
            removeWaiter(id: id)?.resume(returning: nil)
        }
    }
}

/// A source of unique waiter ids.
struct WaiterIDGenerator: ~Copyable, Sendable {
    private let counter = Atomic<UInt64>(0)

    init() {}

    func next() -> UInt64 { counter.wrappingAdd(1, ordering: .relaxed).newValue }
}
