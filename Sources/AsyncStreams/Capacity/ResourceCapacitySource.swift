import Synchronization

/// An all-or-nothing, multi-resource budget with an optional parent chain.
///
/// Every acquisition must fit this level and every ancestor; it is taken at all of them or at none.
/// A key that a level does not track is unlimited at that level, so a key that no level tracks is
/// never limited: with the runners' default cost `{capacity: 1}`, a tree without a `capacity` key
/// bounds nothing, and concurrency is unbounded. Give such trees a `capacity` limit.
///
/// ```swift
/// let global = try ResourceCapacitySource(limits: ["gpu": 16])
/// let team = try ResourceCapacitySource(limits: ["gpu": 8], parent: global)
/// if team.tryAcquire(["gpu": 6]).isAccepted {
///     // team has 2 left, global 10
///     team.release(["gpu": 6])
/// }
/// ```
///
/// ## Concurrency
///
/// Thread-safe: all nodes of one tree (a root and all its descendants) share a single `Mutex`, so a
/// check-and-acquire across the whole chain is atomic. ``canAcquire(_:)`` is advisory only (another
/// thread may acquire before you act on it); ``tryAcquire(_:)`` is the atomic primitive.
///
/// ## Signals
///
/// - ``waitObject`` of each level is resolved with `true` by ``release(_:)`` (every restoring level of
///   the chain), ``setLimits(_:)``, ``reset()``, ``increment(_:cap:)`` and ``reconcile(estimated:actual:)``
///   (every level of the chain); never by an acquire.
/// - ``changes()`` subscribers are woken, after the lock is released, on every node whose effective
///   availability may have grown: the highest level that grew and all of its descendants, siblings of
///   the caller included. A runner blocked by a parent budget therefore wakes when a sibling releases,
///   instead of waiting for a release at its own level.
///
/// ## Accounting after a shrink
///
/// In-flight amounts are not tracked per level. After ``setLimits(_:)`` lowers a limit, availability is
/// `max(0, available − Δ)`, and a later release refills up to the new limit even though some units are
/// still in flight: limit 10 with 8 in flight, shrink to 5 gives 0 available; releasing 4 gives 4,
/// though true headroom is 1. The source over-admits until those tasks finish. Utilization never
/// exceeds 1.
///
/// ## Quotas
///
/// A ``QuotaCapacitySource`` owns one of these as its ``QuotaCapacitySource/capacity``: a level whose
/// releases do not restore its own availability. Pass that level wherever a `ResourceCapacitySource` is
/// expected (a parent, a runner's budget).
public final class ResourceCapacitySource: Sendable {
    let tree: CapacityTree
    let node: Int
    let metrics: (any CapacityMetrics)?
    let restoresOnRelease: Bool
    /// The wait objects a release resolves: every restoring level of the chain, this one first.
    let releaseSignals: [WaitObject<Bool>]

    /// The parent, if any.
    public let parent: ResourceCapacitySource?

    /// Resolved with `true` whenever capacity at this level may have come back. See the type's
    /// "Signals" section. It is single-consumer; prefer ``changes()`` when several tasks wait.
    public let waitObject: WaitObject<Bool>

    /// Creates a source whose availability starts equal to `limits`.
    ///
    /// - Parameters:
    ///   - limits: the total of each tracked resource; keys absent here are unlimited at this level.
    ///   - parent: an enclosing budget every acquisition must also fit. The new source joins the
    ///     parent's tree and shares its lock.
    ///   - metrics: an optional collector; it receives one ``CapacityEvent/limitsSet(limits:)`` now.
    /// - Throws: ``CapacityError`` with code ``CapacityError/Code/negativeAmount`` when a limit is
    ///   negative, infinite or not a number.
    public convenience init(
        limits: ResourceCost,
        parent: ResourceCapacitySource? = nil,
        metrics: (any CapacityMetrics)? = nil
    ) throws(CapacityError) {
        try self.init(limits: limits, parent: parent, metrics: metrics, restoresOnRelease: true)
    }

