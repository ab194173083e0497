// SKELETON: public API agreed between helpers; bodies are filled in by the capacity implementation.

/// An all-or-nothing, multi-resource budget with an optional parent chain.
///
/// Thread-safe: every node of one tree shares a single lock, so a check-and-acquire across the whole
/// parent chain is atomic with rollback. Waiters are woken (through ``changes()``) on every node whose
/// effective availability may have changed, siblings included.
public class ResourceCapacitySource: @unchecked Sendable {
    /// Creates a source whose availability starts equal to `limits`. Throws `negativeAmount`.
    public init(limits: ResourceCost, parent: ResourceCapacitySource? = nil) throws(CapacityError) {
        preconditionFailure("skeleton")
    }

    /// The parent, if any.
    public var parent: ResourceCapacitySource? { preconditionFailure("skeleton") }
    /// The limits (a copy).
    public var limits: ResourceCost { preconditionFailure("skeleton") }
    /// Current availability at this level (a copy).
    public var available: ResourceCost { preconditionFailure("skeleton") }
    /// Per resource `(limit − available) / limit`, 0 when the limit is 0.
    public var utilization: [String: Double] { preconditionFailure("skeleton") }

    /// Whether `cost` fits here and in every ancestor. Side-effect free; negative amounts give false.
    public func canAcquire(_ cost: ResourceCost) -> Bool { preconditionFailure("skeleton") }
    /// Atomic check-and-acquire at this level and every ancestor.
    public func tryAcquire(_ cost: ResourceCost) -> AcquireResult { preconditionFailure("skeleton") }
    /// Acquire that throws `insufficientCapacity` (or `negativeAmount`) instead of returning a rejection.
    public func acquireImmediate(_ cost: ResourceCost) throws(CapacityError) { preconditionFailure("skeleton") }
    /// Returns `cost` here and in every ancestor, clamped at each limit, and wakes waiters.
    public func release(_ cost: ResourceCost) { preconditionFailure("skeleton") }
    /// Whether no entry of `cost` exceeds the corresponding limit here or in any ancestor.
    public func validateCost(_ cost: ResourceCost) -> Bool { preconditionFailure("skeleton") }
    /// A subscription woken whenever availability at this level may have grown.
    public func changes() -> AsyncStream<Void> { preconditionFailure("skeleton") }
}
