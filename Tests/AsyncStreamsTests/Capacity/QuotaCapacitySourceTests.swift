import AsyncStreams
import Testing

@Suite(.timeLimit(.minutes(1))) struct QuotaCapacitySourceTests {
    @Test func releaseRestoresNothing() throws {
        let quota = try QuotaCapacitySource(limits: ["requests": 100])
        for _ in 0..<100 { #expect(quota.tryAcquire(["requests": 1]).isAccepted) }
        for _ in 0..<100 { quota.release(["requests": 1]) }
        #expect(quota.available == ["requests": 0])
        #expect(!quota.waitObject.hasPendingValue)
        #expect(!quota.tryAcquire(["requests": 1]).isAccepted)
    }

    @Test func resetRestoresAndWakesBlockedRunner() async throws {
        let quota = try QuotaCapacitySource(limits: ["requests": 100])
        try quota.acquireImmediate(["requests": 100])
        let woken = Task { try await quota.waitObject.wait() }
        await waitUntil("a task waits on the quota's wait object") { quota.waitObject.waiterCount > 0 }
        quota.reset()
        #expect(try await woken.value(within: "the woken task to finish") == true)
        #expect(quota.available == ["requests": 100])
    }

    @Test func itsCapacityIsANonRestoringLevelSharedWithTheQuota() throws {
        let quota = try QuotaCapacitySource(limits: ["requests": 2])
        let level: ResourceCapacitySource = quota.capacity
        #expect(level.tryAcquire(["requests": 2]).isAccepted)
        level.release(["requests": 2])
        #expect(level.available == ["requests": 0])
        #expect(quota.available == ["requests": 0])
        quota.reset()
        #expect(level.available == ["requests": 2])
    }

    @Test func aPoolUnderAQuotaCanBeMadeFromEitherTheQuotaOrItsLevel() throws {
        let quota = try QuotaCapacitySource(limits: ["requests": 3])
        let viaQuota = try ResourceCapacitySource(limits: ["requests": 2], parent: quota)
        let viaLevel = try ResourceCapacitySource(limits: ["requests": 2], parent: quota.capacity)
        #expect(viaQuota.parent === quota.capacity)
        #expect(viaLevel.parent === quota.capacity)
        #expect(viaQuota.tryAcquire(["requests": 2]).isAccepted)
        #expect(!viaLevel.canAcquire(["requests": 2]), "both pools draw on the same window")
        #expect(quota.parent == nil)
    }

    @Test func poolUnderQuotaFreesConcurrencyButNotQuota() throws {
        let quota = try QuotaCapacitySource(limits: ["requests": 100])
        let pool = try ResourceCapacitySource(limits: ["requests": 5], parent: quota)
        for _ in 0..<5 { #expect(pool.tryAcquire(["requests": 1]).isAccepted) }
        #expect(!pool.canAcquire(["requests": 1]))
        pool.release(["requests": 1])
        #expect(pool.available == ["requests": 1])
        #expect(quota.available == ["requests": 95])
    }

    @Test func releaseThroughQuotaReturnsBudgetAboveIt() throws {
        let global = try ResourceCapacitySource(limits: ["requests": 10])
        let quota = try QuotaCapacitySource(limits: ["requests": 100], parent: global)
        try quota.acquireImmediate(["requests": 4])
        quota.release(["requests": 4])
        #expect(quota.available == ["requests": 96])
        #expect(global.available == ["requests": 10])
    }

    @Test func reconcileStillAdjustsTheBooks() throws {
        let quota = try QuotaCapacitySource(limits: ["tokens": 1000])
        try quota.acquireImmediate(["tokens": 300])
        try quota.reconcile(estimated: ["tokens": 300], actual: ["tokens": 220])
        #expect(quota.available == ["tokens": 780])
    }

    @Test func periodicIncrementNeverExceedsLimit() async throws {
        let clock = ManualClock()
        let quota = try QuotaCapacitySource(limits: ["tokens": 5], clock: clock)
        try quota.acquireImmediate(["tokens": 3])
        let signals = quota.changes()
        var iterator = signals.makeAsyncIterator()
        try quota.startPeriodicIncrement(every: .milliseconds(500), amount: ["tokens": 2])
        var seen: [Double] = []
        for _ in 0..<3 {
            await clock.waitForSleepers(1)
            clock.advance(by: .milliseconds(500))
            await iterator.next()
            seen.append(quota.available["tokens"])
        }
        #expect(seen == [4, 5, 5])
        quota.stopTimer()
    }

    @Test func periodicResetRefillsEachInterval() async throws {
        let clock = ManualClock()
        let quota = try QuotaCapacitySource(limits: ["requests": 3], clock: clock)
        quota.startPeriodicReset(every: .seconds(60))
        try quota.acquireImmediate(["requests": 3])
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(60))
        #expect(try await quota.waitObject.wait() == true)
        #expect(quota.available == ["requests": 3])
        quota.stopTimer()
    }

    @Test func stopTimerIsIdempotentAndStopsRefills() async throws {
        let clock = ManualClock()
        let quota = try QuotaCapacitySource(limits: ["tokens": 10], clock: clock)
        quota.stopTimer()
        try quota.startPeriodicIncrement(every: .seconds(1), amount: ["tokens": 1])
        #expect(quota.isTimerRunning)
        await clock.waitForSleepers(1)
        try quota.acquireImmediate(["tokens": 10])
        quota.stopTimer()
        quota.stopTimer()
        #expect(!quota.isTimerRunning)
        #expect(clock.sleeperCount == 0)  // the cancelled sleep left the clock
        clock.advance(by: .seconds(5))
        #expect(quota.available == ["tokens": 0])
    }

    @Test func startingOneTimerStopsTheOther() async throws {
        let clock = ManualClock()
        let quota = try QuotaCapacitySource(limits: ["tokens": 10], clock: clock)
        quota.startPeriodicReset(every: .seconds(1))
        await clock.waitForSleepers(1)
        try quota.startPeriodicIncrement(every: .seconds(10), amount: ["tokens": 1])
        await clock.waitForSleepers(1)
        #expect(clock.sleeperCount == 1)
        try quota.acquireImmediate(["tokens": 5])
        clock.advance(by: .seconds(1))  // the reset timer would fire here
        #expect(quota.available == ["tokens": 5])
        clock.advance(by: .seconds(9))
        #expect(try await quota.waitObject.wait() == true)
        #expect(quota.available == ["tokens": 6])
        quota.stopTimer()
    }

    @Test func negativeIncrementIsRejectedWithoutStartingATimer() throws {
        let quota = try QuotaCapacitySource(limits: ["tokens": 10], clock: ManualClock())
        #expect(throws: CapacityError.self) {
            try quota.startPeriodicIncrement(every: .seconds(1), amount: ["tokens": -1])
        }
        #expect(!quota.isTimerRunning)
    }
}
