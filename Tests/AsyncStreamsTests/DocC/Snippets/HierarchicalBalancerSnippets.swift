// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

@Suite struct HierarchicalBalancerSnippets {
    @Test func aBalancerStartsAndStops() throws {
        // snippet: HierarchicalBalancer.md
        let global = try ResourceCapacitySource(limits: ["slots": 16])
        let ingest = try ResourceCapacitySource(limits: ["slots": 4], parent: global)
        let report = try ResourceCapacitySource(limits: ["slots": 4], parent: global)

        let balancer = HierarchicalBalancer(
            children: [
                .init(capacity: ingest, min: ["slots": 1], max: ["slots": 12]),
                .init(capacity: report, min: ["slots": 1], max: ["slots": 12]),
            ],
            options: .init(checkInterval: .seconds(1), busyTimeThreshold: .seconds(10))
        )
        balancer.start()
        // ...
        balancer.stop()
        // end snippet
        #expect(!balancer.isRunning)
    }
}
