import Synchronization

/// A capacity source for rate limits and quotas: consumed capacity does not come back when a task ends.
///
/// A quota owns a ``ResourceCapacitySource`` level, its ``capacity``, and adds the refill timers. Pass
/// ``capacity`` wherever a `ResourceCapacitySource` is expected (a parent, a runner's budget); the quota
/// itself forwards the whole budget API to it. ``release(_:)`` restores nothing at this level and does
/// not signal it; capacity returns only through ``reset()``, ``increment(_:cap:)`` (by the built-in
/// timers or by your code) and ``reconcile(estimated:actual:)``, which still corrects the books.
///
/// ```swift
/// let quota = try QuotaCapacitySource(limits: ["requests": 100])          // per window
/// let pool = try ResourceCapacitySource(limits: ["requests": 5], parent: quota)  // concurrency
/// quota.startPeriodicReset(every: .seconds(60))
/// // a runner acquiring from `pool` runs at most 5 requests at once and 100 per minute
/// ```
///
/// A release that passes through a quota level continues to the quota's ancestors, so a pool budget
/// above a quota is not leaked. Releasing directly on a quota without restoring ancestors changes
/// nothing.
///
/// ## Timers
///
/// At most one timer runs: ``startPeriodicReset(every:)`` and ``startPeriodicIncrement(every:amount:)``
/// each stop the one already running. Ticks follow a fixed schedule on the injected clock (start time
/// plus whole intervals). The timer is a stored `Task` that ``stopTimer()`` (idempotent) and the
/// source's deinitialisation cancel; a tick already executing when `stopTimer` is called may finish.
///
/// ## Concurrency
///
/// Thread-safe: the books live in the capacity tree behind its `Mutex` (see ``ResourceCapacitySource``),
/// and the timer task in a `Mutex` of its own.
public final class QuotaCapacitySource: Sendable {
    private struct Timer {
        var task: Task<Void, Never>?
        var generation: UInt64 = 0
    }

    /// A weak reference the timer task holds, so an abandoned source can be deinitialised.
    private struct WeakSource: Sendable {
        weak var value: QuotaCapacitySource?
    }

    /// The budget level this quota manages: a ``ResourceCapacitySource`` whose releases do not restore
    /// its availability. Use it wherever a `ResourceCapacitySource` is expected.
    public let capacity: ResourceCapacitySource
    private let clock: any Clock<Duration>
    private let timer = Mutex(Timer())

    /// Creates a quota whose availability starts equal to `limits`.
    ///
    /// - Parameters:
    ///   - limits: the quota per window for each tracked resource.
    ///   - parent: an enclosing budget every acquisition must also fit.
    ///   - metrics: an optional collector; it receives one ``CapacityEvent/limitsSet(limits:)`` now.
    ///   - clock: the clock the periodic timers sleep on.
    /// - Throws: ``CapacityError`` with code ``CapacityError/Code/negativeAmount`` for a negative limit.
    public init(
        limits: ResourceCost,
        parent: ResourceCapacitySource? = nil,
        metrics: (any CapacityMetrics)? = nil,
        clock: any Clock<Duration> = ContinuousClock()
    ) throws(CapacityError) {
        self.capacity = try ResourceCapacitySource(
            limits: limits, parent: parent, metrics: metrics, restoresOnRelease: false)
        self.clock = clock
    }

    deinit {
        timer.withLock { $0.task }?.cancel()
    }

    /// Whether a periodic timer is running.
    public var isTimerRunning: Bool { timer.withLock { $0.task != nil } }

    /// Calls ``reset()`` every `interval`, replacing any running timer.
    ///
    /// - Precondition: `interval` is positive.
    public func startPeriodicReset(every interval: Duration) {
        startTimer(every: interval) { $0.reset() }
    }

    /// Calls ``increment(_:cap:)`` with `amount` every `interval` (a token-bucket refill), replacing any
    /// running timer. Availability never rises above the limits.
    ///
    /// - Precondition: `interval` is positive.
    /// - Throws: ``CapacityError`` with code ``CapacityError/Code/negativeAmount`` when `amount` has a
    ///   negative entry; no timer is started and a running one keeps running.
    public func startPeriodicIncrement(every interval: Duration, amount: ResourceCost) throws(CapacityError) {
        try ResourceCapacitySource.validateCost(amount)
        startTimer(every: interval) { try? $0.increment(amount) }
    }

    /// Stops the periodic timer, if any. Idempotent.
    public func stopTimer() {
        let task = timer.withLock { timer -> Task<Void, Never>? in
            timer.generation &+= 1
            defer { timer.task = nil }
            return timer.task
        }
        task?.cancel()
    }

    private func startTimer(every interval: Duration, tick: @escaping @Sendable (QuotaCapacitySource) -> Void) {
        precondition(interval > .zero, "a periodic timer needs a positive interval")
        let clock = self.clock
        let (generation, old) = timer.withLock { timer -> (UInt64, Task<Void, Never>?) in
            timer.generation &+= 1
            defer { timer.task = nil }
            return (timer.generation, timer.task)
        }
        old?.cancel()
        let source = WeakSource(value: self)
        let task = Task {
            await Self.tick(on: clock, every: interval, generation: generation, source: source, action: tick)
        }
        // Another start or stop may have run since; then this task is already stale.
        let isCurrent = timer.withLock { timer -> Bool in
            guard timer.generation == generation else { return false }
            timer.task = task
            return true
        }
        if !isCurrent { task.cancel() }
    }

    /// The timer loop: sleeps to each deadline, then acts while this timer is still the current one.
    private static func tick<C: Clock<Duration>>(
        on clock: C,
        every interval: Duration,
        generation: UInt64,
        source: WeakSource,
        action: @Sendable (QuotaCapacitySource) -> Void
    ) async {
        var deadline = clock.now.advanced(by: interval)
        while !Task.isCancelled {
            do {
                try await clock.sleep(until: deadline, tolerance: nil)
            } catch {
                return
            }
            guard let source = source.value, source.timer.withLock({ $0.generation == generation }) else { return }
            action(source)
            deadline = deadline.advanced(by: interval)
        }
    }
}
