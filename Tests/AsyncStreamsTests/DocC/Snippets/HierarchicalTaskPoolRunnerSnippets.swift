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
    let text: String
}

private struct Document: Sendable {
    let texts: [String]

    var chunks: AsyncStream<Chunk> {
        AsyncStream { continuation in
            for text in texts { continuation.yield(Chunk(text: text)) }
            continuation.finish()
        }
    }
}

private func analyze(_ chunk: Chunk) async throws -> Summary {
    if chunk.text == "bad" { throw CancellationError() }
    return Summary(text: chunk.text.uppercased())
}

/// Fails a chunk's first two attempts when its text starts with "flaky".
private final class Flakiness: Sendable {
    private let attempts = Mutex<[String: Int]>([:])
    func analyze(_ chunk: Chunk) async throws -> Summary {
        let attempt = attempts.withLock { attempts in
            attempts[chunk.text, default: 0] += 1
            return attempts[chunk.text]!
        }
        if chunk.text.hasPrefix("flaky") && attempt < 3 { throw CancellationError() }
        return Summary(text: chunk.text)
    }
}

@Suite(.timeLimit(.minutes(1))) struct HierarchicalTaskPoolRunnerSnippets {
    @Test func aPoolFedByAPushPullBuffer() async throws {
        let document = Document(texts: ["one", "bad", "three"])
        // snippet: HierarchicalTaskPoolRunner.md
        typealias Body = TaskBody<String, Summary>

        let queue = PushPullBufferObj<Body>()
        let capacity = CapacitySource(5)                      // at most five chunks at once
        let runner = HierarchicalTaskPoolRunner(name: "chunks", source: queue.source, capacity: capacity)

        let producer = Task {
            var index = 0
            for try await chunk in document.chunks {
                let number = index
                _ = queue.sink.next(.streaming { progress in
                    progress.yield("chunk \(number) started")
                    return try await analyze(chunk)            // a throw fails this task only
                })
                index += 1
            }
            queue.sink.return()                                // no more work: the run ends after the drain
        }

        var summaries: [Summary] = []
        for try await envelope in runner.runTasks() {
            switch envelope.kind {
            case .intermediate(let note): print(note)
            case .final(let summary): summaries.append(summary)
            case .error(let error): print("task \(envelope.taskID) failed: \(error)")
            }
        }
        try await producer.value
        // end snippet
        #expect(summaries.map(\.text).sorted() == ["ONE", "THREE"])
        #expect(capacity.currentCapacity == 5)
    }

    @Test func keyedBodiesAndRetryingByHand() async throws {
        let chunks = ["a": Chunk(text: "a"), "flaky-b": Chunk(text: "flaky-b"), "c": Chunk(text: "c")]
        let flakiness = Flakiness()
        let analyze: @Sendable (Chunk) async throws -> Summary = { try await flakiness.analyze($0) }
        // snippet: HierarchicalTaskPoolRunner.md
        typealias Keyed = KeyedTaskBody<String, Summary>

        let work = PushPullBufferObj<Keyed>()
        func body(for name: String) -> Keyed {
            Keyed(key: name, body: .oneShot { try await analyze(chunks[name]!) })
        }
        for name in chunks.keys.sorted() { _ = work.sink.next(body(for: name)) }

        var attempts: [String: Int] = [:]
        var finished = 0
        let pool = HierarchicalTaskPoolRunner(name: "retrying", source: work.source, capacity: CapacitySource(3))
        for try await envelope in pool.runTasks() {
            if envelope.kindName == "error", let name = envelope.key, attempts[name, default: 1] < 3 {
                attempts[name, default: 1] += 1
                _ = work.sink.next(body(for: name))            // try again
            } else if envelope.isTerminal {
                finished += 1                                  // succeeded, or failed for the third time
            }
            if finished == chunks.count { work.sink.return() }
        }
        // end snippet
        #expect(finished == 3)
        #expect(attempts == ["flaky-b": 3])
    }

    @Test func fairSharingWithAParentCounter() async throws {
        let sourceA = SourceBufferObj([TaskBody<Never, Int>.oneShot { 1 }], oneShot: true)
        let sourceB = SourceBufferObj([TaskBody<Never, Int>.oneShot { 2 }], oneShot: true)
        // snippet: HierarchicalTaskPoolRunner.md
        let global = CapacitySource(30)
        let workflowA = HierarchicalTaskPoolRunner(name: "a", source: sourceA, capacity: CapacitySource(14, parent: global))
        let workflowB = HierarchicalTaskPoolRunner(name: "b", source: sourceB, capacity: CapacitySource(14, parent: global))
        // end snippet
        var outputs: [Int] = []
        for try await envelope in workflowA.runTasks() { outputs += envelope.output.map { [$0] } ?? [] }
        for try await envelope in workflowB.runTasks() { outputs += envelope.output.map { [$0] } ?? [] }
        #expect(outputs == [1, 2])
        #expect(global.currentCapacity == 30)
    }
}
