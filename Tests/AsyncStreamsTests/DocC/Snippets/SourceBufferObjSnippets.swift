// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

private final class Rendered: Sendable {
    let paths = Mutex<[String]>([])
}

/// What the jobs of the long-lived queue did.
private let jobLog = Rendered()

private struct Job: Sendable {
    let name: String

    init(_ name: String) { self.name = name }

    func run() async { jobLog.paths.withLock { $0.append(name) } }
}

@Suite(.timeLimit(.minutes(1))) struct SourceBufferObjSnippets {
    @Test func aOneShotBatch() async throws {
        let rendered = Rendered()
        func render(_ path: String) async throws { rendered.paths.withLock { $0.append(path) } }
        // snippet: SourceBufferObj.md
        let documents = SourceBufferObj(["a.md", "b.md", "c.md"], oneShot: true)
        for await path in documents {
            try await render(path)
        }
        // The loop ends after "c.md"; documents.isDone is true.
        // end snippet
        #expect(rendered.paths.withLock { $0 } == ["a.md", "b.md", "c.md"])
        #expect(documents.isDone)
    }

    @Test func aLongLivedQueue() async throws {
        // snippet: SourceBufferObj.md
        let queue = SourceBufferObj<Job>()           // not one-shot: stays open
        Task { for await job in queue { await job.run() } }
        queue.append(Job("first"))                    // wakes the consumer
        queue.buffer = [Job("second"), Job("third")] // replaces what is still queued
        queue.close()                                 // deliver what is left, then end the loop
        // end snippet
        await waitUntil("the consumer drained the queue") { queue.isDone }
        #expect(jobLog.paths.withLock { $0 }.last == "third")
    }
}
