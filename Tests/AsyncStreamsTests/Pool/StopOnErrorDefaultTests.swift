import Testing

@testable import AsyncStreams

/// The two runners' `stopOnError` defaults differ, for the reason their documentation gives: an error
/// nobody handles leaves a graph node running, so the scheduled runner stops instead of waiting forever.
@Suite(.timeLimit(.minutes(1))) struct StopOnErrorDefaultTests {
    typealias Job = ScheduledTask<Never, String>

    @Test func theHierarchicalRunnerReportsErrorsAsEnvelopesByDefault() async throws {
        let bodies: [TaskBody<Never, String>] = [.oneShot { throw TestFailure(name: "a") }, .oneShot { "b" }]
        let runner = HierarchicalTaskPoolRunner(
            name: "t", source: SourceBufferObj(bodies, oneShot: true), capacity: CapacitySource(1))
        let envelopes = try await runner.runTasks().collect()
        #expect(envelopes.map(\.kindName) == ["error", "final"])
    }

    private func fetchThenParse() throws -> PriorityDependencySourceObj<String, Job> {
        let graph = DependencyGraph<String>()
        try graph.addAll([("fetch", []), ("parse", ["fetch"])])
        let tasks = [
            "fetch": Job(key: "fetch") { throw TestFailure(name: "fetch") },
            "parse": Job(key: "parse") {
                "parse"
            } onComplete: { task, _ in
                try task.complete()
            },
        ]
        return try PriorityDependencySourceObj(graph: graph, tasks: tasks)
    }

    @Test func theScheduledRunnerThrowsTheFirstErrorByDefault() async throws {
        let capacity = try ResourceCapacitySource(limits: ["capacity": 2])
        let runner = ScheduledTaskPoolRunner(name: "t", source: try fetchThenParse(), capacity: capacity)
        await #expect(throws: TestFailure(name: "fetch")) { _ = try await runner.runTasks().collect() }
        #expect(capacity.available == ["capacity": 2])
    }

    @Test func withoutStopOnErrorAnUnhandledFailureLeavesItsNodeRunningAndTheRunOpen() async throws {
        let source = try fetchThenParse()
        let capacity = try ResourceCapacitySource(limits: ["capacity": 2])
        let runner = ScheduledTaskPoolRunner(name: "t", source: source, capacity: capacity)
        var iterator = runner.runTasks(stopOnError: false).makeAsyncIterator()
        let envelope = try #require(try await iterator.next())
        #expect(envelope.kindName == "error")
        // Nobody called fail or abort: the node is still running, so parse can never start.
        #expect(try source.withGraph { try $0.state(of: "fetch") } == .running)
        #expect(!source.isFinished)
    }
}
