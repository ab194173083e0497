import Synchronization

extension ResourceCapacitySource {
    /// Changes the limits of the given keys at this level only; other keys are untouched.
    ///
    /// When a limit rises by Δ, availability rises by Δ; when it falls by Δ, availability becomes
    /// `max(0, available − Δ)` (see "Accounting after a shrink" on the type). A new key starts fully
    /// available. The parent is not affected. Resolves ``waitObject`` and wakes ``changes()`` subscribers
    /// here and below.
    /// - Throws: ``CapacityError`` with code ``CapacityError/Code/negativeAmount`` when a value is
    ///   negative, infinite or not a number; nothing changes.
    public func setLimits(_ limits: ResourceCost) throws(CapacityError) {
        try Self.validateLimits(limits)
        let all = adjustLocally { books in books.setLimits(limits.amounts, at: node) }
        metrics?.record(.limitsSet(limits: all))
    }

    /// Refills availability to the limits and wakes waiters.
    public func reset() {
        let all = adjustLocally { books in books.refill(at: node) }
        metrics?.record(.reset(limits: all))
    }

    /// Applies `limits` as ``setLimits(_:)`` does, then refills availability to the limits, atomically.
    ///
    /// `reset(["tokens": 50])` sets both the limit and the availability of `tokens` to 50.
    /// - Throws: ``CapacityError`` with code ``CapacityError/Code/negativeAmount``; nothing changes.
    public func reset(_ limits: ResourceCost) throws(CapacityError) {
        try Self.validateLimits(limits)
        let all = adjustLocally { books in
            books.setLimits(limits.amounts, at: node)
            books.refill(at: node)
        }
        metrics?.record(.limitsSet(limits: all))
        metrics?.record(.reset(limits: all))
    }

    /// Adds `amount` to availability at this level (a token-bucket refill), without changing limits.
    ///
    /// Each key is capped at `cap` (default: the limit) and never above its limit; a key already above
    /// the cap is left as is. Keys not tracked here are ignored. The parent is not affected.
    /// - Throws: ``CapacityError`` with code ``CapacityError/Code/negativeAmount`` when `amount` or
    ///   `cap` has a negative entry; nothing changes.
    public func increment(_ amount: ResourceCost, cap: ResourceCost? = nil) throws(CapacityError) {
        try Self.validateCost(amount)
        if let cap { try Self.validateCost(cap) }
        _ = adjustLocally { books in books.increment(amount, cap: cap, at: node) }
        metrics?.record(.incremented(amount))
    }

    /// Corrects the books after a task acquired `estimated` but used `actual`.
    ///
    /// Per key, a surplus (`estimated > actual`) goes back to availability, capped at the limit; a
    /// deficit is taken, clamped at 0. Applies at this level and every ancestor (quota levels included)
    /// and resolves each level's ``waitObject``. Afterwards release `actual`, not `estimated`.
    /// - Throws: ``CapacityError`` with code ``CapacityError/Code/negativeAmount``; nothing changes.
    public func reconcile(estimated: ResourceCost, actual: ResourceCost) throws(CapacityError) {
        try Self.validateCost(estimated)
        try Self.validateCost(actual)
        var targets = WakeList()
        tree.state.withLock { state in
            state.reconcile(estimated: estimated, actual: actual, at: node, waking: &targets)
        }
        targets.fire()
        var level: ResourceCapacitySource? = self
        while let current = level {
            current.waitObject.resolve(true)
            level = current.parent
        }
    }

    /// Runs a local change under the tree lock, then wakes this subtree and resolves ``waitObject``.
    /// Returns the limits afterwards.
    func adjustLocally(_ change: (inout CapacityBooks) -> Void) -> ResourceCost {
        var targets = WakeList()
        let limits = tree.state.withLock { state in state.adjust(at: node, waking: &targets, change) }
        targets.fire()
        waitObject.resolve(true)
        return ResourceCost(limits)
    }
}
