import DequeModule

/// The pure state of a ``WaitObject``: a stored value, a terminal state and a FIFO of waiters.
///
/// No locks and no tasks: every mutating method returns what the caller must do after unlocking.
struct WaitObjectStateMachine<Value, Waiter> {
    enum Terminal {
        case stopped
        case failed(any Error)
    }

    /// What a waiter gets.
    enum Outcome {
        case value(Value)
        case finished
        case failure(any Error)
    }

    private(set) var stored: Value?
    private(set) var terminal: Terminal?
    /// Mirrors `terminal != nil`, checked on the hot `resolve` path without touching the payload.
    private var isFinished = false
    private var waiters: Deque<(id: UInt64, waiter: Waiter)> = []

    init(initialValue: Value?) {
        stored = initialValue
    }

    var waiterCount: Int { waiters.count }

    /// A consumer arrives. Returns the outcome at once, or `nil` when the waiter was queued.
    mutating func wait(id: UInt64, waiter: Waiter, isCancelled: Bool) -> Outcome? {
        if let outcome = immediateOutcome() { return outcome }
        if isCancelled { return .failure(CancellationError()) }
        waiters.append((id, waiter))
        return nil
    }

    /// The outcome for a consumer that would not need to suspend, consuming a stored value.
    mutating func immediateOutcome() -> Outcome? {
        if !isFinished, let value = stored {
            stored = nil
            return .value(value)
        }
        switch terminal {
        case .stopped: return .finished
        case .failed(let error): return .failure(error)
        case nil: return nil
        }
    }

    /// A producer resolves: the oldest waiter gets the value, or it is stored (last value wins).
    mutating func resolve(_ value: Value) -> Waiter? {
        if isFinished { return nil }
        if waiters.isEmpty {
            stored = value
            return nil
        }
        return waiters.removeFirst().waiter
    }

    /// Enters a terminal state; returns every queued waiter. Ignored once terminal.
    mutating func finish(_ end: Terminal) -> [Waiter] {
        if isFinished { return [] }
        isFinished = true
        terminal = end
        stored = nil
        let all = waiters.map(\.waiter)
        waiters.removeAll()
        return all
    }

    /// A queued waiter was cancelled; returns it if it was still queued.
    mutating func cancel(id: UInt64) -> Waiter? {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
        return waiters.remove(at: index).waiter
    }
}
