// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

private struct Chunk: Sendable {
    let number: Int
}

private struct Document: Sendable {
    func chunks() -> AsyncStream<Chunk> {
        AsyncStream { continuation in
            for number in 0..<5 { continuation.yield(Chunk(number: number)) }
            continuation.finish()
        }
    }
}

private final class Analysed: Sendable {
    let numbers = Mutex<[Int]>([])
}

@Suite(.timeLimit(.minutes(1))) struct PushPullBufferObjSnippets {
    @Test func producerAndConsumer() async throws {
        let document = Document()
        let analysed = Analysed()
        func analyse(_ chunk: Chunk) async throws { analysed.numbers.withLock { $0.append(chunk.number) } }
        // snippet: PushPullBufferObj.md
        let chunks = PushPullBufferObj<Chunk>()

        // Producer: push work as it is discovered.
        let producer = Task {
            for try await chunk in document.chunks() {
                chunks.sink.next(chunk)
            }
            chunks.sink.return()
        }

        // Consumer: process until the producer is done and the backlog is drained.
        for await chunk in chunks.source {
            try await analyse(chunk)
        }
        try await producer.value
        // end snippet
        #expect(analysed.numbers.withLock { $0 } == [0, 1, 2, 3, 4])
    }
}
