import AsyncStreams
import Testing

@Suite(.timeLimit(.minutes(1))) struct ResourceCapacitySourceTests {
    // MARK: - Acquire and release

    @Test func acquireAndReleaseRestoreAvailability() throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 8, "memory_gb": 32])
        #expect(source.tryAcquire(["gpu": 2, "memory_gb": 8]).isAccepted)
        #expect(source.available == ["gpu": 6, "memory_gb": 24])
        source.release(["gpu": 2, "memory_gb": 8])
        #expect(source.available == ["gpu": 8, "memory_gb": 32])
    }

    @Test func canAcquireIsFalseWhenAnyKeyIsShort() throws {
        let source = try ResourceCapacitySource(limits: ["cpu": 8, "gpu": 2])
        try source.acquireImmediate(["cpu": 4, "gpu": 1])
        #expect(!source.canAcquire(["cpu": 4, "gpu": 2]))
        #expect(source.canAcquire(["cpu": 4, "gpu": 1]))
    }

    @Test func failedAcquireChangesNoKeyAtAnyLevel() throws {
        let parent = try ResourceCapacitySource(limits: ["cpu": 10, "gpu": 1])
        let child = try ResourceCapacitySource(limits: ["cpu": 4, "gpu": 4], parent: parent)
        let result = child.tryAcquire(["cpu": 2, "gpu": 2])
        #expect(
            result
                == .rejected(
                    requested: ["cpu": 2, "gpu": 2], available: ["cpu": 4, "gpu": 4], reason: .insufficientCapacity)
        )
        #expect(throws: CapacityError.self) { try child.acquireImmediate(["cpu": 2, "gpu": 2]) }
        #expect(child.available == ["cpu": 4, "gpu": 4])
        #expect(parent.available == ["cpu": 10, "gpu": 1])
    }

    @Test func acquireImmediateWithoutCapacityThrows() throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 1])
        let error = #expect(throws: CapacityError.self) { try source.acquireImmediate(["gpu": 2]) }
        #expect(error?.code == .insufficientCapacity)
    }

    @Test func releaseNeverExceedsLimit() throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 4])
        _ = source.tryAcquire(["gpu": 1])
        source.release(["gpu": 3])
        #expect(source.available == ["gpu": 4])
    }

    @Test func siblingsShareTheParentBudget() throws {
        let global = try ResourceCapacitySource(limits: ["gpu": 16])
        let team = try ResourceCapacitySource(limits: ["gpu": 8], parent: global)
        #expect(team.tryAcquire(["gpu": 6]).isAccepted)
        #expect(team.available == ["gpu": 2])
        #expect(global.available == ["gpu": 10])
        let other = try ResourceCapacitySource(limits: ["gpu": 12], parent: global)
        #expect(!other.canAcquire(["gpu": 11]))
        #expect(other.canAcquire(["gpu": 10]))
    }

    @Test func childReleaseRestoresBothLevelsAndSignalsBoth() async throws {
        let parent = try ResourceCapacitySource(limits: ["gpu": 4])
        let child = try ResourceCapacitySource(limits: ["gpu": 2], parent: parent)
        try child.acquireImmediate(["gpu": 2])
        #expect(!parent.waitObject.hasPendingValue)
        child.release(["gpu": 2])
        #expect(child.available == ["gpu": 2])
        #expect(parent.available == ["gpu": 4])
        #expect(try await child.waitObject.wait() == true)
        #expect(try await parent.waitObject.wait() == true)
    }

    @Test func parentShortfallRollsBackChild() throws {
        let parent = try ResourceCapacitySource(limits: ["gpu": 1])
        let child = try ResourceCapacitySource(limits: ["gpu": 4], parent: parent)
        #expect(throws: CapacityError.self) { try child.acquireImmediate(["gpu": 2]) }
        #expect(child.available == ["gpu": 4])
    }

    @Test func keyAbsentLocallyIsCheckedAgainstParentOnly() throws {
        let parent = try ResourceCapacitySource(limits: ["tokens": 5])
        let child = try ResourceCapacitySource(limits: ["gpu": 1], parent: parent)
        #expect(child.canAcquire(["tokens": 5]))
        #expect(!child.canAcquire(["tokens": 6]))
        #expect(child.tryAcquire(["tokens": 3]).isAccepted)
        #expect(parent.available == ["tokens": 2])
        #expect(child.available == ["gpu": 1])
    }

    @Test func negativeAmountIsNeverAcquirable() throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 100])
        #expect(!source.canAcquire(["gpu": -1]))
        let result = source.tryAcquire(["gpu": 1, "cpu": -1])
        #expect(result == .rejected(requested: ["gpu": 1, "cpu": -1], available: ["gpu": 100], reason: .invalidCost))
        let error = #expect(throws: CapacityError.self) { try source.acquireImmediate(["gpu": -1]) }
        #expect(error?.code == .negativeAmount)
        #expect(source.available == ["gpu": 100])
    }

    @Test func zeroCostIsAlwaysAcquirable() throws {
        let source = try ResourceCapacitySource(limits: ["io": 0, "cpu": 0])
        #expect(source.canAcquire(["io": 0]))
        #expect(source.tryAcquire(.zero).isAccepted)
    }

    @Test func untrackedKeyIsUnlimited() throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 1])
        for _ in 0..<100 { #expect(source.tryAcquire(.defaultTaskCost).isAccepted) }
        #expect(source.available == ["gpu": 1])
    }

    // MARK: - Queries

    @Test func peekIsNilWhenAnyResourceIsExhaustedAndTakesChainMinimum() throws {
        let parent = try ResourceCapacitySource(limits: ["gpu": 3, "cpu": 10])
        let child = try ResourceCapacitySource(limits: ["gpu": 8, "cpu": 2], parent: parent)
        #expect(child.peek() == ["gpu": 3, "cpu": 2])
        try child.acquireImmediate(["cpu": 2])
        #expect(child.peek() == nil)
        #expect(try ResourceCapacitySource(limits: ["gpu": 0]).peek() == nil)
        #expect(try ResourceCapacitySource(limits: [:]).peek() == ResourceCost.zero)
    }

    @Test func utilizationIsFractionInUseAndZeroForZeroLimit() throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 12, "fpga": 0])
        try source.acquireImmediate(["gpu": 10])
        let utilization = source.utilization
        #expect(abs(utilization["gpu", default: -1] - 10.0 / 12.0) < 1e-9)
        #expect(utilization["fpga"] == 0)
    }

    @Test func availableIsACopy() throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 2])
        var copy = source.available
        copy["gpu"] = 99
        #expect(source.available == ["gpu": 2])
    }

    @Test func validateCostComparesWithLimitsUpTheChain() throws {
        let parent = try ResourceCapacitySource(limits: ["gpu": 8])
        #expect(!parent.validateCost(["gpu": 9]))
        #expect(parent.validateCost(["gpu": 8]))
        let child = try ResourceCapacitySource(limits: ["gpu": 12], parent: parent)
        #expect(!child.validateCost(["gpu": 9]))
        #expect(!child.validateCost(["gpu": -1]))
    }

    @Test func constructorRejectsNegativeLimit() {
        let error = #expect(throws: CapacityError.self) { try ResourceCapacitySource(limits: ["gpu": -1]) }
        #expect(error?.code == .negativeAmount)
    }

    // MARK: - Adjustments

    @Test func raisingALimitRaisesAvailability() throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 12])
        try source.setLimits(["gpu": 15])
        #expect(source.available == ["gpu": 15])
        #expect(source.limits == ["gpu": 15])
    }

    @Test func loweringALimitClampsAvailabilityAtZero() throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 15])
        try source.acquireImmediate(["gpu": 13])
        try source.setLimits(["gpu": 12])
        #expect(source.available == ["gpu": 0])
    }

    @Test func setLimitsValidatesAndAppliesOnlyGivenKeys() throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 4, "cpu": 8])
        let error = #expect(throws: CapacityError.self) { try source.setLimits(["gpu": 5, "cpu": -1]) }
        #expect(error?.code == .negativeAmount)
        #expect(source.limits == ["gpu": 4, "cpu": 8])
        try source.setLimits(["gpu": 6, "io": 3])
        #expect(source.limits == ["gpu": 6, "cpu": 8, "io": 3])
        #expect(source.available == ["gpu": 6, "cpu": 8, "io": 3])
    }

    @Test func accountingQuirkAfterShrinkIsReproduced() throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 10])
        try source.acquireImmediate(["gpu": 8])
        try source.setLimits(["gpu": 5])
        #expect(source.available == ["gpu": 0])
        source.release(["gpu": 4])
        #expect(source.available == ["gpu": 4])
    }

    @Test func resetRefillsAndOptionallySetsLimits() throws {
        let source = try ResourceCapacitySource(limits: ["tokens": 100, "cpu": 2])
        try source.acquireImmediate(["tokens": 70, "cpu": 2])
        source.reset()
        #expect(source.available == ["tokens": 100, "cpu": 2])
        try source.acquireImmediate(["tokens": 70])
        try source.reset(["tokens": 50])
        #expect(source.limits == ["tokens": 50, "cpu": 2])
        #expect(source.available == ["tokens": 50, "cpu": 2])
    }

    @Test func incrementCapsAtLimitAndIgnoresUntrackedKeys() throws {
        let source = try ResourceCapacitySource(limits: ["tokens": 100])
        try source.acquireImmediate(["tokens": 5])
        try source.increment(["tokens": 10, "other": 3])
        #expect(source.available == ["tokens": 100])
        try source.acquireImmediate(["tokens": 50])
        try source.increment(["tokens": 30], cap: ["tokens": 60])
        #expect(source.available == ["tokens": 60])
        try source.increment(["tokens": 1], cap: ["tokens": 10])
        #expect(source.available == ["tokens": 60])
    }

    @Test func reconcileReturnsSurplusThenReleaseActualRestoresAll() throws {
        let parent = try ResourceCapacitySource(limits: ["tokens": 20000])
        let source = try ResourceCapacitySource(limits: ["tokens": 10000], parent: parent)
        try source.acquireImmediate(["tokens": 300])
        try source.reconcile(estimated: ["tokens": 300], actual: ["tokens": 220])
        #expect(source.available == ["tokens": 9780])
        #expect(parent.available == ["tokens": 19780])
        source.release(["tokens": 220])
        #expect(source.available == ["tokens": 10000])
        #expect(parent.available == ["tokens": 20000])
    }

    @Test func reconcileDeficitNeverGoesBelowZero() throws {
        let source = try ResourceCapacitySource(limits: ["tokens": 100])
        try source.acquireImmediate(["tokens": 90])
        try source.reconcile(estimated: ["tokens": 90], actual: ["tokens": 500])
        #expect(source.available == ["tokens": 0])
    }

    @Test(arguments: ["release", "setLimits", "reset", "increment", "reconcile"])
    func capacityReturningCallsResolveWaitObject(call: String) async throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 4])
        try source.acquireImmediate(["gpu": 2])
        #expect(!source.waitObject.hasPendingValue)
        switch call {
        case "release": source.release(["gpu": 1])
        case "setLimits": try source.setLimits(["gpu": 5])
        case "reset": source.reset()
        case "increment": try source.increment(["gpu": 1])
        default: try source.reconcile(estimated: ["gpu": 2], actual: ["gpu": 1])
        }
        #expect(source.waitObject.hasPendingValue)
        #expect(try await source.waitObject.wait() == true)
    }

    @Test func acquireNeverResolvesWaitObject() throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 4])
        try source.acquireImmediate(["gpu": 1])
        _ = source.tryAcquire(["gpu": 1])
        _ = source.tryAcquire(["gpu": 100])
        #expect(!source.waitObject.hasPendingValue)
    }

    // MARK: - changes()

    @Test func siblingReleaseWakesSubscriberBlockedByParent() async throws {
        let parent = try ResourceCapacitySource(limits: ["gpu": 2])
        let left = try ResourceCapacitySource(limits: ["gpu": 2], parent: parent)
        let right = try ResourceCapacitySource(limits: ["gpu": 2], parent: parent)
        try right.acquireImmediate(["gpu": 2])
        #expect(!left.canAcquire(["gpu": 1]))
        var leftChanges = left.changes().makeAsyncIterator()
        right.release(["gpu": 2])
        let woke: Void? = await leftChanges.next()
        #expect(woke != nil)
        #expect(left.canAcquire(["gpu": 2]))
    }

    @Test func localAdjustmentsWakeDescendants() async throws {
        let parent = try ResourceCapacitySource(limits: ["gpu": 2])
        let child = try ResourceCapacitySource(limits: ["gpu": 2], parent: parent)
        var childChanges = child.changes().makeAsyncIterator()
        try parent.setLimits(["gpu": 3])
        #expect(await childChanges.next() != nil)
        try parent.increment(["gpu": 1])
        #expect(await childChanges.next() != nil)
        parent.reset()
        #expect(await childChanges.next() != nil)
    }

    @Test func releaseWakesOwnAndParentSubscribersButAcquireDoesNot() async throws {
        let parent = try ResourceCapacitySource(limits: ["gpu": 2])
        let child = try ResourceCapacitySource(limits: ["gpu": 2], parent: parent)
        var childChanges = child.changes().makeAsyncIterator()
        var parentChanges = parent.changes().makeAsyncIterator()
        try child.acquireImmediate(["gpu": 1])
        _ = child.tryAcquire(["gpu": 1])
        child.release(["gpu": 2])
        #expect(await childChanges.next() != nil)
        #expect(await parentChanges.next() != nil)
    }

    @Test func releaseAtLimitWakesNobodyButStillResolvesWaitObject() throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 2])
        source.release(["gpu": 1])
        #expect(source.available == ["gpu": 2])
        #expect(source.waitObject.hasPendingValue)
    }

    @Test func newResourceNamesKeepEveryNodesBooks() throws {
        let parent = try ResourceCapacitySource(limits: ["a": 1])
        let child = try ResourceCapacitySource(limits: ["b": 2], parent: parent)
        try child.acquireImmediate(["a": 1, "b": 1])
        try parent.setLimits(["c": 3])
        try child.setLimits(["d": 4])
        #expect(parent.limits == ["a": 1, "c": 3])
        #expect(parent.available == ["a": 0, "c": 3])
        #expect(child.limits == ["b": 2, "d": 4])
        #expect(child.available == ["b": 1, "d": 4])
        #expect(!child.canAcquire(["a": 1]))
    }

    @Test func changesStreamEndsWhenConsumerIsCancelled() async throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 1])
        let stream = source.changes()
        let started = WaitObject<Bool>()
        let consumer = Task {
            var wakes = 0
            started.resolve(true)
            for await _ in stream { wakes += 1 }
            return wakes
        }
        _ = try await started.wait()
        consumer.cancel()
        #expect(try await consumer.value(within: "the consumer task to finish") == 0)
        source.release(["gpu": 1])  // nobody is subscribed any more; must not crash or block
    }

    @Test func wakeWhileConsumerIsBusyIsKeptForItsNextWait() async throws {
        let source = try ResourceCapacitySource(limits: ["gpu": 1])
        var changes = source.changes().makeAsyncIterator()
        try source.acquireImmediate(["gpu": 1])
        source.release(["gpu": 1])
        source.release(["gpu": 1])  // collapses with the first
        #expect(await changes.next() != nil)
        let next = Task { await changes.next() }
        try source.setLimits(["gpu": 2])
        #expect(try await next.value(within: "the next task to finish") != nil)
    }
}
