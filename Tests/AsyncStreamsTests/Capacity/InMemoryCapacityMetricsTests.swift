import AsyncStreams
import Testing

@Suite struct InMemoryCapacityMetricsTests {
    @Test func constructorReportsInitialLimits() throws {
        let metrics = InMemoryCapacityMetrics()
        _ = try ResourceCapacitySource(limits: ["gpu": 4], metrics: metrics)
        #expect(metrics.snapshot.setLimitsCount == 1)
        #expect(metrics.snapshot.limits == ["gpu": 4])
    }

    @Test func onlyTryAcquireReportsAcquisitions() throws {
        let metrics = InMemoryCapacityMetrics()
        let source = try ResourceCapacitySource(limits: ["gpu": 4], metrics: metrics)
        _ = source.canAcquire(["gpu": 1])
        try source.acquireImmediate(["gpu": 1])
        #expect(metrics.snapshot.acceptedCount == 0)
        #expect(source.tryAcquire(["gpu": 2]).isAccepted)
        #expect(!source.tryAcquire(["gpu": 5]).isAccepted)
        #expect(!source.tryAcquire(["gpu": -1]).isAccepted)
        let snapshot = metrics.snapshot
        #expect(snapshot.acceptedCount == 1)
        #expect(snapshot.rejectedCount == 2)
        #expect(snapshot.acquiredTotal == ["gpu": 2])
        #expect(snapshot.rejectedTotal == ["gpu": 5])
        #expect(snapshot.inFlight == ["gpu": 2])
        #expect(snapshot.utilization == ["gpu": 0.5])
    }

    @Test func releaseResetIncrementAndSetLimitsAreCounted() throws {
        let metrics = InMemoryCapacityMetrics()
        let source = try ResourceCapacitySource(limits: ["gpu": 4], metrics: metrics)
        _ = source.tryAcquire(["gpu": 3])
        source.release(["gpu": 1])
        source.reset()
        try source.increment(["gpu": 1])
        try source.setLimits(["gpu": 8])
        let snapshot = metrics.snapshot
        #expect(snapshot.releaseCount == 1)
        #expect(snapshot.releasedTotal == ["gpu": 1])
        #expect(snapshot.inFlight == ["gpu": 2])
        #expect(snapshot.resetCount == 1)
        #expect(snapshot.incrementCount == 1)
        #expect(snapshot.setLimitsCount == 2)
        #expect(snapshot.limits == ["gpu": 8])
    }

    @Test func quotaReleaseIsNotReported() throws {
        let metrics = InMemoryCapacityMetrics()
        let quota = try QuotaCapacitySource(limits: ["requests": 2], metrics: metrics)
        _ = quota.tryAcquire(["requests": 1])
        quota.release(["requests": 1])
        #expect(metrics.snapshot.releaseCount == 0)
        #expect(metrics.snapshot.inFlight == ["requests": 1])
    }
}
