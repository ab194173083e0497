/// What ``ScheduledTaskPoolRunner`` needs from a multi-resource budget. ``ResourceCapacitySource`` is the
/// public conformer; tests substitute instrumented fakes.
@usableFromInline
protocol PoolCapacity: AnyObject, Sendable {
    /// Atomic check-and-acquire; `false` (nothing taken) for insufficient capacity or a negative amount.
    func acquireIfAvailable(_ cost: ResourceCost) -> Bool
    /// Gives `cost` back.
    func release(_ cost: ResourceCost)
    /// Whether `cost` could ever fit the limits.
    func validateCost(_ cost: ResourceCost) -> Bool
    /// A subscription woken when availability may have grown.
    func changes() -> AsyncStream<Void>
    /// Registers a function called whenever availability may have grown (see ``ChangeListening``);
    /// returns the function that unregisters it, or `nil` when only ``changes()`` is supported.
    func listenForChanges(_ listener: @escaping @Sendable () -> Void) -> (@Sendable () -> Void)?
}

extension PoolCapacity {
    @usableFromInline func listenForChanges(_ listener: @escaping @Sendable () -> Void) -> (@Sendable () -> Void)? {
        nil
    }
}

extension ResourceCapacitySource: PoolCapacity {
    @usableFromInline func listenForChanges(_ listener: @escaping @Sendable () -> Void) -> (@Sendable () -> Void)? {
        tree.listen(at: node, listener)
    }
}

/// What ``HierarchicalTaskPoolRunner`` needs from a single-counter budget. `CapacitySource` is the public
/// conformer; tests substitute instrumented fakes.
protocol PoolSlots: AnyObject, Sendable {
    /// Takes one unit, suspending while none is free. Throws `CancellationError` when cancelled.
    func acquire() async throws -> Int
    /// Gives one unit back.
    func release()
}

extension CapacitySource: PoolSlots {}
