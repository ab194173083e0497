// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

@Suite(.timeLimit(.minutes(1))) struct DependencySourceObjSnippets {
    struct Step: Sendable {
        let key: String
        let fails: Bool
    
        func run() async throws {
            if fails { throw CancellationError() }
        }
    }

    @Test func aLoopDrivesTheGraph() async throws {
        let steps = [
            "fetch": Step(key: "fetch", fails: false), "parse": Step(key: "parse", fails: false),
            "index": Step(key: "index", fails: false), "thumbs": Step(key: "thumbs", fails: true),
        ]
        // snippet: DependencySourceObj.md
        let graph = DependencyGraph<String>()
        try graph.addAll([("fetch", []), ("parse", ["fetch"]), ("index", ["parse"]), ("thumbs", ["fetch"])])
        let source = try DependencySourceObj(graph: graph, tasks: steps)   // steps: [String: Step]

        for await step in source {
            do {
                try await step.run()
                try source.complete(step.key)     // queues parse and thumbs before returning
            } catch {
                try source.abort(step.key)        // drops the step and everything downstream
            }
        }
        // The loop ends when every node is completed or aborted.
        // end snippet
        #expect(source.isFinished)
        #expect(try source.withGraph { try $0.state(of: "index") } == .completed)
        #expect(try source.withGraph { try $0.state(of: "thumbs") } == .aborted)
    }
}
