import Testing

@testable import AsyncStreams

@Suite(.timeLimit(.minutes(1)))
struct PrioritySourceObjTests {
    @Test func pullsHighestFirstThenDrainsAfterClose() async throws {
        let source = PrioritySourceObj<String>()
        try source.enqueue("low", priority: 1)
        try source.enqueue("high", priority: 10)
        try source.enqueue("med", priority: 5)
        var iterator = source.makeAsyncIterator()
        #expect(await iterator.next() == "high")
        #expect(await iterator.next() == "med")
        source.closeSource()
        #expect(source.isClosed)
        #expect(!source.isFinished)
        #expect(await iterator.next() == "low")
        #expect(await iterator.next() == nil)
        #expect(source.isFinished)
    }

    @Test func equalPrioritiesWithoutAgingComeOutInEnqueueOrder() async throws {
        let source = PrioritySourceObj<Int>()
        for value in 0..<20 { try source.enqueue(value, priority: 3) }
        source.closeSource()
        var seen: [Int] = []
        for await value in source { seen.append(value) }
        #expect(seen == Array(0..<20))
    }

    @Test func enqueueAfterCloseThrowsClosed() throws {
        let source = PrioritySourceObj<Int>()
        source.closeSource()
        let error = try #require(throws: SourceError.self) { try source.enqueue(1, priority: 1) }
        #expect(error.code == .closed)
        #expect(error.description.contains("closed"))
        #expect(source.count == 0)
    }

    @Test func agedItemBeatsFreshItemAndStopsAtCap() throws {
        let clock = ManualClock()
        let source = PrioritySourceObj<String>(agingRate: 0.01, maxAgeBoost: 5, clock: clock)
        try source.enqueue("old", priority: 1)
        clock.advance(by: .milliseconds(500))
        try source.enqueue("fresh-5", priority: 5)
        #expect(source.peek() == "old", "1 + 0.01 × 500 = 6 beats a fresh 5")
        #expect(source.take(where: { $0 == "old" }) == "old")

        let capped = PrioritySourceObj<String>(agingRate: 0.01, maxAgeBoost: 5, clock: clock)
        try capped.enqueue("old", priority: 1)
        clock.advance(by: .seconds(10))
        try capped.enqueue("fresh-6", priority: 6)
        #expect(capped.peek() == "old", "capped at 6: ties with a fresh 6, FIFO favours the older item")
        try capped.enqueue("fresh-6.5", priority: 6.5)
        #expect(capped.peek() == "fresh-6.5", "still 6 after 10 s, so a fresh 6.5 wins")
    }

    @Test func tierExampleFreeTierTiesAtEightSecondsAndWinsAtNine() throws {
        let clock = ManualClock()
        let atEight = PrioritySourceObj<String>(agingRate: 0.005, maxAgeBoost: 45, clock: clock)
        try atEight.enqueue("free", priority: 10)
        clock.advance(by: .seconds(8))
        try atEight.enqueue("standard-50", priority: 50)
        #expect(atEight.peek() == "free", "tie at 50: FIFO favours the older item")

        let atNine = PrioritySourceObj<String>(agingRate: 0.005, maxAgeBoost: 45, clock: clock)
        try atNine.enqueue("free", priority: 10)
        clock.advance(by: .seconds(9))
        try atNine.enqueue("standard-54", priority: 54)
        #expect(atNine.peek() == "free", "10 + 45 = 55 beats a fresh 54")

        let later = PrioritySourceObj<String>(agingRate: 0.005, maxAgeBoost: 45, clock: clock)
        try later.enqueue("free", priority: 10)
        clock.advance(by: .seconds(3_600))
        try later.enqueue("premium", priority: 100)
        #expect(later.peek() == "premium", "the cap keeps free below a fresh premium item")
    }

    @Test func effectivePriorityIsReevaluatedAtEachPeek() throws {
        let clock = ManualClock()
        let source = PrioritySourceObj<String>(agingRate: 1, maxAgeBoost: 10, clock: clock)
        try source.enqueue("a", priority: 0)
        clock.advance(by: .milliseconds(6))
        try source.enqueue("b", priority: 5)
        #expect(source.peek() == "a")
        clock.advance(by: .milliseconds(14))
        #expect(source.peek() == "b", "a reached its cap (10) and b (5 + 10) overtook it")
    }

    @Test func pullOnOpenEmptySourceSuspendsUntilEnqueue() async throws {
        let source = PrioritySourceObj<Int>()
        let consumer = Task { await source.first(where: { _ in true }) }
        await waitUntil("a consumer parks on the source") { source.storage.waiterCount == 1 }
        #expect(!source.isFinished)
        try source.enqueue(7, priority: 1)
        #expect(try await consumer.value(within: "the consumer task to finish") == 7)
        #expect(source.count == 0)
    }

