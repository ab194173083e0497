import Synchronization
import Testing

@testable import AsyncStreams

/// How runs are consumed: the bounded stream's pacing, and the structured `run(forEach:)`.
@Suite(.timeLimit(.minutes(1))) struct ScheduledTaskPoolRunnerConsumptionTests {
    typealias Job = ScheduledTask<Int, String>

    func jobs(_ count: Int, probe: TaskProbe) -> [Job] {
        (1...count).map { index in
            Job(key: "t\(index)") {
                await probe.start("t\(index)")
                return "t\(index)"
            }
        }
    }

    @Test func loopRunsAheadOfTheConsumerOnlyUntilTheBufferIsFull() async throws {
        let capacity = FakeCapacity(["capacity": 1])
        let probe = TaskProbe()
        let source = FakeTaskSource(jobs(10, probe: probe), closed: true)
        let runner = ScheduledTaskPoolRunner(name: "paced", source: source, ledger: capacity)
        let stream = runner.runTasks(bufferLimit: 2)
        var iterator = stream.makeAsyncIterator()
        #expect(try await iterator.next()?.output == "t1")
        // Not pulling: the loop buffers t2 and t3, takes t4, then waits for the consumer.
        await waitUntil("the producer waits for room in the buffer") { stream.handle.storage.isProducerWaiting }
        #expect(source.takeCount == 4)
        var outputs = ["t1"]
        while let envelope = try await iterator.next() { outputs.append(envelope.output ?? "?") }
        #expect(outputs == (1...10).map { "t\($0)" })
        #expect(source.takeCount == 10)
        #expect(capacity.isWhole)
    }

    @Test func structuredRunHandsEveryEnvelopeToTheHandlerInOrder() async throws {
        let capacity = FakeCapacity(["capacity": 2])
        let probe = TaskProbe()
        let (source, runner) = ScheduledTaskPoolRunnerTests().graphRun(
            [("a", [], .defaultTaskCost), ("b", ["a"], .defaultTaskCost), ("c", ["b"], .defaultTaskCost)],
            capacity: capacity,
            probe: probe
        )
        var seen: [String] = []
        try await runner.run { envelope in seen.append(envelope.key ?? "?") }
        #expect(seen == ["a", "b", "c"])
        #expect(source.isFinished)
        #expect(capacity.isWhole)
    }

    @Test func structuredRunRethrowsTheHandlerErrorAfterCleanup() async throws {
        let capacity = FakeCapacity(["capacity": 3])
        let probe = TaskProbe()
        let quick = Job(key: "quick") { "quick" }
        let blocked: [Job] = blockedJobs(4, probe: probe)
        let runner = ScheduledTaskPoolRunner(
            name: "t",
            source: FakeTaskSource([quick] + blocked, closed: true),
            ledger: capacity
        )
        await #expect(throws: TestFailure(name: "handler")) {
            try await runner.run { envelope in
                if envelope.output == "quick" {
                    await probe.waitForStarts(2)
                    throw TestFailure(name: "handler")
                }
            }
        }
        #expect(capacity.isWhole)
        #expect(capacity.acceptedCount == capacity.releaseCount)
    }

    @Test func structuredRunThrowsTheFirstTaskErrorWithStopOnError() async throws {
        let capacity = FakeCapacity(["capacity": 1])
        let runner = ScheduledTaskPoolRunner(
            name: "t",
            source: FakeTaskSource([Job(key: "bad") { throw TestFailure(name: "bad") }], closed: true),
            ledger: capacity
        )
        await #expect(throws: TestFailure(name: "bad")) { try await runner.run { _ in } }
        var errors = 0
        try await ScheduledTaskPoolRunner(
            name: "t",
            source: FakeTaskSource([Job(key: "bad") { throw TestFailure(name: "bad") }], closed: true),
            ledger: capacity
        ).run(stopOnError: false) { envelope in if envelope.error != nil { errors += 1 } }
        #expect(errors == 1)
        #expect(capacity.isWhole)
    }

    @Test func cancellingAStructuredRunReturnsAfterReleasingEverything() async throws {
        let capacity = FakeCapacity(["capacity": 2])
        let probe = TaskProbe()
        let blocked: [Job] = blockedJobs(5, probe: probe)
        let runner = ScheduledTaskPoolRunner(name: "t", source: FakeTaskSource(blocked, closed: true), ledger: capacity)
        let run = Task {
            var count = 0
            try await runner.run { _ in count += 1 }
            return count
        }
        await probe.waitForStarts(2)
        run.cancel()
        #expect(try await run.value(within: "the run task to finish") == 0)
        #expect(capacity.isWhole)
        #expect(capacity.acceptedCount == 2)
    }

    @Test func hierarchicalStructuredRunReportsErrorsAsEnvelopesByDefault() async throws {
        let slots = FakeSlots(2)
        let bodies: [TaskBody<Int, String>] = [.oneShot { "ok" }, .oneShot { throw TestFailure(name: "x") }]
        let runner = HierarchicalTaskPoolRunner(name: "t", source: FakeTaskSource(bodies, closed: true), slots: slots)
        var outputs: [String] = []
        var errors = 0
        try await runner.run { envelope in
            if let output = envelope.output { outputs.append(output) }
            if envelope.error != nil { errors += 1 }
        }
        #expect(outputs == ["ok"])
        #expect(errors == 1)
        #expect(slots.free == 2)
    }
}

