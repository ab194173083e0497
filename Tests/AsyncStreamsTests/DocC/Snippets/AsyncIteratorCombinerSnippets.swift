// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

struct Summary: Sendable, Equatable {
    var text: String
}

// snippet: AsyncIteratorCombiner.md
enum Step: Sendable {
    case progress(child: String, percent: Int)
    case final(child: String, summary: Summary)
}
// end snippet

private struct Child: Sendable {
    let name: String

    func start() -> AsyncStream<Step> {
        AsyncStream { continuation in
            continuation.yield(.progress(child: name, percent: 50))
            continuation.yield(.final(child: name, summary: Summary(text: name)))
            continuation.finish()
        }
    }
}

private struct ThrowingChild: Sendable {
    let name: String

    func start() -> AsyncThrowingStream<Step, any Error> {
        AsyncThrowingStream { continuation in
            continuation.yield(.final(child: name, summary: Summary(text: name)))
            continuation.finish()
        }
    }
}

private final class Reporter: Sendable {
    let updates = Mutex<[String]>([])
    func update(_ child: String, _ percent: Int) { updates.withLock { $0.append("\(child) \(percent)") } }
}

@Suite(.timeLimit(.minutes(1))) struct AsyncIteratorCombinerSnippets {
    @Test func progressFromThreeChildren() async throws {
        let sentimentAnalyzer = Child(name: "sentiment")
        let topicExtractor = Child(name: "topics")
        let keywordAnalyzer = Child(name: "keywords")
        let reporter = Reporter()
        // snippet: AsyncIteratorCombiner.md
        let combiner = AsyncIteratorCombiner(
            sentimentAnalyzer.start(),   // each returns an AsyncStream<Step>
            topicExtractor.start(),
            keywordAnalyzer.start())

        var summaries: [String: Summary] = [:]
        for try await step in combiner.raceGenerator() {
            switch step {
            case .progress(let child, let percent):
                reporter.update(child, percent)                 // from whichever child produced first
            case .final(let child, let summary):
                summaries[child] = summary
            }
        }
        // All three children are exhausted here; combiner.size == 0.
        // end snippet
        #expect(summaries.keys.sorted() == ["keywords", "sentiment", "topics"])
        #expect(reporter.updates.withLock { $0.count } == 3)
        #expect(combiner.size == 0)
    }

    @Test func fiveChildrenOfTwoTypes() async throws {
        let sentimentAnalyzer = Child(name: "sentiment")
        let topicExtractor = Child(name: "topics")
        let keywordAnalyzer = Child(name: "keywords")
        let entityLinker = ThrowingChild(name: "entities")
        let summarizer = Child(name: "summary")
        // snippet: AsyncIteratorCombiner.md
        let updates = AsyncIteratorCombiner(
            sentimentAnalyzer.start(),        // AsyncStream<Step>
            topicExtractor.start(),
            keywordAnalyzer.start(),
            entityLinker.start(),             // AsyncThrowingStream<Step, any Error>
            summarizer.start())
        // updates.size == 5
        // end snippet
        #expect(updates.size == 5)
        var finals = 0
        for try await case .final in updates.raceGenerator() { finals += 1 }
        #expect(finals == 5)
    }
}
