import Testing

@testable import AsyncStreams

/// Delayed retry (`fail(_:retryAfter:)`) on both graph sources, and retry scenarios on an ETL pipeline.
@Suite(.timeLimit(.minutes(1)))
struct GraphSourceRetryTests {
    private static let etl: [(String, [String])] = [
        ("fetch", []), ("parse", ["fetch"]), ("validate", ["parse"]), ("transform", ["parse"]),
        ("save", ["validate", "transform"]),
    ]

    private func makeSource(
        _ nodes: [(String, [String])], clock: ManualClock
    ) throws -> PriorityDependencySourceObj<String, String> {
        let graph = try DependencyGraph.flowFixture(nodes)
        return try PriorityDependencySourceObj(graph: graph, tasks: identityTasks(nodes.map(\.0)), clock: clock)
    }

    @Test func retryIsHiddenUntilDelayElapsesThenQueued() async throws {
        let clock = ManualClock()
        let source = try makeSource([("a", [])], clock: clock)
        #expect(source.take(where: { _ in true }) == "a")
        try source.fail("a", retryAfter: .seconds(1))
        #expect(source.peek() == nil)
        #expect(source.queueSize == 0)
        #expect(source.isRetryPending("a"))
        #expect(source.pendingRetryCount == 1)
        #expect(!source.isFinished)
        #expect(try source.withGraph { try $0.state(of: "a") } == .ready, "left running at once")

        var changes = source.changes().makeAsyncIterator()
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(999))
        #expect(clock.sleeperCount == 1)
        #expect(source.peek() == nil)
        clock.advance(by: .milliseconds(1))
        #expect(await changes.next() != nil)
        #expect(source.peekKey() == "a")
        #expect(!source.isRetryPending("a"))
        #expect(source.take(where: { _ in true }) == "a")
        try source.complete("a")
        #expect(source.isFinished)
    }

    @Test func waitingConsumerReceivesTaskWhenRetryMatures() async throws {
        let clock = ManualClock()
        let source = try makeSource([("a", [])], clock: clock)
        var pulls = source.makeAsyncIterator()
        #expect(await pulls.next() == "a")
        try source.fail("a", retryAfter: .milliseconds(250))
        let consumer = Task { await source.first(where: { _ in true }) }
        await waitUntil("a consumer parks on the source") { source.storage.waiterCount == 1 }
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(250))
        #expect(try await consumer.value(within: "the consumer task to finish") == "a")
        #expect(try source.withGraph { try $0.state(of: "a") } == .running)
    }

    @Test func abortCancelsPendingRetryAndItsTimer() async throws {
        let clock = ManualClock()
        let source = try makeSource([("a", []), ("b", ["a"])], clock: clock)
        _ = source.take(where: { _ in true })
        try source.fail("a", retryAfter: .seconds(5))
        await clock.waitForSleepers(1)
        #expect(try source.abort("a") == ["a", "b"])
        #expect(!source.isRetryPending("a"))
        #expect(clock.sleeperCount == 0, "the timer task was cancelled")
        #expect(source.isFinished)
        clock.advance(by: .seconds(10))
        #expect(source.peek() == nil)
    }

    @Test func earlierRetryReplacesTheSingleTimer() async throws {
        let clock = ManualClock()
        let source = try makeSource([("a", []), ("b", [])], clock: clock)
        _ = source.take(where: { $0 == "a" })
        _ = source.take(where: { $0 == "b" })
        try source.fail("a", retryAfter: .seconds(5))
        try source.fail("b", retryAfter: .seconds(1))
        await clock.waitForSleepers(1)
        #expect(clock.sleeperCount == 1, "one timer task per source, not one per retry")

        var changes = source.changes().makeAsyncIterator()
        clock.advance(by: .seconds(1))
        #expect(await changes.next() != nil)
        #expect(source.peekKey() == "b")
        #expect(source.isRetryPending("a"))

        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(4))
        #expect(await changes.next() != nil)
        #expect(source.queueSize == 2)
        #expect(source.pendingRetryCount == 0)
    }

    @Test func simultaneousDeadlinesAreReleasedTogether() async throws {
        let clock = ManualClock()
        let source = try makeSource([("a", []), ("b", [])], clock: clock)
        _ = source.take(where: { _ in true })
        _ = source.take(where: { _ in true })
        try source.fail("a", retryAfter: .seconds(2))
        try source.fail("b", retryAfter: .seconds(2))
        var changes = source.changes().makeAsyncIterator()
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(2))
        #expect(await changes.next() != nil)
        #expect(source.queueSize == 2)
    }

    @Test func retryOfNodeThatIsNotRunningThrowsAndSchedulesNothing() throws {
        let clock = ManualClock()
        let source = try makeSource([("a", [])], clock: clock)
        let error = try #require(throws: GraphError.self) { try source.fail("a", retryAfter: .seconds(1)) }
        #expect(error.code == .invalidTransition)
        #expect(!source.isRetryPending("a"))
        #expect(source.peekKey() == "a")
    }

    @Test func zeroDelayRetriesImmediately() throws {
        let clock = ManualClock()
        let source = try makeSource([("a", [])], clock: clock)
        _ = source.take(where: { _ in true })
        try source.fail("a", retryAfter: .zero)
        #expect(source.peekKey() == "a")
    }

    @Test func releasingSourceCancelsItsTimer() async throws {
        let clock = ManualClock()
        do {
            let source = try makeSource([("a", [])], clock: clock)
            _ = source.take(where: { _ in true })
            try source.fail("a", retryAfter: .seconds(1))
            await clock.waitForSleepers(1)
        }
        #expect(clock.sleeperCount == 0)
    }

    @Test func dependencySourceSupportsDelayedRetryToo() async throws {
        let clock = ManualClock()
        let graph = try DependencyGraph.flowFixture([("a", []), ("b", [])])
        let source = try DependencySourceObj(graph: graph, tasks: identityTasks(["a", "b"]), clock: clock)
        #expect(source.take(where: { _ in true }) == "a")
        try source.fail("a", retryAfter: .seconds(1))
        #expect(source.peekKey() == "b")
        #expect(source.take(where: { _ in true }) == "b")
        #expect(source.peek() == nil)
        var changes = source.changes().makeAsyncIterator()
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(1))
        #expect(await changes.next() != nil)
        #expect(source.peekKey() == "a")
    }

    // MARK: - Scenarios

    /// Runs the ETL graph with a policy, failing `parse` `parseFailures` times; returns the observed
    /// delays between each failure of parse and its next start, and the source.
    private func runETL(
        parseFailures: Int, policy: RetryPolicy
    ) async throws -> (
        delays: [Duration], parseRuns: Int, aborted: [String], source: PriorityDependencySourceObj<String, String>
    ) {
        let clock = ManualClock()
        let source = try makeSource(Self.etl, clock: clock)
        var generator = SplitMix64(seed: 7)
        var attempts: [String: Int] = [:]
        var failedAt: ManualClock.Instant?
        var delays: [Duration] = []
        var aborted: [String] = []
        var parseRuns = 0
        while !source.isFinished {
            guard let key = source.take(where: { _ in true }) else {
                // Only a backoff can leave nothing queued here: let the clock reach the deadline.
                guard await clock.waitForSleepers(1) else { break }
                let changes = source.changes()
                clock.advance(by: .seconds(60))
                for await _ in changes { break }
                continue
            }
            if key == "parse" {
                parseRuns += 1
                if let failedAt { delays.append(failedAt.duration(to: clock.now)) }
                if parseRuns <= parseFailures {
                    attempts[key, default: 0] += 1
                    if let delay = policy.delay(afterFailedAttempt: attempts[key]!, using: &generator) {
                        try source.fail(key, retryAfter: delay)
                        failedAt = clock.now
                        // Advance exactly to the deadline so the observed delay is the backoff itself.
                        await clock.waitForSleepers(1)
                        let changes = source.changes()
                        clock.advance(by: delay)
                        for await _ in changes { break }
                    } else {
                        aborted = try source.abort(key)
                    }
                    continue
                }
            }
            try source.complete(key)
        }
        return (delays, parseRuns, aborted, source)
    }

    @Test func parseFailsTwiceThenSucceedsWithBackoff() async throws {
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(100), jitter: 0)
        let run = try await runETL(parseFailures: 2, policy: policy)
        #expect(run.parseRuns == 3)
        #expect(run.aborted.isEmpty)
        #expect(run.source.withGraph { ($0.completedCount, $0.abortedCount) } == (5, 0))
        #expect(run.delays.count == 2)
        #expect(run.delays[0] >= .milliseconds(100))
        #expect(run.delays[1] >= .milliseconds(200))
    }

    @Test func parseFailsThreeTimesAndAbortCascades() async throws {
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(100), jitter: 0)
        let run = try await runETL(parseFailures: 3, policy: policy)
        #expect(run.aborted == ["parse", "validate", "transform", "save"])
        #expect(try run.source.withGraph { try $0.state(of: "fetch") } == .completed)
        #expect(run.source.withGraph { ($0.completedCount, $0.abortedCount) } == (1, 4))
        #expect(run.source.isFinished)
    }

    @Test func retryOnlyWiringRetriesForeverUntilCapped() throws {
        let clock = ManualClock()
        let source = try makeSource([("flaky", [])], clock: clock)
        var runs = 0
        while let key = source.take(where: { _ in true }), runs < 25 {
            runs += 1
            try source.fail(key)
        }
        #expect(runs == 25, "without a cap on attempts the task keeps coming back")
        #expect(!source.isFinished)
        try source.abort("flaky")
        #expect(source.isFinished)
    }
}
