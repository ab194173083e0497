/// The pure logic of ``ChangeCoalescer``: which changes are pending, and when a batch is due.
///
/// A batch is due once no change has arrived for `quietPeriod`, or `maximumDelay` after its first change
/// when changes keep coming (a process rewriting an input every few milliseconds must not starve the
/// build). No locks and no tasks: ``ChangeCoalescer`` owns one behind a `Mutex` and acts on what the methods
/// return. Changes keep their order of arrival; a path reported twice with the same kind is kept once.
struct ChangeCoalescerStateMachine<Instant: InstantProtocol> where Instant.Duration == Duration {
    /// What the consumer is to do next.
    enum Poll: Equatable {
        /// Build with these changes.
        case ready([FileChange])
        /// Changes are pending: ask again at this instant.
        case wait(until: Instant)
        /// Nothing is pending: park until ``add(_:at:)`` or ``finish()``.
        case idle
        /// The coalescer is finished and nothing is pending.
        case finished
    }

    let quietPeriod: Duration
    let maximumDelay: Duration
    private var pending: [FileChange] = []
    private var seen: Set<FileChange> = []
    private var first: Instant?
    private var last: Instant?
    private(set) var isFinished = false

    init(quietPeriod: Duration, maximumDelay: Duration) {
        precondition(quietPeriod >= .zero && maximumDelay >= quietPeriod, "invalid coalescing periods")
        self.quietPeriod = quietPeriod
        self.maximumDelay = maximumDelay
    }

    /// Whether any change is pending.
    var hasPending: Bool { !pending.isEmpty }

    /// Adds changes that arrived at `now`; returns whether a parked consumer is to be woken (there was
    /// nothing pending before).
    mutating func add(_ changes: [FileChange], at now: Instant) -> Bool {
        guard !changes.isEmpty, !isFinished else { return false }
        let wasEmpty = pending.isEmpty
        for change in changes where seen.insert(change).inserted { pending.append(change) }
        if first == nil { first = now }
        last = now
        return wasEmpty
    }

    /// What to do at `now`: take the batch when it is due.
    mutating func poll(at now: Instant) -> Poll {
        guard let first, let last else { return isFinished ? .finished : .idle }
        let due = min(last.advanced(by: quietPeriod), first.advanced(by: maximumDelay))
        guard now >= due || isFinished else { return .wait(until: due) }
        defer {
            pending = []
            seen = []
            self.first = nil
            self.last = nil
        }
        return .ready(pending)
    }

    /// Ends the coalescer: a pending batch is still handed out, then ``Poll/finished``; returns whether a
    /// parked consumer is to be woken.
    mutating func finish() -> Bool {
        guard !isFinished else { return false }
        isFinished = true
        return true
    }
}
