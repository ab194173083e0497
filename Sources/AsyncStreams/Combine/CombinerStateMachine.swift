/// The state of an ``AsyncIteratorCombiner``: one pump per source and the waiting consumers.
///
/// A *pump* is the task that iterates one source. It calls `next()` on its source only after a consumer
/// asked for a value from it (`requested`), and it parks in between, so each source has **at most one
/// outstanding `next()`**. A value it produces stays in the pump (`ready`) until a consumer takes it,
/// which is how a value that loses a race is carried into the next round instead of being lost or
/// re-requested. Arrival numbers order ready values across pumps in the time they arrived.
///
/// Pure: no locks, no tasks. Methods record what must happen after unlocking in ``Effects``.
struct CombinerStateMachine<Element: Sendable>: Sendable {
    enum PumpStatus: Sendable {
        /// No request outstanding and no value held.
        case idle
        /// A consumer asked for a value; the pump is (about to be) inside its source's `next()`.
        case requested
        /// The pump produced a value or an error that no consumer has taken yet.
        case ready(Result<Element, any Error>, arrival: UInt64)
        /// The source ended (or failed and was dropped by `any()`); it is no longer live.
        case exhausted
    }

    /// What the storage must do once the lock is released.
    struct Effects: Sendable {
        var startPumps: [Int] = []
        /// Parked pumps to resume: `true` to call `next()`, `false` to stop.
        var grantDemand: [(continuation: CheckedContinuation<Bool, Never>, proceed: Bool)] = []
        var cancelTasks: [Task<Void, Never>] = []
        var wakeConsumers: [CheckedContinuation<Void, Never>] = []
    }

    /// A consumer's poll: a result, or "wait for the next change after `generation`".
    enum Poll<T> {
        case done(T)
        case wait(generation: UInt64)
    }

    private(set) var statuses: [PumpStatus]
    private var started: [Bool]
    private var demandWaiters: [CheckedContinuation<Bool, Never>?]
    private var tasks: [Task<Void, Never>?]
    private var consumers: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private(set) var isClosed = false
    private var nextArrival: UInt64 = 0
    /// Bumped on every delivery and on close, so a consumer never misses a change between poll and park.
    private var generation: UInt64 = 0

    init(sourceCount: Int) {
        statuses = Array(repeating: .idle, count: sourceCount)
        started = Array(repeating: false, count: sourceCount)
        demandWaiters = Array(repeating: nil, count: sourceCount)
        tasks = Array(repeating: nil, count: sourceCount)
    }

    /// The number of sources not yet exhausted (0 once closed).
    var liveCount: Int {
        if isClosed { return 0 }
        return statuses.reduce(0) { count, status in
            if case .exhausted = status { return count } else { return count + 1 }
        }
    }

    // MARK: - Pump side

    /// Whether the pump may call `next()` now (`true`), must stop (`false`), or was parked (`nil`).
    mutating func awaitDemand(
        _ index: Int, continuation: CheckedContinuation<Bool, Never>, isCancelled: Bool
    ) -> Bool? {
        if isClosed || isCancelled { return false }
        if case .requested = statuses[index] { return true }
        precondition(demandWaiters[index] == nil, "pump \(index) parked twice")
        demandWaiters[index] = continuation
        return nil
    }

    mutating func removeDemandWaiter(_ index: Int) -> CheckedContinuation<Bool, Never>? {
        defer { demandWaiters[index] = nil }
        return demandWaiters[index]
    }

    /// Records what pump `index` produced: a value, the end (`nil`), or an error.
    mutating func deliver(_ index: Int, _ result: Result<Element?, any Error>, effects: inout Effects) {
        if isClosed { return }
        switch result {
        case .success(nil): statuses[index] = .exhausted
        case .success(let value?): statuses[index] = .ready(.success(value), arrival: takeArrival())
        case .failure(let error): statuses[index] = .ready(.failure(error), arrival: takeArrival())
        }
        wakeConsumers(&effects)
    }

    /// Stores the task of a pump that was started after unlocking; returns it if it must be cancelled.
    mutating func register(_ task: Task<Void, Never>, for index: Int) -> Task<Void, Never>? {
        if isClosed { return task }
        tasks[index] = task
        return nil
    }

    // MARK: - Consumer side

    /// Parks a consumer unless something changed since `generation` (or the combiner closed).
    mutating func park(
        _ id: UInt64, continuation: CheckedContinuation<Void, Never>, generation: UInt64
    ) -> Bool {
        if isClosed || generation != self.generation { return false }
        consumers[id] = continuation
        return true
    }

    mutating func removeConsumer(_ id: UInt64) -> CheckedContinuation<Void, Never>? {
        consumers.removeValue(forKey: id)
    }

