import Synchronization

/// A periodic controller that grows child capacity sources that stay busy and shrinks those that stay
/// idle, by calling ``ResourceCapacitySource/setLimits(_:)``.
///
/// ```swift
/// let global = try ResourceCapacitySource(limits: ["slots": 16])
/// let teamA = try ResourceCapacitySource(limits: ["slots": 4], parent: global)
/// let balancer = HierarchicalBalancer(children: [
///     .init(capacity: teamA, min: ["slots": 1], max: ["slots": 12]),
/// ])
/// balancer.start()  // evaluates every second; `balancer.check()` runs one evaluation now
/// ```
///
/// ## Rules
///
/// Each evaluation reads every child's ``ResourceCapacitySource/utilization``:
/// - A child is **busy** when any resource's utilization is strictly above
///   ``Options/busyThreshold``; otherwise it is **idle** when every resource's utilization is strictly
///   below ``Options/idleThreshold``; otherwise it is neutral. Both comparisons are strict: a utilization
///   exactly at a threshold is neutral.
/// - A state must have lasted at least its time threshold (``Options/busyTimeThreshold`` or
///   ``Options/idleTimeThreshold``, measured on the injected clock) before anything happens. Then each
///   key of ``Options/increment`` that the child tracks is raised by the increment up to `max` (busy; a
///   key without a `max` never grows) or lowered down to `min` (idle; a key without a `min` stops at 0).
/// - Reaching the threshold restarts that child's timer, so every further step needs another full
///   period. Any change of state (idle, neutral, busy) also restarts it, so a short interruption
///   delays the next step.
/// - Parent headroom is not checked before growing: a parent's own limit still bounds acquisitions.
///
/// A child's state is first sampled when the balancer is created.
///
/// Thread-safe. ``start()`` and ``stop()`` are idempotent; the periodic loop is a stored `Task` that
/// `stop()` and deinitialisation cancel.
public final class HierarchicalBalancer: Sendable {
    /// A capacity source under the balancer's control and its bounds.
    public struct Child: Sendable {
        /// The source whose limits are adjusted.
        public var capacity: ResourceCapacitySource
        /// The lowest limit per key that shrinking may reach.
        public var min: ResourceCost
        /// The highest limit per key that growing may reach.
        public var max: ResourceCost

        /// Creates a child entry.
        public init(capacity: ResourceCapacitySource, min: ResourceCost, max: ResourceCost) {
            self.capacity = capacity
            self.min = min
            self.max = max
        }
    }

    /// Tuning of the balancer; every field has the documented default.
    public struct Options: Sendable, Hashable {
        /// How often the periodic loop evaluates (default 1 s).
        public var checkInterval: Duration
        /// How long a child must stay idle before it shrinks (default 5 s).
        public var idleTimeThreshold: Duration
        /// How long a child must stay busy before it grows (default 5 s).
        public var busyTimeThreshold: Duration
        /// Utilization strictly below which every resource must be for idleness (default 0.3).
        public var idleThreshold: Double
        /// Utilization strictly above which any resource makes a child busy (default 0.85).
        public var busyThreshold: Double
        /// The step per key; `nil` means 1 for every key that appears in any child's `min` or `max`.
        /// ``HierarchicalBalancer/options`` always has it filled in.
        public var increment: ResourceCost?

        /// Creates options; omitted values take the defaults.
        public init(
            checkInterval: Duration = .seconds(1),
            idleTimeThreshold: Duration = .seconds(5),
            busyTimeThreshold: Duration = .seconds(5),
            idleThreshold: Double = 0.3,
            busyThreshold: Double = 0.85,
            increment: ResourceCost? = nil
        ) {
            self.checkInterval = checkInterval
            self.idleTimeThreshold = idleTimeThreshold
            self.busyTimeThreshold = busyTimeThreshold
            self.idleThreshold = idleThreshold
            self.busyThreshold = busyThreshold
            self.increment = increment
        }
    }

    /// A child's load as seen by the last evaluation.
    public enum Load: Sendable, Hashable {
        /// Every resource strictly below ``Options/idleThreshold``.
        case idle
        /// Neither idle nor busy.
        case neutral
        /// Some resource strictly above ``Options/busyThreshold``.
        case busy
    }

    private struct Tracking {
        var load: Load
        var since: Duration
    }

    private struct State {
        var tracking: [Tracking]
        var task: Task<Void, Never>?
        var isRunning = false
        var generation: UInt64 = 0
        var checkCount = 0
    }

    /// A weak reference the loop holds, so an abandoned balancer can be deinitialised.
    private struct WeakBalancer: Sendable {
        weak var value: HierarchicalBalancer?
    }

    /// The controlled children, in the order given.
    public let children: [Child]
    /// The options with defaults filled in (including ``Options/increment``).
    public let options: Options

    private let clock: any Clock<Duration>
    private let elapsed: @Sendable () -> Duration
    private let state: Mutex<State>

