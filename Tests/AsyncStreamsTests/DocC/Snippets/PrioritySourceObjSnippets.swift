// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

private struct Request: Sendable, Equatable {
    let tier: String
}

private final class Served: Sendable {
    let tiers = Mutex<[String]>([])
}

@Suite(.timeLimit(.minutes(1))) struct PrioritySourceObjSnippets {
    @Test func premiumFirst() async throws {
        let freeTierRequest = Request(tier: "free")
        let premiumRequest = Request(tier: "premium")
        let served = Served()
        func handle(_ request: Request) async { served.tiers.withLock { $0.append(request.tier) } }
        // snippet: PrioritySourceObj.md
        let queue = PrioritySourceObj<Request>(agingRate: 0.005, maxAgeBoost: 45)
        try queue.enqueue(freeTierRequest, priority: 10)
        try queue.enqueue(premiumRequest, priority: 100)
        queue.closeSource()           // no more requests: the loop ends once these are served
        for await request in queue {
            await handle(request)     // premium first; free-tier requests gain 5 points per second waited
        }
        // end snippet
        #expect(served.tiers.withLock { $0 } == ["premium", "free"])
    }

    @Test func agingWithAManualClock() throws {
        // snippet: PrioritySourceObj.md
        let clock = ManualClock()
        let queue = PrioritySourceObj<String>(agingRate: 0.01, maxAgeBoost: 5, clock: clock)
        try queue.enqueue("old", priority: 1)
        clock.advance(by: .milliseconds(500))
        try queue.enqueue("fresh", priority: 5)
        assert(queue.peek() == "old")   // 1 + 0.01 × 500 = 6 > 5
        // end snippet
        #expect(queue.peek() == "old")
    }
}