    /// The earliest ready value from any source; errors close the combiner and are returned.
    mutating func pollRace(effects: inout Effects) -> Poll<Result<Element?, any Error>> {
        if isClosed { return .done(.success(nil)) }
        if let index = earliestReady(among: statuses.indices) {
            return .done(take(index, closingOnError: true, effects: &effects).map { $0 })
        }
        if liveCount == 0 { return .done(.success(nil)) }
        requestAll(effects: &effects)
        return .wait(generation: generation)
    }

    /// The next value in rotation, starting at `cursor`, which moves past the source served.
    mutating func pollRoundRobin(cursor: inout Int, effects: inout Effects) -> Poll<Result<Element?, any Error>> {
        if isClosed || statuses.isEmpty { return .done(.success(nil)) }
        for offset in 0..<statuses.count {
            let index = (cursor + offset) % statuses.count
            switch statuses[index] {
            case .exhausted:
                continue
            case .ready:
                cursor = (index + 1) % statuses.count
                return .done(take(index, closingOnError: true, effects: &effects).map { $0 })
            case .idle, .requested:
                cursor = index
                request(index, effects: &effects)
                return .wait(generation: generation)
            }
        }
        return .done(.success(nil))
    }

    /// One value per source, in source order (`nil` for exhausted sources); the first error closes.
    mutating func pollAll(effects: inout Effects) -> Poll<Result<[Element?], any Error>> {
        if isClosed { return .done(.success(Array(repeating: nil, count: statuses.count))) }
        let readyIndices = statuses.indices.filter { if case .ready = statuses[$0] { true } else { false } }
        for index in readyIndices {
            if case .ready(.failure, _) = statuses[index] {
                guard case .failure(let error) = take(index, closingOnError: true, effects: &effects) else {
                    preconditionFailure("expected a failure")
                }
                return .done(.failure(error))
            }
        }
        let settled = statuses.allSatisfy { status in
            switch status {
            case .ready, .exhausted: true
            case .idle, .requested: false
            }
        }
        guard settled else {
            requestAll(effects: &effects)
            return .wait(generation: generation)
        }
        var values: [Element?] = Array(repeating: nil, count: statuses.count)
        for index in readyIndices {
            if case .success(let value) = take(index, closingOnError: true, effects: &effects) { values[index] = value }
        }
        return .done(.success(values))
    }

    /// The earliest successful value; failing sources are dropped and their errors collected.
    mutating func pollAny(
        failures: inout [any Error], effects: inout Effects
    ) -> Poll<Result<Element?, any Error>> {
        if isClosed { return .done(.success(nil)) }
        while let index = earliestReady(among: statuses.indices) {
            switch statuses[index] {
            case .ready(.success(let value), _):
                statuses[index] = .idle
                return .done(.success(value))
            case .ready(.failure(let error), _):
                statuses[index] = .exhausted
                failures.append(error)
            default:
                preconditionFailure("earliestReady returned a pump that is not ready")
            }
        }
        if liveCount == 0 {
            return .done(failures.isEmpty ? .success(nil) : .failure(CombinerError.allFailed(failures)))
        }
        requestAll(effects: &effects)
        return .wait(generation: generation)
    }

    /// Closes the combiner: pumps are cancelled, parked pumps and consumers are released.
    mutating func close(effects: inout Effects) {
        if isClosed { return }
        isClosed = true
        generation &+= 1
        effects.cancelTasks += tasks.compactMap { $0 }
        tasks = tasks.map { _ in nil }
        effects.grantDemand += demandWaiters.compactMap { $0 }.map { ($0, false) }
        demandWaiters = demandWaiters.map { _ in nil }
        wakeConsumers(&effects)
    }

    // MARK: - Internals

    private mutating func takeArrival() -> UInt64 {
        defer { nextArrival += 1 }
        return nextArrival
    }

    private mutating func wakeConsumers(_ effects: inout Effects) {
        generation &+= 1
        effects.wakeConsumers += consumers.values
        consumers.removeAll()
    }

    private func earliestReady(among indices: Range<Int>) -> Int? {
        var best: (index: Int, arrival: UInt64)?
        for index in indices {
            if case .ready(_, let arrival) = statuses[index], arrival < best?.arrival ?? .max {
                best = (index, arrival)
            }
        }
        return best?.index
    }

    private mutating func take(_ index: Int, closingOnError: Bool, effects: inout Effects) -> Result<Element, any Error>
    {
        guard case .ready(let result, _) = statuses[index] else { preconditionFailure("pump \(index) not ready") }
        statuses[index] = .idle
        if case .failure = result, closingOnError {
            statuses[index] = .exhausted
            close(effects: &effects)
        }
        return result
    }

    private mutating func requestAll(effects: inout Effects) {
        for index in statuses.indices { request(index, effects: &effects) }
    }

    private mutating func request(_ index: Int, effects: inout Effects) {
        guard case .idle = statuses[index] else { return }
        statuses[index] = .requested
        if let waiter = demandWaiters[index] {
            demandWaiters[index] = nil
            effects.grantDemand.append((waiter, true))
        }
        if !started[index] {
            started[index] = true
            effects.startPumps.append(index)
        }
    }
}
