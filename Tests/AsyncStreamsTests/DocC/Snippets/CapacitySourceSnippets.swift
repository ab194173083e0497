// swift-format-ignore-file
// The code between `// snippet:` and `// end snippet` is copied verbatim from the DocC article named
// there (DocCSnippetTests checks it); the code around it sets up the names the snippet uses and checks
// what it did. Formatting is left as the article has it.
import AsyncStreams
import Synchronization
import Testing

/// Keeps the snippets' output out of the test log.
private func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {}

private struct Job: Sendable {
    let id: Int
    let counter: Counter

    func run() async throws { counter.increment() }
}

private final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}

@Suite(.timeLimit(.minutes(1))) struct CapacitySourceSnippets {
    @Test func jobsRunUnderPerPoolAndGlobalLimits() async throws {
        let counter = Counter()
        let jobs = (0..<12).map { Job(id: $0, counter: counter) }
        // snippet: CapacitySource.md
        let global = CapacitySource(10)
        let workers = (0..<4).map { _ in CapacitySource(3, parent: global) }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for job in jobs {
                let pool = workers[job.id % workers.count]
                _ = try await pool.acquire()        // at most 3 per pool and 10 overall
                group.addTask {
                    defer { pool.release() }
                    try await job.run()
                }
            }
            try await group.waitForAll()
        }
        // end snippet
        #expect(counter.value == 12)
        #expect(global.currentCapacity == 10)
    }
}
