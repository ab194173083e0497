// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

@Suite struct RetryPolicySnippets {
    @Test func delaysDoubleAndTheThirdFailureGivesUp() {
        // snippet: RetryPolicy.md
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(100), maxDelay: .seconds(5), jitter: 0)
        assert(policy.delay(afterFailedAttempt: 1) == .milliseconds(100))
        assert(policy.delay(afterFailedAttempt: 2) == .milliseconds(200))
        assert(policy.delay(afterFailedAttempt: 3) == nil)   // the third failure gives up
        // end snippet
    }

    @Test func wiringToAGraphSource() throws {
        let policy = RetryPolicy(maxAttempts: 2, baseDelay: .zero, jitter: 0)
        let graph = DependencyGraph<String>()
        try graph.addAll([("a", []), ("b", ["a"])])
        let tasks = ["a": ScheduledTask<Never, Int>(key: "a") { 1 }, "b": ScheduledTask<Never, Int>(key: "b") { 2 }]
        let source = try PriorityDependencySourceObj(graph: graph, tasks: tasks)
        // snippet: RetryPolicy.md
        var attempts: [String: Int] = [:]

        func onComplete(_ key: String) throws {
            attempts[key] = nil
            try source.complete(key)
        }

        func onError(_ key: String) throws {
            attempts[key, default: 0] += 1
            if let delay = policy.delay(afterFailedAttempt: attempts[key]!) {
                try source.fail(key, retryAfter: delay)
            } else {
                try source.abort(key)   // the node and its whole downstream subgraph
            }
        }
        // end snippet
        _ = source.take { _ in true }
        try onError("a")                       // retried at once
        _ = source.take { _ in true }
        try onComplete("a")
        _ = source.take { _ in true }
        try onError("b")
        _ = source.take { _ in true }
        try onError("b")                       // the second failure aborts
        #expect(source.isFinished)
        #expect(attempts == ["b": 2])
    }
}