    /// Creates a stopped balancer and samples every child's current state.
    ///
    /// - Parameters:
    ///   - children: the sources to control with their bounds.
    ///   - options: tuning; see ``Options`` for defaults.
    ///   - clock: the clock for time thresholds and the periodic loop.
    public init(children: [Child], options: Options = Options(), clock: any Clock<Duration> = ContinuousClock()) {
        var filled = options
        if filled.increment == nil {
            var increment = ResourceCost.zero
            for child in children {
                for name in child.min.names + child.max.names { increment[name] = 1 }
            }
            filled.increment = increment
        }
        self.children = children
        self.options = filled
        self.clock = clock
        self.elapsed = Self.stopwatch(clock)
        let now = elapsed()
        let tracking = children.map { Tracking(load: Self.load(of: $0.capacity, options: filled), since: now) }
        self.state = Mutex(State(tracking: tracking))
    }

    deinit {
        state.withLock { $0.task }?.cancel()
    }

    /// Whether the periodic loop is running.
    public var isRunning: Bool { state.withLock { $0.isRunning } }

    /// How many evaluations have run (periodic or through ``check()``).
    public var checkCount: Int { state.withLock { $0.checkCount } }

    /// Each child's load as of the latest evaluation (or creation).
    public var loads: [Load] { state.withLock { $0.tracking.map(\.load) } }

    /// Starts evaluating every ``Options/checkInterval``. Does nothing when already running.
    public func start() {
        let interval = options.checkInterval
        precondition(interval > .zero, "HierarchicalBalancer needs a positive check interval")
        let generation = state.withLock { state -> UInt64? in
            if state.isRunning { return nil }
            state.isRunning = true
            state.generation &+= 1
            return state.generation
        }
        guard let generation else { return }
        let clock = self.clock
        let balancer = WeakBalancer(value: self)
        let task = Task {
            while !Task.isCancelled {
                do { try await clock.sleep(for: interval) } catch { return }
                guard let balancer = balancer.value else { return }
                balancer.check()
            }
        }
        // A stop (and maybe another start) may have run since; then this task is stale.
        let isCurrent = state.withLock { state -> Bool in
            guard state.generation == generation else { return false }
            state.task = task
            return true
        }
        if !isCurrent { task.cancel() }
    }

    /// Stops the periodic loop. Idempotent.
    public func stop() {
        let task = state.withLock { state -> Task<Void, Never>? in
            state.isRunning = false
            state.generation &+= 1
            defer { state.task = nil }
            return state.task
        }
        task?.cancel()
    }

    /// Runs one evaluation now, synchronously, and applies any resulting limit changes.
    public func check() {
        let now = elapsed()
        let loads = children.map { Self.load(of: $0.capacity, options: options) }
        let due = state.withLock { state -> [Int] in
            state.checkCount += 1
            var due: [Int] = []
            for index in children.indices {
                let load = loads[index]
                if load != state.tracking[index].load {
                    state.tracking[index] = Tracking(load: load, since: now)
                    continue
                }
                let threshold: Duration
                switch load {
                case .idle: threshold = options.idleTimeThreshold
                case .busy: threshold = options.busyTimeThreshold
                case .neutral: continue
                }
                if now - state.tracking[index].since >= threshold {
                    state.tracking[index].since = now
                    due.append(index)
                }
            }
            return due
        }
        for index in due {
            let child = children[index]
            let change = Self.step(child, growing: loads[index] == .busy, increment: options.increment ?? .zero)
            if !change.amounts.isEmpty { try? child.capacity.setLimits(change) }
        }
    }

    // MARK: - Helpers

    static func load(of capacity: ResourceCapacitySource, options: Options) -> Load {
        let utilization = capacity.utilization.values
        if utilization.contains(where: { $0 > options.busyThreshold }) { return .busy }
        if utilization.allSatisfy({ $0 < options.idleThreshold }) { return .idle }
        return .neutral
    }

    /// The limits to set for one step, only for keys that change.
    static func step(_ child: Child, growing: Bool, increment: ResourceCost) -> ResourceCost {
        let limits = child.capacity.limits
        var change = ResourceCost.zero
        for (name, step) in increment.amounts where step > 0 {
            guard let limit = limits.amounts[name] else { continue }
            let target: Double
            if growing {
                guard let ceiling = child.max.amounts[name] else { continue }
                target = Swift.max(limit, Swift.min(ceiling, limit + step))
            } else {
                let floor = child.min.amounts[name] ?? 0
                target = Swift.min(limit, Swift.max(floor, limit - step))
            }
            if target != limit { change[name] = target }
        }
        return change
    }

    /// A function giving the time elapsed on `clock` since this call.
    private static func stopwatch<C: Clock<Duration>>(_ clock: C) -> @Sendable () -> Duration {
        let origin = clock.now
        return { origin.duration(to: clock.now) }
    }
}