/// Streamed runs let the worker whose task ended do the loop's work (see `ScheduledTaskPoolRunner`).
@Suite(.timeLimit(.minutes(1))) struct ScheduledTaskPoolRunnerWorkerDrivingTests {
    typealias Job = ScheduledTask<Never, Int>

    /// Counts how many callbacks run at once and how many bodies run at once.
    final class Overlap: Sendable {
        private let state = Mutex((callbacks: 0, peakCallbacks: 0, bodies: 0, peakBodies: 0))

        func enterCallback() {
            state.withLock {
                $0.callbacks += 1; $0.peakCallbacks = max($0.peakCallbacks, $0.callbacks)
            }
        }
        func leaveCallback() { state.withLock { $0.callbacks -= 1 } }
        func enterBody() {
            state.withLock {
                $0.bodies += 1; $0.peakBodies = max($0.peakBodies, $0.bodies)
            }
        }
        func leaveBody() { state.withLock { $0.bodies -= 1 } }
        var peakCallbacks: Int { state.withLock { $0.peakCallbacks } }
        var peakBodies: Int { state.withLock { $0.peakBodies } }
    }

    /// `count` tasks returning their index, wide or (with `chain`) each depending on the one before,
    /// whose bodies and `onComplete` callbacks are counted by `overlap`; `onCallback` runs in each callback,
    /// with the task's output.
    func countedGraphSource(
        count: Int, chain: Bool, overlap: Overlap, onCallback: @escaping @Sendable (Int) -> Void = { _ in }
    ) throws -> PriorityDependencySourceObj<String, Job> {
        let box = SourceBox<PriorityDependencySourceObj<String, Job>>()
        let graph = DependencyGraph<String>()
        var tasks: [String: Job] = [:]
        for index in 0..<count {
            let key = "n\(index)"
            try graph.addNode(key, dependencies: chain && index > 0 ? ["n\(index - 1)"] : [])
            tasks[key] = Job(key: key) {
                overlap.enterBody()
                await Task.yield()
                overlap.leaveBody()
                return index
            } onComplete: { task, output in
                onCallback(output)
                overlap.enterCallback()
                _ = try? box.value?.complete(task.key)
                overlap.leaveCallback()
            }
        }
        let source = try PriorityDependencySourceObj(graph: graph, tasks: tasks)
        box.value = source
        return source
    }

    @Test(arguments: [false, true])
    func streamedRunKeepsCallbacksSerialAndTheBudget(chain: Bool) async throws {
        let count = 400
        let overlap = Overlap()
        let source = try countedGraphSource(count: count, chain: chain, overlap: overlap)
        let capacity = try ResourceCapacitySource(limits: ["capacity": 4])
        let runner = ScheduledTaskPoolRunner(name: "workers", source: source, capacity: capacity)
        var outputs: [Int] = []
        for try await envelope in runner.runTasks() { outputs.append(try #require(envelope.output)) }
        #expect(outputs.sorted() == Array(0..<count))
        if chain { #expect(outputs == Array(0..<count)) }
        #expect(source.isFinished)
        #expect(overlap.peakCallbacks == 1)
        #expect(overlap.peakBodies <= 4)
        #expect(capacity.available == ["capacity": 4])
    }

    @Test(arguments: [false, true])
    func structuredRunHandlesNoEventWhileTheHandlerRuns(chain: Bool) async throws {
        let count = 300
        let overlap = Overlap()
        let inHandler = Mutex(false)
        let violations = Mutex(0)
        // A body may well run during the handler (the loop started it before delivering); an event handled
        // then (a callback) would break the pacing guarantee.
        let source = try countedGraphSource(count: count, chain: chain, overlap: overlap) { _ in
            if inHandler.withLock({ $0 }) { violations.withLock { $0 += 1 } }
        }
        let capacity = try ResourceCapacitySource(limits: ["capacity": 4])
        let runner = ScheduledTaskPoolRunner(name: "paced", source: source, capacity: capacity)
        var outputs: [Int] = []
        try await runner.run(stopOnError: false) { envelope in
            inHandler.withLock { $0 = true }
            // Give running workers every chance to drive while the handler runs.
            for _ in 0..<3 { await Task.yield() }
            outputs.append(envelope.output ?? -1)
            inHandler.withLock { $0 = false }
        }
        #expect(outputs.sorted() == Array(0..<count))
        if chain { #expect(outputs == Array(0..<count)) }
        #expect(violations.withLock { $0 } == 0)
        #expect(overlap.peakCallbacks == 1)
        #expect(overlap.peakBodies <= 4)
        #expect(source.isFinished)
        #expect(capacity.available == ["capacity": 4])
    }
}

/// `runToCompletion`: callbacks only, no envelopes.
@Suite(.timeLimit(.minutes(1))) struct ScheduledTaskPoolRunnerToCompletionTests {
    typealias Job = ScheduledTask<Never, String>

    @Test(arguments: [false, true])
    func everyTaskCompletesThroughItsCallbackSeriallyWithinTheBudget(chain: Bool) async throws {
        let count = 400
        let overlap = ScheduledTaskPoolRunnerWorkerDrivingTests.Overlap()
        let completed = Mutex<[Int]>([])
        let source = try ScheduledTaskPoolRunnerWorkerDrivingTests().countedGraphSource(
            count: count, chain: chain, overlap: overlap
        ) { output in completed.withLock { $0.append(output) } }
        let capacity = try ResourceCapacitySource(limits: ["capacity": 4])
        let runner = ScheduledTaskPoolRunner(name: "callbacks", source: source, capacity: capacity)
        try await runner.runToCompletion()
        let order = completed.withLock { $0 }
        #expect(order.sorted() == Array(0..<count))
        if chain { #expect(order == Array(0..<count)) }
        #expect(overlap.peakCallbacks == 1)
        #expect(overlap.peakBodies <= 4)
        #expect(source.isFinished)
        #expect(capacity.available == ["capacity": 4])
    }

    @Test func theFirstTaskErrorIsThrownAfterCleanupWithStopOnError() async throws {
        let capacity = FakeCapacity(["capacity": 3])
        let probe = TaskProbe()
        let failing = Job(key: "bad") {
            await probe.waitForStarts(2)
            throw TestFailure(name: "bad")
        }
        let blocked: [Job] = blockedJobs(4, probe: probe)
        let runner = ScheduledTaskPoolRunner(
            name: "t", source: FakeTaskSource([failing] + blocked, closed: true), ledger: capacity)
        await #expect(throws: TestFailure(name: "bad")) { try await runner.runToCompletion() }
        #expect(capacity.isWhole)
        #expect(capacity.acceptedCount == capacity.releaseCount)
    }

    @Test func withoutStopOnErrorErrorsReachOnErrorAndTheRunGoesOn() async throws {
        let capacity = FakeCapacity(["capacity": 2])
        let errors = Mutex<[String]>([])
        let outputs = Mutex<[String]>([])
        let jobs = (0..<6).map { index in
            Job(key: "j\(index)") {
                if index % 2 == 1 { throw TestFailure(name: "j\(index)") }
                return "j\(index)"
            } onComplete: { _, output in
                outputs.withLock { $0.append(output) }
            } onError: { task, _ in
                errors.withLock { $0.append(task.key) }
            }
        }
        let runner = ScheduledTaskPoolRunner(name: "t", source: FakeTaskSource(jobs, closed: true), ledger: capacity)
        try await runner.runToCompletion(stopOnError: false)
        #expect(errors.withLock { $0 }.sorted() == ["j1", "j3", "j5"])
        #expect(outputs.withLock { $0 }.sorted() == ["j0", "j2", "j4"])
        #expect(capacity.isWhole)
    }

    @Test func aCostThatCanNeverFitReachesOnErrorOrIsThrown() async throws {
        let rejected = Mutex<[String]>([])
        func jobs() -> [Job] {
            [
                Job(key: "huge", cost: ResourceCost(["capacity": 5])) {
                    "huge"
                } onError: { task, error in
                    if let error = error as? CapacityError, error.code == .exceedsLimit {
                        rejected.withLock { $0.append(task.key) }
                    }
                },
                Job(key: "small") { "small" },
            ]
        }
        let capacity = FakeCapacity(["capacity": 2])
        try await ScheduledTaskPoolRunner(name: "t", source: FakeTaskSource(jobs(), closed: true), ledger: capacity)
            .runToCompletion(stopOnError: false)
        #expect(rejected.withLock { $0 } == ["huge"])
        await #expect(throws: CapacityError.self) {
            try await ScheduledTaskPoolRunner(name: "t", source: FakeTaskSource(jobs(), closed: true), ledger: capacity)
                .runToCompletion()
        }
        #expect(capacity.isWhole)
    }

    @Test func cancellingTheCallerCancelsTheRunAndReleasesEverything() async throws {
        let capacity = FakeCapacity(["capacity": 2])
        let probe = TaskProbe()
        let blocked: [Job] = blockedJobs(5, probe: probe)
        let runner = ScheduledTaskPoolRunner(name: "t", source: FakeTaskSource(blocked, closed: true), ledger: capacity)
        let run = Task { try await runner.runToCompletion() }
        await probe.waitForStarts(2)
        run.cancel()
        try await run.value(within: "the run task to finish")
        #expect(capacity.isWhole)
        #expect(capacity.acceptedCount == 2)
    }
}
