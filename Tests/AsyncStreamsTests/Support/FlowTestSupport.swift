import AsyncStreams
import Testing

/// A one-shot gate: `wait()` suspends until `open()`; `open()` before `wait()` lets it pass at once. A wait
/// that lasts longer than ``testWaitTimeout`` fails the test and returns.
final class FlowGate: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func open() { continuation.finish() }

    func wait(sourceLocation: SourceLocation = #_sourceLocation) async {
        let stream = self.stream
        _ = try? await withDeadline("the gate to open", sourceLocation: sourceLocation) {
            for await _ in stream {}
        }
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
/// `onTake` runs after each take, for example to complete the task in a graph source. A source that
/// neither finishes nor changes within ``testWaitTimeout`` (or a cancelled test) fails the test, and what
/// was taken so far is returned.
func drainLikeARunner<Source: TaskSource>(
    _ source: Source, sourceLocation: SourceLocation = #_sourceLocation, onTake: (Source.Element) throws -> Void
) async rethrows -> [Source.Element] {
    var taken: [Source.Element] = []
    while true {
        if Task.isCancelled {
            Issue.record("cancelled while draining the source (\(taken.count) taken)", sourceLocation: sourceLocation)
            return taken
        }
        let changes = source.changes()
        if let element = source.take(where: { _ in true }) {
            taken.append(element)
            try onTake(element)
            continue
        }
        if source.isFinished { return taken }
        do {
            try await withDeadline(
                "the source to change or finish (\(taken.count) taken)", sourceLocation: sourceLocation
            ) {
                for await _ in changes { break }
            }
        } catch {
            return taken
        }
    }
}

/// ``drainLikeARunner(_:sourceLocation:onTake:)`` with nothing to do after each take.
func drainLikeARunner<Source: TaskSource>(
    _ source: Source, sourceLocation: SourceLocation = #_sourceLocation
) async -> [Source.Element] {
    await drainLikeARunner(source, sourceLocation: sourceLocation, onTake: { (_: Source.Element) in })
}
