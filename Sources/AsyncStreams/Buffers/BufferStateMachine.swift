import DequeModule

/// The state of a ``SourceBufferObj`` or ``PushPullBufferObj``: items, closing flags and waiting consumers.
///
/// Pure: no locks and no tasks. Mutating calls return the continuations to resume; the storage resumes
/// them after releasing its lock.
///
/// Invariant: consumers wait only while `items` is empty and the buffer is not done.
struct BufferStateMachine<Element: Sendable>: Sendable {
    private(set) var items: Deque<Element>
    let mode: BufferMode
    /// `close()` was called (or the buffer is one-shot): finish once drained.
    private(set) var isClosing: Bool
    /// Finished for good: no pull will ever yield again.
    private(set) var isDone = false
    /// No more appends are accepted (the push-pull sink was returned).
    private(set) var isSealed = false
    private var waiters = PullWaiterQueue<Element>()

    init(items: [Element], isClosing: Bool, mode: BufferMode) {
        self.items = Deque(items)
        self.mode = mode
        self.isClosing = isClosing
        if isClosing && items.isEmpty { isDone = true }
    }

    /// The item the next pull would take.
    var head: Element? {
        guard !isDone else { return nil }
        return mode == .fifo ? items.first : items.last
    }

    var waiterCount: Int { waiters.count }

    // MARK: - Consuming

    /// Takes the next item without suspending.
    mutating func take() -> PullAttempt<Element> {
        if isDone { return .finished }
        guard let item = popHead() else { return .empty }
        if isClosing && items.isEmpty { isDone = true }
        return .element(item)
    }

    /// Takes the head only if `predicate` accepts it.
    mutating func take(where predicate: (Element) -> Bool) -> Element? {
        guard let head, predicate(head) else { return nil }
        guard case .element(let item) = take() else { preconditionFailure("head vanished under the lock") }
        return item
    }

    /// Takes the next item, reports finish, or parks the consumer (unless its task is cancelled).
    mutating func takeOrPark(id: UInt64, continuation: CheckedContinuation<Element?, Never>) -> Element?? {
        waiters.resolve(take(), orPark: id, continuation)
    }

    mutating func removeWaiter(id: UInt64) -> CheckedContinuation<Element?, Never>? {
        waiters.remove(id)
    }

    // MARK: - Producing and closing

    /// Appends `item` (or hands it straight to a waiting consumer). Returns `nil` when the buffer is done
    /// and the item was dropped.
    mutating func append(_ item: Element) -> [PullDelivery<Element>]? {
        if isDone || isSealed { return nil }
        if let waiter = waiters.popFirst() {
            // Waiters exist only while `items` is empty, so handing over keeps FIFO and LIFO order alike.
            return [PullDelivery(continuation: waiter, value: item)]
        }
        items.append(item)
        return []
    }

    /// Replaces the contents. Ignored (returns `nil`) once the buffer is done.
    mutating func replaceItems(with newItems: [Element]) -> [PullDelivery<Element>]? {
        if isDone { return nil }
        items = Deque(newItems)
        var deliveries: [PullDelivery<Element>] = []
        while !waiters.isEmpty, let item = popHead() {
            deliveries.append(PullDelivery(continuation: waiters.popFirst()!, value: item))
        }
        if isClosing && items.isEmpty { deliveries += finish() }
        return deliveries
    }

    /// Graceful close: pulls drain what is buffered, then the buffer is done. With `sealing`, later
    /// appends are rejected; without it they are still accepted until the buffer is drained.
    mutating func close(sealing: Bool) -> [PullDelivery<Element>] {
        if sealing { isSealed = true }
        if isDone { return [] }
        isClosing = true
        return items.isEmpty ? finish() : []
    }

    /// Immediate close: done at once; buffered items stay readable through `items` but are never pulled.
    mutating func closeInterrupt() -> [PullDelivery<Element>] {
        if isDone { return [] }
        isClosing = true
        return finish()
    }

    private mutating func finish() -> [PullDelivery<Element>] {
        isDone = true
        return waiters.removeAll().map { PullDelivery(continuation: $0, value: nil) }
    }

    private mutating func popHead() -> Element? {
        mode == .fifo ? items.popFirst() : items.popLast()
    }
}
