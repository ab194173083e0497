/// A task body with a name, for ``HierarchicalTaskPoolRunner`` sources whose envelopes should say which
/// task they belong to.
///
/// A runner over a source of keyed bodies puts ``key`` in every envelope of that task
/// (``TaskProgressEnvelope/key``), so a consumer can log, look up or re-queue the failed task without
/// carrying its identity through the error:
///
/// ```swift
/// let queue = PushPullBufferObj<KeyedTaskBody<String, Summary>>()
/// for (name, chunk) in chunks {
///     queue.sink.next(KeyedTaskBody(key: name, body: .oneShot { try await analyze(chunk) }))
/// }
/// queue.sink.return()
/// let runner = HierarchicalTaskPoolRunner(name: "chunks", source: queue.source, capacity: CapacitySource(5))
/// for try await envelope in runner.runTasks() {
///     if let error = envelope.error { print("\(envelope.key!) failed: \(error)") }
/// }
/// ```
///
/// To retry a failed task, push a new body with the same key before returning the sink; the
/// "Keyed bodies and retrying by hand" section of <doc:HierarchicalTaskPoolRunner> shows the loop.
///
/// The key is a label: the runner does not require keys to be unique and never interprets them.
public struct KeyedTaskBody<Progress: Sendable, Output: Sendable>: Sendable {
    /// The task's name, copied into each of its envelopes.
    public var key: String
    /// The task's work.
    public var body: TaskBody<Progress, Output>

    /// Creates a keyed body.
    public init(key: String, body: TaskBody<Progress, Output>) {
        self.key = key
        self.body = body
    }
}
