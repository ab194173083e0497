// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

@Suite(.timeLimit(.minutes(1))) struct PriorityDependencySourceObjSnippets {
    typealias Stage = ScheduledTask<Never, String>

    private static func stages() -> [String: Stage] {
        var stages: [String: Stage] = [:]
        for key in ["extract", "transform", "load", "extract-2"] { stages[key] = Stage(key: key) { key } }
        return stages
    }

    @Test func prioritiesAndAging() throws {
        let stages = Self.stages()
        // snippet: PriorityDependencySourceObj.md
        let graph = DependencyGraph<String>()
        try graph.addAll([
            ("extract", []), ("transform", ["extract"]), ("load", ["transform"]), ("extract-2", []),
        ])
        let weights: [String: Double] = ["load": 10, "transform": 5, "extract": 1, "extract-2": 1]
        let source = try PriorityDependencySourceObj(
            graph: graph, tasks: stages,
            priority: { key, _ in weights[key] ?? 1 },
            agingRate: 0.01, maxAgeBoost: 20)
        // end snippet
        #expect(source.queueSize == 2)
        #expect(source.peekKey() == "extract")
    }

    @Test func retryWithBackoff() async throws {
        let graph = DependencyGraph<String>()
        try graph.addAll([("extract", []), ("transform", ["extract"])])
        let clock = ManualClock()
        let source = try PriorityDependencySourceObj(graph: graph, tasks: Self.stages(), clock: clock)
        var attempts: [String: Int] = [:]
        // snippet: PriorityDependencySourceObj.md
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(100))
        func onError(_ key: String) throws {
            attempts[key, default: 0] += 1
            if let delay = policy.delay(afterFailedAttempt: attempts[key]!) {
                try source.fail(key, retryAfter: delay)
            } else {
                try source.abort(key)      // cascades to every dependent
            }
        }
        // end snippet
        for attempt in 1...3 {
            if attempt > 1 {
                clock.advance(by: .milliseconds(400))   // past the longest jittered delay
                await waitUntil("extract is queued again") { source.peekKey() == "extract" }
            }
            _ = source.take { _ in true }
            try onError("extract")
        }
        #expect(attempts["extract"] == 3)
        #expect(source.isFinished)
    }
}
