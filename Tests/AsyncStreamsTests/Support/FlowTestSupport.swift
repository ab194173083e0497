import AsyncStreams

/// Helpers shared by the Buffers, Combine and Priority suites.
enum FlowTestSupport {
    /// Yields until `condition` holds. Used to wait for a consumer to park on a source without sleeping;
    /// the suite's time limit turns a condition that never holds into a failure.
    static func waitUntil(_ condition: () -> Bool) async {
        while !condition() { await Task.yield() }
    }
}

/// A one-shot gate: `wait()` suspends until `open()`; `open()` before `wait()` lets it pass at once.
final class Gate: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func open() { continuation.finish() }

    func wait() async {
        for await _ in stream {}
    }
}

/// A small deterministic random number generator (SplitMix64) for seeded tests.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension DependencyGraph where Key == String {
    /// A graph built from `(key, dependencies)` pairs in topological order.
    static func flowFixture(_ nodes: [(String, [String])]) throws -> DependencyGraph<String> {
        let graph = DependencyGraph<String>()
        for (key, dependencies) in nodes { try graph.addNode(key, dependencies: dependencies) }
        return graph
    }
}

/// Task maps whose task is the key itself.
func identityTasks(_ keys: [String]) -> [String: String] {
    Dictionary(uniqueKeysWithValues: keys.map { ($0, $0) })
}
