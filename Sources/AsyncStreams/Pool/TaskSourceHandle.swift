/// A task's key and the source its runner took it from, handed to the task's callbacks.
///
/// A ``ScheduledTask``'s `onComplete` and `onError` receive one, so a callback reports the outcome to the
/// graph source without holding a reference to it: tasks can be written before their source exists, and
/// errors of the source's `complete`, `fail` and `abort` propagate out of the callback.
///
/// ```swift
/// let task = ScheduledTask<Never, Int>(key: "parse") {
///     try await parse()
/// } onComplete: { task, _ in
///     try task.complete()            // queues the dependents before the runner's next fill
/// } onError: { task, error in
///     print("\(task.key) failed: \(error)")
///     try task.fail(retryAfter: .milliseconds(100))
/// }
/// ```
///
/// The methods call the source of the run (``source``) when it is a ``GraphTaskSource`` with `String`
/// keys, such as ``PriorityDependencySourceObj`` or ``DependencySourceObj`` over a
/// `DependencyGraph<String>`; with any other source they throw ``TaskPoolError/Code/notAGraphSource``.
public struct TaskSourceHandle: Sendable {
    /// The task's key (``ScheduledTask/key``).
    public let key: String
    /// The source the runner took the task from.
    public let source: any TaskSource
    @usableFromInline let graph: (any GraphTaskSource<String>)?

    /// Creates a handle for `key`, taken from `source`.
    public init(key: String, source: any TaskSource) {
        self.init(key: key, source: source, graph: source as? any GraphTaskSource<String>)
    }

    @usableFromInline
    init(key: String, source: any TaskSource, graph: (any GraphTaskSource<String>)?) {
        self.key = key
        self.source = source
        self.graph = graph
    }

    /// Marks the task's node completed; the dependents it unlocks are queued before this returns.
    ///
    /// - Returns: the dependents that became ready.
    /// - Throws: ``TaskPoolError`` (``TaskPoolError/Code/notAGraphSource``) when the source has no graph,
    ///   or the source's error when the node is unknown or not running.
    @discardableResult
    public func complete() throws -> [String] {
        try graphSource().complete(key)
    }

    /// Puts the task's node back to ready for another attempt, served again once `delay` has passed (at
    /// once for `.zero`); meanwhile the task holds no capacity.
    ///
    /// - Throws: ``TaskPoolError`` (``TaskPoolError/Code/notAGraphSource``) when the source has no graph,
    ///   or the source's error when the node is unknown or not running.
    public func fail(retryAfter delay: Duration = .zero) throws {
        try graphSource().fail(key, retryAfter: delay)
    }

    /// Aborts the task's node and every transitive dependent, root first.
    ///
    /// - Returns: every key this call aborted.
    /// - Throws: ``TaskPoolError`` (``TaskPoolError/Code/notAGraphSource``) when the source has no graph,
    ///   or the source's error when the node is unknown.
    @discardableResult
    public func abort() throws -> [String] {
        try graphSource().abort(key)
    }

    private func graphSource() throws -> any GraphTaskSource<String> {
        guard let graph else { throw TaskPoolError.notAGraphSource(key: key, source: source) }
        return graph
    }
}
