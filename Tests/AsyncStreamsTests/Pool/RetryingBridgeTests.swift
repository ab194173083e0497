import Synchronization
import Testing

@testable import AsyncStreams

@Suite(.timeLimit(.minutes(1))) struct RetryingBridgeTests {
    typealias Step = ScheduledTask<Never, String>
    typealias Source = PriorityDependencySourceObj<String, Step>

    static let etl: [(key: String, dependencies: [String])] = [
        ("fetch", []), ("parse", ["fetch"]), ("validate", ["parse"]), ("transform", ["parse"]),
        ("save", ["validate", "transform"]),
    ]

    /// An ETL pipeline (fetch, parse, save); `parse` fails its first `parseFailures` attempts. Records parse's start times.
    func pipeline(
        clock: ManualClock,
        parseFailures: Int,
        starts: Locked<[Duration]>
    ) throws -> (Source, RetryingBridge, ScheduledTaskPoolRunner<Source, Never, String>, ResourceCapacitySource) {
        let bridge = RetryingBridge(policy: RetryPolicy(maxAttempts: 3, jitter: 0))
        let graph = DependencyGraph<String>()
        var tasks: [String: Step] = [:]
        for (key, dependencies) in Self.etl {
            try graph.addNode(key, dependencies: dependencies)
            let task = Step(key: key) {
                guard key == "parse" else { return key }
                let attempt = starts.withLock { starts in
                    starts.append(clock.now.offset)
                    return starts.count
                }
                if attempt <= parseFailures { throw TestFailure(name: "parse #\(attempt)") }
                return key
            }
            tasks[key] = bridge.wire(task)
        }
        let source = try Source(graph: graph, tasks: tasks, clock: clock)
        bridge.connect(to: source)
        let capacity = try ResourceCapacitySource(limits: ["capacity": 2])
        return (source, bridge, ScheduledTaskPoolRunner(name: "etl", source: source, capacity: capacity), capacity)
    }

    @Test func taskFailingTwiceIsRetriedWithBackoffAndEverythingCompletes() async throws {
        let clock = ManualClock()
        let starts = Locked<[Duration]>([])
        let (source, bridge, runner, capacity) = try pipeline(clock: clock, parseFailures: 2, starts: starts)
        let consumer = Task { try await runner.runTasks(stopOnError: false).collect() }

        await clock.waitForSleepers(1)
        #expect(source.isRetryPending("parse"))
        clock.advance(by: .milliseconds(99))
        #expect(source.isRetryPending("parse"))
        clock.advance(by: .milliseconds(1))
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(200))

        let envelopes = try await consumer.value(within: "the consumer task to finish")
        #expect(starts.value == [.zero, .milliseconds(100), .milliseconds(300)])
        #expect(Set(envelopes.compactMap(\.output)) == ["fetch", "parse", "validate", "transform", "save"])
        #expect(envelopes.filter { $0.error != nil }.count == 2)
        #expect(bridge.abortedKeys.isEmpty)
        #expect(bridge.failedAttempts(of: "parse") == 0)
        #expect(source.isFinished)
        #expect(capacity.available == ["capacity": 2])
    }

    @Test func taskFailingThreeTimesAbortsItsDownstreamAndTheRunEnds() async throws {
        let clock = ManualClock()
        let starts = Locked<[Duration]>([])
        let (source, bridge, runner, capacity) = try pipeline(clock: clock, parseFailures: 3, starts: starts)
        let consumer = Task { try await runner.runTasks(stopOnError: false).collect() }

        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(100))
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(200))

        let envelopes = try await consumer.value(within: "the consumer task to finish")
        #expect(bridge.abortedKeys == ["parse", "validate", "transform", "save"])
        #expect(envelopes.compactMap(\.output) == ["fetch"])
        #expect(envelopes.filter { $0.error != nil }.map(\.key) == ["parse", "parse", "parse"])
        #expect(starts.value.count == 3)
        #expect(try source.withGraph { try $0.state(of: "fetch") } == .completed)
        #expect(source.isFinished)
        #expect(capacity.available == ["capacity": 2])
    }

    @Test func taskWaitingOutItsBackoffHoldsNoCapacity() async throws {
        let clock = ManualClock()
        let attempts = Locked(0)
        let bridge = RetryingBridge(policy: RetryPolicy(maxAttempts: 3, jitter: 0))
        let flaky = Step(key: "flaky") {
            let attempt = attempts.withLock { count in
                count += 1
                return count
            }
            if attempt == 1 { throw TestFailure(name: "flaky") }
            return "flaky"
        }
        let graph = DependencyGraph<String>()
        try graph.addNode("flaky")
        try graph.addNode("other")
        let source = try Source(
            graph: graph,
            tasks: ["flaky": bridge.wire(flaky), "other": bridge.wire(Step(key: "other") { "other" })],
            priority: { key, _ in key == "flaky" ? 10 : 1 },
            clock: clock
        )
        bridge.connect(to: source)
        let capacity = try ResourceCapacitySource(limits: ["capacity": 1])
        let runner = ScheduledTaskPoolRunner(name: "backoff", source: source, capacity: capacity)
        var iterator = runner.runTasks(stopOnError: false).makeAsyncIterator()

        let first = try #require(try await iterator.next())
        #expect(first.key == "flaky" && first.error != nil)
        // The only slot is free during the backoff: "other" runs without the clock moving.
        let second = try #require(try await iterator.next())
        #expect(second.output == "other")
        #expect(clock.now.offset == .zero)
        #expect(source.isRetryPending("flaky"))
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(100))
        let third = try #require(try await iterator.next())
        #expect(third.output == "flaky")
        #expect(try await iterator.next() == nil)
        #expect(third.taskID == 3)
    }

    @Test func costThatCanNeverFitIsAbortedWithoutRetry() async throws {
        let bridge = RetryingBridge(policy: RetryPolicy(maxAttempts: 5, jitter: 0))
        let graph = DependencyGraph<String>()
        try graph.addNode("huge")
        try graph.addNode("after", dependencies: ["huge"])
        let tasks = [
            "huge": bridge.wire(Step(key: "huge", cost: ["gpu": 9]) { "never" }),
            "after": bridge.wire(Step(key: "after") { "never" }),
        ]
        let source = try Source(graph: graph, tasks: tasks)
        bridge.connect(to: source)
        let capacity = try ResourceCapacitySource(limits: ["gpu": 8, "capacity": 1])
        let runner = ScheduledTaskPoolRunner(name: "t", source: source, capacity: capacity)
        let envelopes = try await runner.runTasks(stopOnError: false).collect()
        #expect(envelopes.count == 1)
        #expect((envelopes.first?.error as? CapacityError)?.code == .exceedsLimit)
        #expect(bridge.abortedKeys == ["huge", "after"])
        #expect(bridge.sourceErrors.isEmpty)
    }

    @Test func taskOwnCallbacksRunBeforeTheBridge() async throws {
        let bridge = RetryingBridge()
        let order = Locked<[String]>([])
        let reference = SourceBox<Source>()
        let task = Step(
            key: "a",
            run: { "a" },
            onComplete: { task, _ in
                let state = try? reference.value?.withGraph { try $0.state(of: task.key) }
                order.withLock { $0.append("own:\(state.map(String.init(describing:)) ?? "?")") }
            }
        )
        let graph = DependencyGraph<String>()
        try graph.addNode("a")
        let source = try Source(graph: graph, tasks: ["a": bridge.wire(task)])
        reference.value = source
        bridge.connect(to: source)
        let capacity = try ResourceCapacitySource(limits: ["capacity": 1])
        _ = try await ScheduledTaskPoolRunner(name: "t", source: source, capacity: capacity).runTasks().collect()
        #expect(order.value == ["own:running"])
        #expect(source.isFinished)
    }
}