    init(
        limits: ResourceCost,
        parent: ResourceCapacitySource?,
        metrics: (any CapacityMetrics)?,
        restoresOnRelease: Bool
    ) throws(CapacityError) {
        try Self.validateLimits(limits)
        let tree = parent?.tree ?? CapacityTree()
        self.tree = tree
        self.node = tree.state.withLock {
            $0.addNode(limits: limits.amounts, parent: parent?.node, restoresOnRelease: restoresOnRelease)
        }
        self.parent = parent
        self.metrics = metrics
        self.restoresOnRelease = restoresOnRelease
        let waitObject = WaitObject<Bool>(label: "capacity")
        self.waitObject = waitObject
        self.releaseSignals = (restoresOnRelease ? [waitObject] : []) + (parent?.releaseSignals ?? [])
        metrics?.record(.limitsSet(limits: limits))
    }

    // MARK: - Books

    /// The limits at this level (a copy).
    public var limits: ResourceCost { ResourceCost(tree.state.withLock { $0.books.limits(at: node) }) }

    /// Current availability at this level (a copy: mutating it does not affect the source).
    public var available: ResourceCost { ResourceCost(tree.state.withLock { $0.books.available(at: node) }) }

    /// Per resource `(limit − available) / limit` at this level, 0 when the limit is 0.
    public var utilization: [String: Double] {
        var result: [String: Double] = [:]
        for entry in tree.state.withLock({ $0.books.books(at: node) }) {
            result[entry.name] = entry.limit > 0 ? (entry.limit - entry.available) / entry.limit : 0
        }
        return result
    }

    /// This level's availability with each key lowered to the minimum over the parent chain, or `nil`
    /// when any of those is 0.
    ///
    /// Keys tracked only by an ancestor are not included. A level with a zero limit always peeks `nil`;
    /// a level with empty limits peeks `{}`.
    public func peek() -> ResourceCost? { tree.state.withLock { $0.books.peek(at: node) } }

    // MARK: - Acquiring

    /// Whether `cost` fits here and in every ancestor. Side-effect free and advisory.
    ///
    /// A key this level does not track is checked against the ancestors only. A negative (or NaN)
    /// amount gives `false`; an all-zero cost gives `true`.
    /// - Complexity: O(*k* · *d*) for *k* keys and a chain of depth *d*.
    public func canAcquire(_ cost: ResourceCost) -> Bool {
        guard Self.isValid(cost) else { return false }
        return tree.state.withLock { $0.books.fits(cost, at: node) }
    }

    /// Atomically checks and takes `cost` at this level and every ancestor.
    ///
    /// This is the acquisition primitive and the only one that reports to ``CapacityMetrics``.
    /// - Returns: ``AcquireResult/accepted(requested:availableAfter:)`` with this level's availability
    ///   afterwards, or ``AcquireResult/rejected(requested:available:reason:)`` with reason
    ///   `invalidCost` (a negative amount) or `insufficientCapacity`; a rejection changes nothing.
    /// - Complexity: O(*k* · *d*) for *k* keys and a chain of depth *d*.
    public func tryAcquire(_ cost: ResourceCost) -> AcquireResult {
        guard Self.isValid(cost) else {
            let available = self.available
            metrics?.record(.acquireRejected(requested: cost, reason: .invalidCost))
            return .rejected(requested: cost, available: available, reason: .invalidCost)
        }
        let (taken, snapshot) = tree.state.withLock { state in
            let taken = state.books.tryTake(cost, at: node)
            return (taken, state.books.available(at: node))
        }
        if taken {
            metrics?.record(.acquireAccepted(requested: cost))
            return .accepted(requested: cost, availableAfter: ResourceCost(snapshot))
        }
        metrics?.record(.acquireRejected(requested: cost, reason: .insufficientCapacity))
        return .rejected(requested: cost, available: ResourceCost(snapshot), reason: .insufficientCapacity)
    }

