// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

@Suite struct DependencyGraphSnippets {
    @Test func theGraphTracksTransitions() throws {
        var queue: [String] = []
        // snippet: DependencyGraph.md
        let graph = DependencyGraph<String>()
        graph.onReady = { key in queue.append(key) }

        try graph.addAll([
            ("save", ["validate", "transform"]),
            ("validate", ["parse"]),
            ("transform", ["parse"]),
            ("parse", ["fetch"]),
            ("fetch", []),
        ])                                   // onReady("fetch")

        try graph.start("fetch")
        try graph.complete("fetch")          // returns ["parse"]; onReady("parse")
        try graph.start("parse")
        try graph.fail("parse")              // back to ready for a retry; onReady("parse") again
        try graph.abort("parse")             // ["parse", "validate", "transform", "save"]
        assert(graph.isDone)                 // 1 completed + 4 aborted
        // end snippet
        #expect(queue == ["fetch", "parse", "parse"])
    }
}
