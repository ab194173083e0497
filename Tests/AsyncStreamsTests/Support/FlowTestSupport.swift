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