    /// Atomically checks and takes `cost`, like ``tryAcquire(_:)``, returning only whether it did.
    ///
    /// The runners' hot path: it builds no availability snapshot. Reports to ``CapacityMetrics`` exactly
    /// as ``tryAcquire(_:)`` does.
    /// - Returns: `true` when `cost` was taken at this level and every ancestor; `false` (nothing taken)
    ///   for insufficient capacity or a negative amount.
    /// - Complexity: O(*k* · *d*) for *k* keys and a chain of depth *d*.
    public func acquireIfAvailable(_ cost: ResourceCost) -> Bool {
        guard Self.isValid(cost) else {
            metrics?.record(.acquireRejected(requested: cost, reason: .invalidCost))
            return false
        }
        let taken = tree.state.withLock { $0.books.tryTake(cost, at: node) }
        metrics?.record(
            taken ? .acquireAccepted(requested: cost) : .acquireRejected(requested: cost, reason: .insufficientCapacity)
        )
        return taken
    }

    /// Takes `cost` at this level and every ancestor, or throws and takes nothing.
    ///
    /// Meant to follow a successful ``canAcquire(_:)`` in a single isolation domain; under concurrency
    /// prefer ``tryAcquire(_:)``. Reports no metrics and signals nothing.
    /// - Throws: ``CapacityError`` with code ``CapacityError/Code/negativeAmount`` or
    ///   ``CapacityError/Code/insufficientCapacity``; availability is unchanged at every level.
    public func acquireImmediate(_ cost: ResourceCost) throws(CapacityError) {
        try Self.validateCost(cost)
        let taken = tree.state.withLock { $0.books.tryTake(cost, at: node) }
        guard taken else {
            throw CapacityError(
                code: .insufficientCapacity,
                message: "cannot acquire \(cost): insufficient capacity (available here: \(available))"
            )
        }
    }

    // MARK: - Returning capacity

    /// Returns `cost` here and in every ancestor, clamping each resource at its limit, and wakes waiters.
    ///
    /// Over-release is absorbed silently. Keys not tracked at a level are ignored there and still
    /// forwarded. Negative amounts are ignored. A quota level (``QuotaCapacitySource``) keeps its
    /// availability but the release continues to its ancestors, so a pool budget above a quota is
    /// returned (otherwise it would leak); releasing directly on a quota with no restoring ancestor is
    /// therefore a complete no-op.
    /// - Complexity: O(*k* · *d*), plus the number of nodes woken.
    public func release(_ cost: ResourceCost) {
        var targets = WakeList()
        tree.state.withLock { state in
            state.release(cost, at: node, waking: &targets)
        }
        targets.fire()
        for signal in releaseSignals { signal.resolve(true) }
        if restoresOnRelease { metrics?.record(.released(cost)) }
    }

    /// Whether no entry of `cost` exceeds the corresponding limit here or in any ancestor.
    ///
    /// Compares with totals, not current availability: an enqueue-time check that a request can ever
    /// be satisfied. A negative amount gives `false`.
    public func validateCost(_ cost: ResourceCost) -> Bool {
        guard Self.isValid(cost) else { return false }
        return tree.state.withLock { $0.books.withinLimits(cost, at: node) }
    }

    /// A subscription woken whenever availability at this level may have grown.
    ///
    /// Each subscriber buffers at most one wake-up, so bursts coalesce. The stream never finishes on
    /// its own; stop iterating (or cancel the task) to unsubscribe.
    public func changes() -> AsyncStream<Void> { tree.subscribe(at: node) }

    // MARK: - Validation

    static func isValid(_ cost: ResourceCost) -> Bool {
        for amount in cost.amounts.values where !(amount >= 0) { return false }
        return true
    }

    static func validateCost(_ cost: ResourceCost) throws(CapacityError) {
        for name in cost.names where !(cost[name] >= 0) {
            throw CapacityError(
                code: .negativeAmount,
                message: "invalid cost \(cost): amount of '\(name)' must not be negative"
            )
        }
    }

    static func validateLimits(_ limits: ResourceCost) throws(CapacityError) {
        for name in limits.names where !(limits[name] >= 0 && limits[name].isFinite) {
            throw CapacityError(
                code: .negativeAmount,
                message: "invalid limits \(limits): limit of '\(name)' must be a finite, non-negative number"
            )
        }
    }
}
