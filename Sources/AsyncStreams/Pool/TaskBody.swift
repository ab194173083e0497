/// The work of one task: a one-shot async function or a stream of progress ending in a final value.
///
/// The kind is explicit rather than guessed at run time from what the body returns, so a one-shot body
/// whose output happens to be a sequence is never streamed by accident.
///
/// ```swift
/// let compile: TaskBody<String, Int> = .oneShot { try await compiler.run() }
/// let fetch: TaskBody<Double, Data> = .streaming {
///     AsyncThrowingStream { continuation in
///         continuation.yield(.progress(0.5))
///         continuation.yield(.final(data))
///         continuation.finish()
///     }
/// }
/// ```
///
/// A body is invoked lazily: a runner calls it only after the task's capacity has been acquired, and at
/// most once per start. A body that throws (or whose stream throws) fails the task; a streaming body
/// whose stream ends without a ``StreamStep/final(_:)`` fails with ``TaskPoolError/Code/missingFinalValue``.
public enum TaskBody<Progress: Sendable, Output: Sendable>: Sendable {
    /// A function that resolves to the task's output.
    case oneShot(@Sendable () async throws -> Output)
    /// A function that returns a stream of progress steps ending with a final value.
    case streaming(@Sendable () -> AsyncThrowingStream<StreamStep<Progress, Output>, any Error>)
}
