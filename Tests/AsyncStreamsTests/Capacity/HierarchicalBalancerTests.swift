import AsyncStreams
import Testing

private func makeChild(limit: Double, min: Double = 1, max: Double = 12) throws -> HierarchicalBalancer.Child {
    let capacity = try ResourceCapacitySource(limits: ["slots": limit])
    return HierarchicalBalancer.Child(capacity: capacity, min: ["slots": min], max: ["slots": max])
}

@Suite(.timeLimit(.minutes(1))) struct HierarchicalBalancerTests {
    @Test func optionsHaveDocumentedDefaults() throws {
        let balancer = HierarchicalBalancer(children: [try makeChild(limit: 4)], clock: ManualClock())
        let options = balancer.options
        #expect(options.checkInterval == .seconds(1))
        #expect(options.idleTimeThreshold == .seconds(5))
        #expect(options.busyTimeThreshold == .seconds(5))
        #expect(options.idleThreshold == 0.3)
        #expect(options.busyThreshold == 0.85)
        #expect(options.increment == ["slots": 1])
        #expect(!balancer.isRunning)
    }

    @Test func idleChildShrinksByOneAfterThresholdAndAgainAfterAnother() throws {
        let clock = ManualClock()
        let child = try makeChild(limit: 4)
        let balancer = HierarchicalBalancer(children: [child], clock: clock)
        clock.advance(by: .seconds(4))
        balancer.check()
        #expect(child.capacity.limits == ["slots": 4])
        clock.advance(by: .seconds(1))
        balancer.check()
        #expect(child.capacity.limits == ["slots": 3])
        clock.advance(by: .seconds(4))
        balancer.check()
        #expect(child.capacity.limits == ["slots": 3])  // the timer restarted after the action
        clock.advance(by: .seconds(1))
        balancer.check()
        #expect(child.capacity.limits == ["slots": 2])
    }

    @Test func shrinkingStopsAtMinAndGrowingStopsAtMax() throws {
        let clock = ManualClock()
        let idle = try makeChild(limit: 2, min: 1)
        let busy = try makeChild(limit: 4, max: 5)
        try busy.capacity.acquireImmediate(["slots": 4])
        let balancer = HierarchicalBalancer(children: [idle, busy], clock: clock)
        for _ in 0..<5 {
            clock.advance(by: .seconds(5))
            balancer.check()
            try busy.capacity.acquireImmediate(["slots": busy.capacity.available["slots"]])
        }
        #expect(idle.capacity.limits == ["slots": 1])
        #expect(busy.capacity.limits == ["slots": 5])
    }

    @Test func anyBusyResourceMakesChildBusyNotIdle() throws {
        let clock = ManualClock()
        let capacity = try ResourceCapacitySource(limits: ["cpu": 10, "gpu": 10])
        try capacity.acquireImmediate(["cpu": 9, "gpu": 1])
        let child = HierarchicalBalancer.Child(capacity: capacity, min: ["cpu": 1], max: ["cpu": 20])
        let balancer = HierarchicalBalancer(children: [child], clock: clock)
        #expect(balancer.loads == [.busy])
        clock.advance(by: .seconds(5))
        balancer.check()
        #expect(capacity.limits == ["cpu": 11, "gpu": 10])  // gpu has no bounds, so it is not adjusted
    }

    @Test func comparisonsAreStrict() throws {
        let exactlyBusy = try makeChild(limit: 20)
        try exactlyBusy.capacity.acquireImmediate(["slots": 17])  // 0.85, not above
        let exactlyIdle = try makeChild(limit: 10)
        try exactlyIdle.capacity.acquireImmediate(["slots": 3])  // 0.3, not below
        let balancer = HierarchicalBalancer(children: [exactlyBusy, exactlyIdle], clock: ManualClock())
        #expect(balancer.loads == [.neutral, .neutral])
    }

    @Test func shortInterruptionCausesNoAction() throws {
        let clock = ManualClock()
        let child = try makeChild(limit: 10)
        let balancer = HierarchicalBalancer(children: [child], clock: clock)
        clock.advance(by: .seconds(3))
        balancer.check()
        try child.capacity.acquireImmediate(["slots": 9])  // spike: busy
        clock.advance(by: .seconds(1))
        balancer.check()
        child.capacity.release(["slots": 9])  // back to idle
        clock.advance(by: .seconds(1))
        balancer.check()
        clock.advance(by: .seconds(4))
        balancer.check()
        #expect(child.capacity.limits == ["slots": 10])
        clock.advance(by: .seconds(1))
        balancer.check()
        #expect(child.capacity.limits == ["slots": 9])
    }

    @Test func startTwiceRunsOneLoopAndStopEndsIt() async throws {
        let clock = ManualClock()
        let child = try makeChild(limit: 10)
        let options = HierarchicalBalancer.Options(idleTimeThreshold: .zero)
        let balancer = HierarchicalBalancer(children: [child], options: options, clock: clock)
        var changes = child.capacity.changes().makeAsyncIterator()
        balancer.start()
        balancer.start()
        #expect(balancer.isRunning)
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(1))
        await changes.next()
        await clock.waitForSleepers(1)
        #expect(balancer.checkCount == 1)
        #expect(clock.sleeperCount == 1)
        #expect(child.capacity.limits == ["slots": 9])
        balancer.stop()
        balancer.stop()
        #expect(!balancer.isRunning)
        #expect(clock.sleeperCount == 0)
        clock.advance(by: .seconds(10))
        #expect(balancer.checkCount == 1)
    }
}
