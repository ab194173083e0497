/// The bookkeeping of one build's scheduled instances: a pure state machine, fed the outcome of every
/// attempt, returning what to do next.
///
/// ``BuildCoordinator`` owns one behind a `Mutex` and performs the returned ``Action``s (graph
/// transitions on the task source, events for the reporter) after unlocking. No locks, tasks or clocks
/// here, so the retry, flaky, stop-on-failure and abort rules are tested synchronously.
///
/// Rules:
/// - An attempt that fails with attempts left is retried after a delay (``Action/retry(_:after:)``) unless
///   the build is stopping; a task waiting out its delay holds no budget.
/// - A task whose last attempt failed is failed: its dependents are aborted (``Action/abort(_:)``), and
///   without `keepGoing` the build stops: every instance not running is aborted, running ones finish.
/// - A task that failed and then succeeded is flaky.
/// - An interrupt stops the build the same way; running tasks are cancelled by the caller.
struct BuildCoordinatorState {
    /// Where one scheduled instance is.
    enum Phase: Equatable {
        /// Not started: pending or ready in the graph.
        case queued
        /// An attempt is running.
        case running(attempt: Int)
        /// An attempt failed; the next one starts after a delay.
        case backingOff(failedAttempt: Int)
        /// Built, up to date, failed or aborted.
        case done
    }

    /// What the coordinator must do after a transition, in order.
    enum Action: Equatable {
        /// Tell the reporter.
        case report(BuildEvent)
        /// Mark the node completed in the task source (queues its dependents).
        case complete(String)
        /// Fail the node in the task source and queue it again after the delay.
        case retry(String, after: Duration)
        /// Abort the node and its dependents in the task source, then feed the aborted keys to
        /// ``BuildCoordinatorState/aborted(_:)``.
        case abort(String)
        /// Stop-on-failure or interrupt: like ``abort(_:)``, unless the runner has already taken the node
        /// (it is running in the graph though its body has not announced itself yet); such a node runs to
        /// the end like any other running task.
        case abortUnlessTaken(String)
    }

    /// The outcome of a failed attempt, as the task body reports it.
    struct FailedAttempt: Equatable {
        var failure: TaskFailure
        var output: [UInt8]
        var duration: Duration
    }

    // Per key, in arrays by the key's position: at 100,000 instances, three dictionaries keyed by id
    // (phase, estimate, span) would cost some 30 MB, three arrays about 7. The position of a key comes from
    // the caller (the build graph's own index of its instances), so no further id table is made.
    private let keys: [String]
    private let position: @Sendable (String) -> Int?
    private var phaseList: [Phase]
    private let estimateList: [Duration]
    private var spanList: [CriticalPath.Span?]
    private let maxAttempts: [String: Int]
    private let keepGoing: Bool

    private(set) var isStopping = false
    private(set) var interruptingSignal: Int32?
    private(set) var built = 0
    private(set) var upToDate = 0
    private(set) var restored = 0
    private(set) var flaky: [String] = []
    private(set) var failed: [String] = []
    private(set) var aborted = 0

    /// Where `key` is; `nil` for a key not scheduled.
    func phase(of key: String) -> Phase? {
        slot(of: key).map { phaseList[$0] }
    }

    /// Start and end (since the build began) of the successful attempt of `key`, when it was built.
    func span(of key: String) -> CriticalPath.Span? {
        slot(of: key).flatMap { spanList[$0] }
    }

    /// Every scheduled key's phase (a copy, for tests and diagnostics).
    var phases: [String: Phase] {
        Dictionary(uniqueKeysWithValues: keys.map { ($0, phaseList[slot(of: $0)!]) })
    }

    /// Every built key's span (a copy, for tests and diagnostics).
    var spans: [String: CriticalPath.Span] {
        var result: [String: CriticalPath.Span] = [:]
        for key in keys { if let span = span(of: key) { result[key] = span } }
        return result
    }

    /// The array index of a scheduled key; `nil` for any other key (not tracked).
    private func slot(of key: String) -> Int? {
        guard let slot = position(key), slot < phaseList.count, scheduled[slot] else { return nil }
        return slot
    }

    /// Sets the phase of a scheduled key (others are not tracked).
    private mutating func setPhase(_ phase: Phase, of key: String) {
        if let slot = slot(of: key) { phaseList[slot] = phase }
    }

    /// Creates the state of a build scheduling `keys`.
    ///
    /// - Parameters:
    ///   - keys: The scheduled instance ids.
    ///   - maxAttempts: Attempts allowed per id (1 without retry); missing ids get 1.
    ///   - estimates: The expected duration per id, for `started` events.
    ///   - keepGoing: `-k`: a failure aborts only its dependents.
    init(keys: [String], maxAttempts: [String: Int], estimates: [String: Duration], keepGoing: Bool) {
        var table: [String: Int] = [:]
        for key in keys where table[key] == nil { table[key] = table.count }
        let positions = table
        self.init(
            keys: keys, estimates: keys.map { estimates[$0] ?? .zero }, position: { positions[$0] },
            slots: positions.count, maxAttempts: maxAttempts, keepGoing: keepGoing)
    }

