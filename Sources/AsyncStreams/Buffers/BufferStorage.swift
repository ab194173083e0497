import Synchronization

/// The shared, lock-protected storage behind ``SourceBufferObj`` and ``PushPullBufferObj``.
///
/// Every method may be called from any isolation domain. The lock is held only to update the
/// ``BufferStateMachine``; continuations are resumed and the change signal is sent after unlocking.
final class BufferStorage<Element: Sendable>: PullStorage {
    private let state: Mutex<BufferStateMachine<Element>>
    private let waiterIDs = WaiterIDGenerator()
    private let broadcast = Broadcast()

    init(items: [Element], isClosing: Bool, mode: BufferMode) {
        let machine = BufferStateMachine(items: items, isClosing: isClosing, mode: mode)
        if machine.isDone { broadcast.finish() }
        state = Mutex(machine)
    }

    // MARK: - Reading

    var items: [Element] { state.withLock { Array($0.items) } }
    var count: Int { state.withLock { $0.items.count } }
    var isDone: Bool { state.withLock { $0.isDone } }
    var isClosing: Bool { state.withLock { $0.isClosing } }
    var isSealed: Bool { state.withLock { $0.isSealed } }
    var mode: BufferMode { state.withLock { $0.mode } }
    var waiterCount: Int { state.withLock { $0.waiterCount } }
    func peek() -> Element? { state.withLock { $0.head } }
    func changes() -> AsyncStream<Void> { broadcast.subscribe() }

    // MARK: - Pulling

    func tryTake() -> PullAttempt<Element> {
        let (attempt, finished) = state.withLock { machine in
            let wasDone = machine.isDone
            return (machine.take(), !wasDone && machine.isDone)
        }
        if finished { broadcast.finish() }
        return attempt
    }

    func take(where predicate: (Element) -> Bool) -> Element? {
        let (item, finished) = state.withLock { machine in
            let wasDone = machine.isDone
            return (machine.take(where: predicate), !wasDone && machine.isDone)
        }
        if finished { broadcast.finish() }
        return item
    }

    func takeOrPark(id: UInt64, continuation: CheckedContinuation<Element?, Never>) -> Element?? {
        let (result, finished) = state.withLock { machine in
            let wasDone = machine.isDone
            return (machine.takeOrPark(id: id, continuation: continuation), !wasDone && machine.isDone)
        }
        if finished { broadcast.finish() }
        return result
    }

    func removeWaiter(id: UInt64) -> CheckedContinuation<Element?, Never>? {
        state.withLock { $0.removeWaiter(id: id) }
    }

    func makeWaiterID() -> UInt64 { waiterIDs.next() }

    // MARK: - Producing and closing

    /// Appends `item`; `false` (and the item dropped) when the buffer is done.
    func append(_ item: Element) -> Bool {
        guard let deliveries = state.withLock({ $0.append(item) }) else { return false }
        for delivery in deliveries { delivery.resume() }
        broadcast.notify()
        return true
    }

    /// Replaces the contents; `false` when the buffer is done and nothing changed.
    func replaceItems(with items: [Element]) -> Bool {
        let outcome = state.withLock { machine in
            let wasDone = machine.isDone
            return (machine.replaceItems(with: items), !wasDone && machine.isDone)
        }
        guard let deliveries = outcome.0 else { return false }
        for delivery in deliveries { delivery.resume() }
        signal(finished: outcome.1)
        return true
    }

    func close(sealing: Bool) {
        let deliveries = state.withLock { $0.close(sealing: sealing) }
        for delivery in deliveries { delivery.resume() }
        signal(finished: isDone)
    }

    func closeInterrupt() {
        let deliveries = state.withLock { $0.closeInterrupt() }
        for delivery in deliveries { delivery.resume() }
        signal(finished: true)
    }

    private func signal(finished: Bool) {
        broadcast.notify()
        if finished { broadcast.finish() }
    }
}
