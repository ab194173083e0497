/// Where a streaming body written as an `async throws` closure reports its progress.
///
/// Handed to the closure of a ``TaskBody`` written as `.streaming { progress in … }`; each ``yield(_:)``
/// becomes one `intermediate` envelope of the task, in order.
///
/// ```swift
/// let body = TaskBody<String, Summary>.streaming { progress in
///     progress.yield("started")
///     return try await analyze(chunk)      // the final value; a throw fails the task
/// }
/// ```
///
/// Thread-safe: it may be used from any task the body creates, but only while the body runs; a value
/// yielded after the body returned or threw is dropped.
public struct TaskProgressSink<Progress: Sendable>: Sendable {
    private let report: @Sendable (Progress) -> Void

    init(report: @escaping @Sendable (Progress) -> Void) { self.report = report }

    /// Reports one progress value.
    public func yield(_ progress: Progress) { report(progress) }
}