    /// Creates the state of a build scheduling `keys`, whose expected durations are `estimates` (in the same
    /// order), where `position` gives each key a distinct place in `0..<slots` (the build graph's index).
    init(
        keys: [String], estimates keyEstimates: [Duration], position: @escaping @Sendable (String) -> Int?,
        slots: Int, maxAttempts: [String: Int], keepGoing: Bool
    ) {
        var scheduled = [Bool](repeating: false, count: slots)
        var estimates = [Duration](repeating: .zero, count: slots)
        var unique: [String] = []
        unique.reserveCapacity(keys.count)
        for (key, estimate) in zip(keys, keyEstimates) {
            guard let slot = position(key), slot < slots else {
                preconditionFailure("scheduled key '\(key)' has no position")
            }
            if scheduled[slot] { continue }
            scheduled[slot] = true
            estimates[slot] = estimate
            unique.append(key)
        }
        self.keys = unique
        self.position = position
        self.scheduled = scheduled
        self.phaseList = Array(repeating: .queued, count: slots)
        self.estimateList = estimates
        self.spanList = Array(repeating: nil, count: slots)
        self.maxAttempts = maxAttempts
        self.keepGoing = keepGoing
    }

    /// Which positions hold a scheduled key.
    private let scheduled: [Bool]

    /// An attempt of `key` is starting; returns its number (1 for the first).
    mutating func attemptStarted(_ key: String) -> (attempt: Int, actions: [Action]) {
        let attempt: Int
        switch phase(of: key) {
        case .backingOff(let failedAttempt)?: attempt = failedAttempt + 1
        case .done?: return (1, [])  // Aborted or finished: nothing more to report for it.
        case .queued?, .running?, nil: attempt = 1
        }
        setPhase(.running(attempt: attempt), of: key)
        let estimate = slot(of: key).map { estimateList[$0] } ?? .zero
        return (attempt, [.report(.started(id: key, attempt: attempt, estimate: estimate))])
    }

    /// `key` turned out up to date when its turn came (early cutoff): nothing ran.
    mutating func foundUpToDate(_ key: String) -> [Action] {
        guard phase(of: key) != .done else { return [] }
        setPhase(.done, of: key)
        upToDate += 1
        return [.report(.finished(id: key, outcome: .upToDate, duration: .zero, output: [])), .complete(key)]
    }

    /// An attempt of `key` succeeded: its commands ran, or (`isRestored`) its outputs came from the remote
    /// cache.
    mutating func attemptSucceeded(
        _ key: String, output: [UInt8], span: CriticalPath.Span, isRestored: Bool = false
    ) -> [Action] {
        guard phase(of: key) != .done else { return [] }
        var actions: [Action] = []
        if case .running(let attempt)? = phase(of: key), attempt > 1 {
            flaky.append(key)
            actions.append(.report(.flaky(id: key)))
        }
        setPhase(.done, of: key)
        if isRestored { restored += 1 } else { built += 1 }
        if let slot = slot(of: key) { spanList[slot] = span }
        let outcome: TaskOutcome = isRestored ? .restored : .succeeded
        actions.append(.report(.finished(id: key, outcome: outcome, duration: span.end - span.start, output: output)))
        actions.append(.complete(key))
        return actions
    }

    /// An attempt of `key` failed; `retryDelay(n)` is the delay after failed attempt `n`.
    mutating func attemptFailed(
        _ key: String, _ failed: FailedAttempt, retryDelay: (Int) -> Duration
    ) -> [Action] {
        guard phase(of: key) != .done else { return [] }
        let attempt: Int
        if case .running(let running)? = phase(of: key) { attempt = running } else { attempt = 1 }
        if attempt < maxAttempts[key, default: 1] && !isStopping {
            let delay = retryDelay(attempt)
            setPhase(.backingOff(failedAttempt: attempt), of: key)
            return [
                .report(
                    .retrying(
                        id: key, failedAttempt: attempt, failure: failed.failure, delay: delay, output: failed.output)),
                .retry(key, after: delay),
            ]
        }
        setPhase(.done, of: key)
        self.failed.append(key)
        var actions: [Action] = [
            .report(
                .finished(id: key, outcome: .failed(failed.failure), duration: failed.duration, output: failed.output)),
            .abort(key),
        ]
        if !keepGoing && !isStopping {
            actions += stop()
        }
        return actions
    }

    /// The task source aborted `keys` (root first); those not finished yet count as aborted.
    ///
    /// A key whose attempt is running when aborted (a stop raced with its start) counts as aborted too;
    /// whatever its attempt reports afterwards is ignored.
    mutating func aborted(_ keys: [String]) -> [Action] {
        var newlyAborted: [String] = []
        for key in keys {
            switch phase(of: key) {
            case .queued?, .backingOff?, .running?:
                setPhase(.done, of: key)
                newlyAborted.append(key)
            case .done?, nil:
                break
            }
        }
        aborted += newlyAborted.count
        return newlyAborted.isEmpty ? [] : [.report(.aborted(ids: newlyAborted))]
    }

    /// SIGINT or SIGTERM arrived: stop starting work. The caller cancels running tasks.
    mutating func interrupt(signal: Int32) -> [Action] {
        if interruptingSignal == nil { interruptingSignal = signal }
        return isStopping ? [] : stop()
    }

    /// Stops new work: aborts every instance that is not running or done.
    private mutating func stop() -> [Action] {
        isStopping = true
        return keys.filter { key in
            switch phaseList[slot(of: key)!] {
            case .queued, .backingOff: true
            case .running, .done: false
            }
        }.sorted().map { .abortUnlessTaken($0) }
    }

    /// Whether any scheduled instance is not done (running, queued or backing off).
    var hasUnfinished: Bool { keys.contains { phaseList[slot(of: $0)!] != .done } }

    /// The number of scheduled instances neither built, up to date nor failed: aborted, or cut short by an
    /// interrupt.
    var notCompleted: Int { keys.count - built - restored - upToDate - failed.count }
}
