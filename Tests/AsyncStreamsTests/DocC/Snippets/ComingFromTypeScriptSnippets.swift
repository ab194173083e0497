// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

private struct StageSpec: Sendable {
    let id: String
    let deps: [String]
    let resourceCost: ResourceCost
    let priority: Double
}

private func processStage(_ stage: StageSpec) async throws -> String { "\(stage.id) done" }

private struct PortedDocument: Sendable {
    let id: Int
}

private func processDocument(_ document: PortedDocument) async throws -> String {
    if document.id == 2 { throw CancellationError() }
    return "document \(document.id)"
}

@Suite(.timeLimit(.minutes(1))) struct ComingFromTypeScriptSnippets {
    @Test func theDependencyAwarePipeline() async throws {
        let stages = [
            StageSpec(id: "extract", deps: [], resourceCost: ["io": 2], priority: 1),
            StageSpec(id: "transform", deps: ["extract"], resourceCost: ["cpu": 4], priority: 5),
            StageSpec(id: "load", deps: ["transform"], resourceCost: ["io": 1], priority: 10),
        ]
        var updates: [String] = []
        // snippet: ComingFromTypeScript.md
        typealias Stage = ScheduledTask<Never, String>

        let graph = DependencyGraph<String>()
        var tasks: [String: Stage] = [:]
        for stage in stages {
            try graph.addNode(stage.id, dependencies: stage.deps)
            tasks[stage.id] = Stage(key: stage.id, cost: stage.resourceCost) {
                try await processStage(stage)
            } onComplete: { task, _ in
                try task.complete()
            } onError: { task, error in
                print("Stage \(task.key) failed: \(error)")
                try task.fail()                                            // retry
            }
        }
        let source = try PriorityDependencySourceObj(
            graph: graph, tasks: tasks,
            priority: { key, _ in stages.first { $0.id == key }?.priority ?? 1 })
        let capacity = try ResourceCapacitySource(limits: ["capacity": 5, "io": 10, "cpu": 8])

        let runner = ScheduledTaskPoolRunner(name: "pipeline", source: source, capacity: capacity)
        for try await envelope in runner.runTasks(stopOnError: false) {
            updates.append("Stage \(envelope.key!): \(envelope.kindName)")
        }
        // end snippet
        #expect(updates == ["Stage extract: final", "Stage transform: final", "Stage load: final"])
    }

    @Test func theCapacityLimitedPool() async throws {
        let documents = (1...3).map { PortedDocument(id: $0) }
        var forwarded: [String] = []
        // snippet: ComingFromTypeScript.md
        let capacity = CapacitySource(10)                                   // max 10 concurrent
        let bodies = documents.map { document in
            KeyedTaskBody(key: "doc_\(document.id)", body: .streaming { progress in
                progress.yield("processing \(document.id)")
                return try await processDocument(document)
            })
        }
        let taskSource = SourceBufferObj(bodies, oneShot: true, mode: .fifo)
        let runner = HierarchicalTaskPoolRunner(name: "doc-pool", source: taskSource, capacity: capacity)

        for try await envelope in runner.runTasks() {
            if let value = envelope.value {
                forwarded.append(value)                                     // progress and results alike
            } else if let error = envelope.error {
                print("Task \(envelope.key!) failed: \(error)")
            }
        }
        // end snippet
        #expect(forwarded.filter { $0.hasPrefix("document") }.sorted() == ["document 1", "document 3"])
        #expect(forwarded.filter { $0.hasPrefix("processing") }.count == 3)
    }
}
