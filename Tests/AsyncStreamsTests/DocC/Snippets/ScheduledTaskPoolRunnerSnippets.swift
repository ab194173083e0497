// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

private func run(_ key: String) async throws -> Int { key.count }

@Suite(.timeLimit(.minutes(1))) struct ScheduledTaskPoolRunnerSnippets {
    @Test func anETLPipeline() async throws {
        // snippet: ScheduledTaskPoolRunner.md
        let stages: [(key: String, dependencies: [String], cost: ResourceCost)] = [
            ("extract", [], ["io": 1]),
            ("transform", ["extract"], ["cpu": 2]),
            ("load", ["transform"], ["io": 1, "cpu": 1]),
        ]

        typealias Stage = ScheduledTask<String, Int>

        let graph = DependencyGraph<String>()
        var tasks: [String: Stage] = [:]
        for stage in stages {
            try graph.addNode(stage.key, dependencies: stage.dependencies)
            tasks[stage.key] = Stage(key: stage.key, cost: stage.cost) {
                try await run(stage.key)
            } onComplete: { task, _ in
                try task.complete()                            // unlocks the dependents
            } onError: { task, error in
                print("stage \(task.key) failed: \(error)")
                try task.fail()                                // back to ready: try again
            }
        }
        let source = try PriorityDependencySourceObj(graph: graph, tasks: tasks)

        let capacity = try ResourceCapacitySource(limits: ["capacity": 4, "cpu": 8, "io": 2])
        let runner = ScheduledTaskPoolRunner(name: "etl", source: source, capacity: capacity)
        for try await envelope in runner.runTasks(stopOnError: false) {
            switch envelope.kind {
            case .intermediate(let note): print(envelope.key!, note)
            case .final(let rows): print(envelope.key!, "loaded", rows)
            case .error(let error): print(envelope.key!, "failed:", error)
            }
        }
        // end snippet
        #expect(source.isFinished)
        #expect(capacity.available == ["capacity": 4, "cpu": 8, "io": 2])
    }

    @Test func runToCompletion() async throws {
        let graph = DependencyGraph<String>()
        try graph.addAll([("a", []), ("b", ["a"])])
        let results = Mutex<[String: Int]>([:])
        var tasks: [String: ScheduledTask<Never, Int>] = [:]
        for key in ["a", "b"] {
            tasks[key] = ScheduledTask(key: key) { key.count } onComplete: { task, output in
                results.withLock { $0[task.key] = output }
                try task.complete()
            }
        }
        let source = try PriorityDependencySourceObj(graph: graph, tasks: tasks)
        let runner = ScheduledTaskPoolRunner(
            name: "quiet", source: source, capacity: try ResourceCapacitySource(limits: ["capacity": 2]))
        // snippet: ScheduledTaskPoolRunner.md
        // onComplete records the result and completes the key in the graph source (see above).
        try await runner.runToCompletion(stopOnError: false)
        // end snippet
        #expect(results.withLock { $0 } == ["a": 1, "b": 1])
    }
}
