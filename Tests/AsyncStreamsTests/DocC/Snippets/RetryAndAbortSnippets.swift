// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

@Suite(.timeLimit(.minutes(1))) struct RetryAndAbortSnippets {
    @Test func aPipelineWithRetries() async throws {
        @Sendable func perform(_ key: String) async throws -> Int { key.count }
        // snippet: RetryAndAbort.md
        typealias Step = ScheduledTask<Never, Int>

        let graph = DependencyGraph<String>()
        try graph.addAll([
            ("fetch", []), ("parse", ["fetch"]),
            ("validate", ["parse"]), ("transform", ["parse"]),
            ("save", ["validate", "transform"]),
        ])

        // 1. The bridge wires each task's callbacks; they report to the source of the run that calls them.
        let bridge = RetryingBridge(policy: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(100), jitter: 0))
        var tasks: [String: Step] = [:]
        for key in graph.topologicalSort() {
            tasks[key] = bridge.wire(Step(key: key) { try await perform(key) })
        }
        // 2. The source, built from the wired tasks.
        let source = try PriorityDependencySourceObj(graph: graph, tasks: tasks)

        // 3. Run with stopOnError: false, so failures become envelopes and retries can happen.
        let capacity = try ResourceCapacitySource(limits: ["capacity": 4])
        let runner = ScheduledTaskPoolRunner(name: "etl", source: source, capacity: capacity)
        for try await envelope in runner.runTasks(stopOnError: false) {
            if let error = envelope.error { print("\(envelope.key!) attempt failed: \(error)") }
        }
        print("gave up on:", bridge.abortedKeys)
        // end snippet
        #expect(bridge.abortedKeys.isEmpty)
        #expect(source.isFinished)
    }
}
