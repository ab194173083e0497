// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

@Suite(.timeLimit(.minutes(1))) struct AsyncStreamsLandingPageSnippets {
    @Test func aBuildRunsEveryTask() async throws {
        let graph = DependencyGraph<String>()
        try graph.addAll([("compile", []), ("link", ["compile"])])
        var tasks: [String: ScheduledTask<Never, Int>] = [:]
        for key in ["compile", "link"] {
            tasks[key] = ScheduledTask(key: key) { 0 } onComplete: { task, _ in try task.complete() }
        }
        // snippet: AsyncStreams.md
        let source = try PriorityDependencySourceObj(graph: graph, tasks: tasks)
        let capacity = try ResourceCapacitySource(limits: ["capacity": 8, "gpu": 2])
        for try await envelope in ScheduledTaskPoolRunner(name: "build", source: source, capacity: capacity).runTasks() {
            print(envelope.taskID, envelope.key ?? "", envelope.kind)
        }
        // end snippet
        #expect(source.isFinished)
        #expect(capacity.available == ["capacity": 8, "gpu": 2])
    }
}
