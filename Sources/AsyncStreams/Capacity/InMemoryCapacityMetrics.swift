import Synchronization

/// A ``CapacityMetrics`` collector that keeps running totals in memory.
///
/// ```swift
/// let metrics = InMemoryCapacityMetrics()
/// let pool = try ResourceCapacitySource(limits: ["gpu": 4], metrics: metrics)
/// _ = pool.tryAcquire(["gpu": 3])
/// metrics.snapshot.inFlight  // {gpu: 3}
/// ```
///
/// Thread-safe: events may arrive from any isolation domain.
public final class InMemoryCapacityMetrics: CapacityMetrics {
    /// Totals since the collector was created.
    public struct Snapshot: Sendable, Hashable {
        /// Accepted `tryAcquire` calls.
        public var acceptedCount = 0
        /// Rejected `tryAcquire` calls.
        public var rejectedCount = 0
        /// `release` calls.
        public var releaseCount = 0
        /// `reset` calls.
        public var resetCount = 0
        /// `increment` calls.
        public var incrementCount = 0
        /// Limit changes, including the initial limits.
        public var setLimitsCount = 0
        /// Sum of accepted amounts per resource.
        public var acquiredTotal = ResourceCost.zero
        /// Sum of released amounts per resource (before clamping).
        public var releasedTotal = ResourceCost.zero
        /// Sum of rejected amounts per resource.
        public var rejectedTotal = ResourceCost.zero
        /// Acquired minus released per resource, never below 0.
        public var inFlight = ResourceCost.zero
        /// The latest limits reported.
        public var limits = ResourceCost.zero

        /// Per resource `inFlight / limit`, 0 for a zero limit, for every key with a limit.
        public var utilization: [String: Double] {
            var result: [String: Double] = [:]
            for (name, limit) in limits.amounts {
                result[name] = limit > 0 ? min(1, inFlight[name] / limit) : 0
            }
            return result
        }
    }

    private let state = Mutex(Snapshot())

    /// Creates an empty collector.
    public init() {}

    /// The totals so far.
    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Records one event.
    public func record(_ event: CapacityEvent) {
        state.withLock { snapshot in
            switch event {
            case .acquireAccepted(let requested):
                snapshot.acceptedCount += 1
                Self.add(requested, to: &snapshot.acquiredTotal)
                Self.add(requested, to: &snapshot.inFlight)
            case .acquireRejected(let requested, _):
                snapshot.rejectedCount += 1
                Self.add(requested, to: &snapshot.rejectedTotal)
            case .released(let cost):
                snapshot.releaseCount += 1
                Self.add(cost, to: &snapshot.releasedTotal)
                for (name, amount) in cost.amounts where amount > 0 {
                    if let held = snapshot.inFlight.amounts[name] {
                        snapshot.inFlight.amounts[name] = max(0, held - amount)
                    }
                }
            case .reset(let limits):
                snapshot.resetCount += 1
                snapshot.limits = limits
            case .incremented:
                snapshot.incrementCount += 1
            case .limitsSet(let limits):
                snapshot.setLimitsCount += 1
                snapshot.limits = limits
            }
        }
    }

    private static func add(_ cost: ResourceCost, to total: inout ResourceCost) {
        for (name, amount) in cost.amounts where amount > 0 {
            total.amounts[name, default: 0] += amount
        }
    }
}
