/// One bookkeeping event of a ``ResourceCapacitySource``, as seen by a ``CapacityMetrics`` collector.
public enum CapacityEvent: Sendable, Hashable {
    /// ``ResourceCapacitySource/tryAcquire(_:)`` took `requested`.
    case acquireAccepted(requested: ResourceCost)
    /// ``ResourceCapacitySource/tryAcquire(_:)`` took nothing.
    case acquireRejected(requested: ResourceCost, reason: AcquireResult.RejectionReason)
    /// ``ResourceCapacitySource/release(_:)`` returned `cost` (before clamping).
    case released(ResourceCost)
    /// ``ResourceCapacitySource/reset()`` refilled availability; `limits` are the limits afterwards.
    case reset(limits: ResourceCost)
    /// ``ResourceCapacitySource/increment(_:cap:)`` added `amount` (before capping).
    case incremented(ResourceCost)
    /// The limits changed (or were set by the initialiser); `limits` are the full limits afterwards.
    case limitsSet(limits: ResourceCost)
}

/// A collector of capacity bookkeeping events.
///
/// Attach one to a ``ResourceCapacitySource`` through its initialiser. Events describe calls made on
/// that source only (a parent's collector does not see its children's calls) and are delivered
/// synchronously on the caller's thread, after the capacity lock is released, so an implementation
/// must be thread-safe and quick.
///
/// Only ``ResourceCapacitySource/tryAcquire(_:)`` reports acquisitions: `canAcquire` and
/// `acquireImmediate` report nothing. The pool runners acquire through `tryAcquire` (or its
/// snapshot-free twin, which reports the same events), so a runner's acquisitions are counted.
public protocol CapacityMetrics: AnyObject, Sendable {
    /// Records one event.
    func record(_ event: CapacityEvent)
}
