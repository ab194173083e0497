// MARK: - The budget API, forwarded to the quota's level

extension QuotaCapacitySource {
    /// The enclosing budget, if any.
    public var parent: ResourceCapacitySource? { capacity.parent }

    /// Resolved with `true` whenever the quota may have been refilled; see
    /// ``ResourceCapacitySource/waitObject``. A release never resolves it.
    public var waitObject: WaitObject<Bool> { capacity.waitObject }

    /// The quota per window of each tracked resource (a copy).
    public var limits: ResourceCost { capacity.limits }

    /// What is left of the quota in the current window (a copy).
    public var available: ResourceCost { capacity.available }

    /// Per resource, the share of the quota used in the current window; see
    /// ``ResourceCapacitySource/utilization``.
    public var utilization: [String: Double] { capacity.utilization }

    /// What is left, each key lowered to the minimum over the parent chain, or `nil` when any of those is
    /// 0; see ``ResourceCapacitySource/peek()``.
    public func peek() -> ResourceCost? { capacity.peek() }

    /// Whether `cost` fits the quota and every ancestor; advisory. See
    /// ``ResourceCapacitySource/canAcquire(_:)``.
    ///
    /// - Complexity: O(*k* · *d*) for *k* keys and a chain of depth *d*.
    public func canAcquire(_ cost: ResourceCost) -> Bool { capacity.canAcquire(cost) }

    /// Atomically checks and takes `cost` from the quota and every ancestor; see
    /// ``ResourceCapacitySource/tryAcquire(_:)``.
    ///
    /// - Returns: the acceptance with the quota's availability afterwards, or the rejection and its reason.
    /// - Complexity: O(*k* · *d*) for *k* keys and a chain of depth *d*.
    public func tryAcquire(_ cost: ResourceCost) -> AcquireResult { capacity.tryAcquire(cost) }

    /// Atomically checks and takes `cost`, returning only whether it did; see
    /// ``ResourceCapacitySource/acquireIfAvailable(_:)``.
    ///
    /// - Returns: `true` when `cost` was taken at every level; `false` (nothing taken) otherwise.
    /// - Complexity: O(*k* · *d*) for *k* keys and a chain of depth *d*.
    public func acquireIfAvailable(_ cost: ResourceCost) -> Bool { capacity.acquireIfAvailable(cost) }

    /// Takes `cost` from the quota and every ancestor, or throws and takes nothing; see
    /// ``ResourceCapacitySource/acquireImmediate(_:)``.
    ///
    /// - Throws: ``CapacityError`` with code ``CapacityError/Code/negativeAmount`` or
    ///   ``CapacityError/Code/insufficientCapacity``.
    public func acquireImmediate(_ cost: ResourceCost) throws(CapacityError) { try capacity.acquireImmediate(cost) }

    /// Returns `cost` to the ancestors that restore on release; the quota itself keeps its availability.
    ///
    /// Consumed quota comes back only through ``reset()``, ``increment(_:cap:)`` and
    /// ``reconcile(estimated:actual:)``. Without a restoring ancestor this changes nothing.
    /// - Complexity: O(*k* · *d*), plus the number of nodes woken.
    public func release(_ cost: ResourceCost) { capacity.release(cost) }

    /// Whether no entry of `cost` exceeds the quota or an ancestor's limit; see
    /// ``ResourceCapacitySource/validateCost(_:)``.
    public func validateCost(_ cost: ResourceCost) -> Bool { capacity.validateCost(cost) }

    /// A subscription woken whenever the quota may have been refilled; see
    /// ``ResourceCapacitySource/changes()``.
    public func changes() -> AsyncStream<Void> { capacity.changes() }

    /// Changes the quota of the given keys; see ``ResourceCapacitySource/setLimits(_:)``.
    ///
    /// - Throws: ``CapacityError`` with code ``CapacityError/Code/negativeAmount``; nothing changes.
    public func setLimits(_ limits: ResourceCost) throws(CapacityError) { try capacity.setLimits(limits) }

    /// Starts a new window: refills the quota to its limits and wakes waiters.
    public func reset() { capacity.reset() }

    /// Sets the quota of the given keys and refills it, atomically; see ``ResourceCapacitySource/reset(_:)``.
    ///
    /// - Throws: ``CapacityError`` with code ``CapacityError/Code/negativeAmount``; nothing changes.
    public func reset(_ limits: ResourceCost) throws(CapacityError) { try capacity.reset(limits) }

    /// Adds `amount` to what is left of the quota (a token-bucket refill), never above `cap` or the limits;
    /// see ``ResourceCapacitySource/increment(_:cap:)``.
    ///
    /// - Throws: ``CapacityError`` with code ``CapacityError/Code/negativeAmount``; nothing changes.
    public func increment(_ amount: ResourceCost, cap: ResourceCost? = nil) throws(CapacityError) {
        try capacity.increment(amount, cap: cap)
    }

    /// Corrects the books after a task acquired `estimated` but used `actual`, at the quota and every
    /// ancestor; see ``ResourceCapacitySource/reconcile(estimated:actual:)``.
    ///
    /// - Throws: ``CapacityError`` with code ``CapacityError/Code/negativeAmount``; nothing changes.
    public func reconcile(estimated: ResourceCost, actual: ResourceCost) throws(CapacityError) {
        try capacity.reconcile(estimated: estimated, actual: actual)
    }
}

// MARK: - Quotas as parents

extension ResourceCapacitySource {
    /// Creates a source under a quota: every acquisition must also fit what is left of the quota's
    /// window, and a release here returns the concurrency but not the quota.
    ///
    /// The same as passing the quota's ``QuotaCapacitySource/capacity`` as the parent.
    ///
    /// ```swift
    /// let quota = try QuotaCapacitySource(limits: ["requests": 100])
    /// let pool = try ResourceCapacitySource(limits: ["requests": 5], parent: quota)
    /// ```
    ///
    /// - Parameters:
    ///   - limits: the total of each tracked resource; keys absent here are unlimited at this level.
    ///   - parent: the quota every acquisition must also fit.
    ///   - metrics: an optional collector; it receives one ``CapacityEvent/limitsSet(limits:)`` now.
    /// - Throws: ``CapacityError`` with code ``CapacityError/Code/negativeAmount`` when a limit is
    ///   negative, infinite or not a number.
    public convenience init(
        limits: ResourceCost,
        parent: QuotaCapacitySource,
        metrics: (any CapacityMetrics)? = nil
    ) throws(CapacityError) {
        try self.init(limits: limits, parent: parent.capacity, metrics: metrics, restoresOnRelease: true)
    }
}