    @Test func closeEndsConsumerWaitingOnEmptySource() async throws {
        let source = PrioritySourceObj<Int>()
        let consumer = Task { await source.first(where: { _ in true }) }
        await waitUntil("a consumer parks on the source") { source.storage.waiterCount == 1 }
        source.closeSource()
        #expect(try await consumer.value(within: "the consumer task to finish") == nil)
        #expect(source.isFinished)
    }

    @Test func countDropsByOnePerPullAndPeekLeavesItUnchanged() async throws {
        let source = PrioritySourceObj<Int>()
        for value in 0..<3 { try source.enqueue(value, priority: Double(value)) }
        #expect(source.count == 3)
        _ = source.peek()
        #expect(source.count == 3)
        var iterator = source.makeAsyncIterator()
        _ = await iterator.next()
        #expect(source.count == 2)
        _ = source.take(where: { _ in true })
        #expect(source.count == 1)
    }

    @Test func takeWhereDeclinedKeepsItem() throws {
        let source = PrioritySourceObj<Int>()
        try source.enqueue(1, priority: 1)
        #expect(source.take(where: { _ in false }) == nil)
        #expect(source.count == 1)
    }

    @Test func cancelledWaitingConsumerLosesNothing() async throws {
        let source = PrioritySourceObj<Int>()
        let consumer = Task { await source.first(where: { _ in true }) }
        await waitUntil("a consumer parks on the source") { source.storage.waiterCount == 1 }
        consumer.cancel()
        #expect(try await consumer.value(within: "the consumer task to finish") == nil)
        try source.enqueue(3, priority: 1)
        #expect(source.peek() == 3)
    }

    @Test func changesSignalEnqueueAndEndWhenFinished() async throws {
        let source = PrioritySourceObj<Int>()
        var changes = source.changes().makeAsyncIterator()
        try source.enqueue(1, priority: 1)
        #expect(await changes.next() != nil)
        source.closeSource()
        _ = source.take(where: { _ in true })
        while await changes.next() != nil {}
        #expect(source.isFinished)
    }

    @Test func openEmptySourceKeepsRunnerAliveUntilCloseAndDrain() async throws {
        let source = PrioritySourceObj<String>()
        let runner = Task { await drainLikeARunner(source) }
        try source.enqueue("late", priority: 1)
        try source.enqueue("later", priority: 2)
        source.closeSource()
        let taken = try await runner.value(within: "the runner task to finish")
        #expect(Set(taken) == ["late", "later"])
        #expect(source.isFinished)
    }

    @Test func manyProducersOneConsumerLoseNothing() async throws {
        let source = PrioritySourceObj<Int>()
        let consumer = Task {
            var seen: [Int] = []
            for await value in source { seen.append(value) }
            return seen
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<6 {
                group.addTask {
                    for index in 0..<1_000 { try source.enqueue(producer * 1_000 + index, priority: Double(index % 7)) }
                }
            }
            try await group.waitForAll()
        }
        source.closeSource()
        let seen = try await consumer.value(within: "the consumer task to finish")
        #expect(seen.count == 6_000)
        #expect(Set(seen).count == 6_000)
    }

    /// 100,000 operations with aging and a cap, served in priority order. No wall-clock assertion (the
    /// benchmark measures speed); an O(n) step per operation would take minutes and hit the time limit.
    @Test(.timeLimit(.minutes(2))) func servesFiftyThousandAgedItemsInPriorityOrder() async throws {
        // A manual clock that never moves: every item has the same age, so the order cannot depend on how
        // fast the machine enqueues.
        let source = PrioritySourceObj<Int>(agingRate: 0.001, maxAgeBoost: 5, clock: ManualClock())
        let operations = 50_000
        for value in 0..<operations {
            try source.enqueue(value, priority: Double(value % 100))
            if value % 5_000 == 0 { await Task.yield() }  // leave the cooperative pool's threads to others
        }
        var served: [Int] = []
        served.reserveCapacity(operations)
        while let value = source.take(where: { _ in true }) {
            served.append(value)
            if served.count % 5_000 == 0 { await Task.yield() }
        }
        #expect(source.count == 0)
        #expect(served.count == operations)
        #expect(Set(served).count == operations)
        // With no time passing, order is by priority alone: the first served item has the top priority, 99.
        #expect(served.first.map { $0 % 100 } == 99)
    }
}
