import Testing

@testable import AsyncStreams

@Suite(.timeLimit(.minutes(1))) struct TaskSourceHandleTests {
    typealias Job = ScheduledTask<Never, String>

    /// fetch → parse → save, each completing its own node through its handle.
    private func chain(
        onError: (@Sendable (TaskSourceHandle, any Error) throws -> Void)? = nil,
        failing: Set<String> = [],
        attempts: Locked<[String: Int]> = Locked([:])
    ) throws -> PriorityDependencySourceObj<String, Job> {
        let graph = DependencyGraph<String>()
        try graph.addAll([("fetch", []), ("parse", ["fetch"]), ("save", ["parse"])])
        var tasks: [String: Job] = [:]
        for key in ["fetch", "parse", "save"] {
            tasks[key] = Job(key: key) {
                let attempt = attempts.withLock { attempts in
                    attempts[key, default: 0] += 1
                    return attempts[key]!
                }
                if failing.contains(key) && attempt == 1 { throw TestFailure(name: key) }
                return key
            } onComplete: { task, _ in
                try task.complete()
            } onError: { task, error in
                try onError?(task, error)
            }
        }
        return try PriorityDependencySourceObj(graph: graph, tasks: tasks)
    }

    @Test func callbacksCompleteTheirNodeThroughTheHandleWithoutAReferenceToTheSource() async throws {
        let source = try chain()
        let capacity = try ResourceCapacitySource(limits: ["capacity": 2])
        let envelopes = try await ScheduledTaskPoolRunner(name: "chain", source: source, capacity: capacity)
            .runTasks().collect()
        #expect(envelopes.finalKeys() == ["fetch", "parse", "save"])
        #expect(source.isFinished)
    }

    @Test func onErrorRetriesThroughTheHandle() async throws {
        let attempts = Locked<[String: Int]>([:])
        let source = try chain(onError: { task, _ in try task.fail() }, failing: ["parse"], attempts: attempts)
        let capacity = try ResourceCapacitySource(limits: ["capacity": 2])
        let envelopes = try await ScheduledTaskPoolRunner(name: "chain", source: source, capacity: capacity)
            .runTasks(stopOnError: false).collect()
        #expect(envelopes.map(\.kindName) == ["final", "error", "final", "final"])
        #expect(attempts.value == ["fetch": 1, "parse": 2, "save": 1])
    }

    @Test func anErrorThrownByACallbackStopsTheRunEvenWithoutStopOnError() async throws {
        let graph = DependencyGraph<String>()
        try graph.addAll([("a", []), ("b", ["a"])])
        let tasks = [
            "a": Job(key: "a") {
                "a"
            } onComplete: { task, _ in
                try task.complete()
                try task.complete()  // a is no longer running: the source rejects it
            },
            "b": Job(key: "b") { "b" },
        ]
        let source = try PriorityDependencySourceObj(graph: graph, tasks: tasks)
        let capacity = try ResourceCapacitySource(limits: ["capacity": 2])
        let runner = ScheduledTaskPoolRunner(name: "t", source: source, capacity: capacity)
        await #expect(throws: GraphError.self) { _ = try await runner.runTasks(stopOnError: false).collect() }
        #expect(capacity.available == ["capacity": 2])
    }

    @Test func aHandleOverASourceWithoutAGraphThrowsNotAGraphSource() async throws {
        let queue = PrioritySourceObj<Job>()
        try queue.enqueue(
            Job(key: "a") {
                "a"
            } onComplete: { task, _ in
                try task.complete()
            }, priority: 1)
        queue.closeSource()
        let capacity = try ResourceCapacitySource(limits: ["capacity": 1])
        let runner = ScheduledTaskPoolRunner(name: "t", source: queue, capacity: capacity)
        let error = await #expect(throws: TaskPoolError.self) { try await runner.runToCompletion(stopOnError: false) }
        #expect(error?.code == .notAGraphSource)
        #expect(error?.description.contains("task 'a'") == true)
    }

    @Test func aRetryingBridgeWithoutConnectReportsToTheRunsSource() async throws {
        let bridge = RetryingBridge(policy: RetryPolicy(maxAttempts: 2, baseDelay: .zero, jitter: 0))
        let graph = DependencyGraph<String>()
        try graph.addAll([("fetch", []), ("parse", ["fetch"])])
        let runs = Locked<[String]>([])
        let tasks = [
            "fetch": bridge.wire(
                Job(key: "fetch") {
                    runs.withLock { $0.append("fetch") }; return "fetch"
                }),
            "parse": bridge.wire(
                Job(key: "parse") {
                    runs.withLock { $0.append("parse") }
                    throw TestFailure(name: "parse")
                }),
        ]
        let source = try PriorityDependencySourceObj(graph: graph, tasks: tasks)
        let capacity = try ResourceCapacitySource(limits: ["capacity": 1])
        try await ScheduledTaskPoolRunner(name: "t", source: source, capacity: capacity)
            .runToCompletion(stopOnError: false)
        #expect(runs.value == ["fetch", "parse", "parse"])
        #expect(bridge.abortedKeys == ["parse"])
        #expect(bridge.sourceErrors.isEmpty)
    }
}
