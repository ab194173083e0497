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
final class FlowGate: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func open() { continuation.finish() }

    func wait() async {
        for await _ in stream {}
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

/// Drives a ``TaskSource`` the way a pool runner does: take what is available, otherwise wait on
/// `changes()` (subscribed before checking, so no wake-up is lost), until the source is finished.
/// `onTake` runs after each take, for example to complete the task in a graph source.
func drainLikeARunner<Source: TaskSource>(
    _ source: Source, onTake: (Source.Element) throws -> Void
) async rethrows -> [Source.Element] {
    var taken: [Source.Element] = []
    while true {
        let changes = source.changes()
        if let element = source.take(where: { _ in true }) {
            taken.append(element)
            try onTake(element)
            continue
        }
        if source.isFinished { return taken }
        for await _ in changes { break }
    }
}

/// ``drainLikeARunner(_:onTake:)`` with nothing to do after each take.
func drainLikeARunner<Source: TaskSource>(_ source: Source) async -> [Source.Element] {
    await drainLikeARunner(source, onTake: { (_: Source.Element) in })
}
