// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

private final class Rounds: Sendable {
    let count = Mutex(0)
}

@Suite(.timeLimit(.minutes(1))) struct WaitObjectSnippets {
    @Test func signalsWakeTheConsumerUntilStop() async throws {
        let rounds = Rounds()
        @Sendable func tryToScheduleMore() async { rounds.count.withLock { $0 += 1 } }
        // snippet: WaitObject.md
        let signal = WaitObject<Bool>(label: "capacity")

        let consumer = Task {
            for try await _ in signal {              // ends after stop()
                await tryToScheduleMore()
            }
        }

        signal.resolve(true)
        signal.resolve(true)                          // collapses with the first if not yet consumed
        signal.stop()
        try await consumer.value
        // end snippet
        #expect((0...2).contains(rounds.count.withLock { $0 }))  // stop() may end the loop before a value is read
    }
}
