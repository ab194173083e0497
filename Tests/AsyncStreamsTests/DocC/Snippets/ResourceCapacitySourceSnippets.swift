// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

@Suite struct ResourceCapacitySourceSnippets {
    @Test func teamsUnderAGlobalBudget() throws {
        // snippet: ResourceCapacitySource.md
        let global = try ResourceCapacitySource(limits: ["gpu": 16])
        let teamA = try ResourceCapacitySource(limits: ["gpu": 8], parent: global)
        let teamB = try ResourceCapacitySource(limits: ["gpu": 12], parent: global)

        if case .accepted(_, let left) = teamA.tryAcquire(["gpu": 6]) {
            print(left)                          // {gpu: 2}; global now has 10
        }
        assert(!teamB.canAcquire(["gpu": 11]))  // the global budget allows 10
        teamA.release(["gpu": 6])                // both levels restored; waiters woken
        // end snippet
        #expect(global.available == ["gpu": 16])
        #expect(teamA.available == ["gpu": 8])
    }
}
