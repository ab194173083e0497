/// The state of a ``HelperChannel``: pending requests with their deadlines, the bytes not yet written, and
/// whether the channel has failed or been closed. A pure value: no locks, no tasks, no system calls;
/// ``HelperChannelStorage`` holds it in a `Mutex` and acts on what its methods return.
struct HelperChannelStateMachine<Continuation> {
    struct Pending {
        var continuation: Continuation
        var deadline: Int64
        var timeout: Duration
    }

    private(set) var pending: [UInt64: Pending] = [:]
    private var cancelledBeforeQueued: Set<UInt64> = []
    private(set) var outgoing: [UInt8] = []
    private var nextID: UInt64 = 1
    /// Set once; every later request fails with it.
    private(set) var failure: HelperChannelFailure?

    /// What a request does next.
    enum EnqueueAction {
        /// Queued: wake the channel's thread to write it.
        case wake
        /// Not queued: resume the continuation with this failure.
        case fail(HelperChannelFailure)
    }

    /// The id of a request about to be made (ids start at 1; 0 is the unsolicited id).
    mutating func reserveID() -> UInt64 {
        defer { nextID += 1 }
        return nextID
    }

    /// Queues the request `id`'s frame, due by `deadline` (monotonic nanoseconds).
    mutating func enqueue(
        id: UInt64, frame: [UInt8], continuation: Continuation, deadline: Int64, timeout: Duration
    ) -> EnqueueAction {
        if cancelledBeforeQueued.remove(id) != nil { return .fail(.cancelled) }
        if let failure { return .fail(failure) }
        pending[id] = Pending(continuation: continuation, deadline: deadline, timeout: timeout)
        outgoing.append(contentsOf: frame)
        return .wake
    }

    /// Forgets request `id`; its continuation, if it was pending, for the caller to resume as cancelled.
    mutating func cancel(id: UInt64) -> Continuation? {
        if let removed = pending.removeValue(forKey: id) { return removed.continuation }
        if failure == nil { cancelledBeforeQueued.insert(id) }
        return nil
    }

    /// The continuation a reply with `id` resumes; `nil` for a request cancelled meanwhile (the reply is dropped).
    mutating func complete(id: UInt64) -> Continuation? {
        pending.removeValue(forKey: id)?.continuation
    }

    /// Takes the bytes waiting to be written; what could not be written goes back with ``unwritten(_:)``.
    mutating func takeOutgoing() -> [UInt8] {
        defer { outgoing = [] }
        return outgoing
    }

    /// Puts back bytes a write left over, ahead of anything queued since.
    mutating func unwritten(_ bytes: [UInt8]) {
        outgoing = bytes + outgoing
    }

    /// The earliest deadline of a pending request.
    var earliestDeadline: Int64? {
        pending.values.map(\.deadline).min()
    }

    /// The failure of a request whose deadline is at or before `now`, if there is one.
    func expired(now: Int64) -> HelperChannelFailure? {
        guard let late = pending.values.filter({ $0.deadline <= now }).min(by: { $0.deadline < $1.deadline })
        else { return nil }
        return .unresponsive(late.timeout)
    }

    /// Ends the channel with `failure` (the first one stays); returns the continuations to resume with it.
    mutating func fail(_ failure: HelperChannelFailure) -> (failure: HelperChannelFailure, waiting: [Continuation]) {
        if self.failure == nil { self.failure = failure }
        let waiting = pending.values.map(\.continuation)
        pending = [:]
        outgoing = []
        cancelledBeforeQueued = []
        return (self.failure ?? failure, waiting)
    }
}
