/// The work of one task: a one-shot async function or a stream of progress ending in a final value.
///
/// The kind is explicit rather than guessed at run time from what the body returns, so a one-shot body
/// whose output happens to be a sequence is never streamed by accident.
///
/// ```swift
/// let compile: TaskBody<String, Int> = .oneShot { try await compiler.run() }
/// let fetch: TaskBody<Double, Data> = .streaming { progress in
///     progress.yield(0.5)
///     return try await download()         // the final value; a throw fails the task
/// }
/// ```
///
/// Write a streaming body as an `async throws` closure, as above: it reports progress through the
/// ``TaskProgressSink`` it is given and returns its output, and the task ends when the closure returns or
/// throws. The other form, a closure returning an `AsyncThrowingStream` of ``StreamStep``s, is for bodies
/// that already have such a stream. It must end the stream itself: a stream that neither yields
/// ``StreamStep/final(_:)`` nor finishes (for example because the task feeding it threw without calling
/// `finish(throwing:)`) keeps the task running and holding its capacity, so the run does not end until it
/// is cancelled.
///
/// A body is invoked lazily: a runner calls it only after the task's capacity has been acquired, and at
/// most once per start. A body that throws (or whose stream throws) fails the task; a streaming body
/// whose stream ends without a ``StreamStep/final(_:)`` fails with ``TaskPoolError/Code/missingFinalValue``.
public enum TaskBody<Progress: Sendable, Output: Sendable>: Sendable {
    /// A function that resolves to the task's output.
    case oneShot(@Sendable () async throws -> Output)
    /// A function that returns a stream of progress steps ending with a final value.
    ///
    /// The stream must end: with a ``StreamStep/final(_:)`` element, or by finishing (with an error to
    /// fail the task). Prefer the `async throws` form, `.streaming { progress in … }`, which ends it for
    /// you.
    case streaming(@Sendable () -> AsyncThrowingStream<StreamStep<Progress, Output>, any Error>)

    /// A streaming body written as an `async throws` closure that reports progress and returns its output.
    ///
    /// ```swift
    /// let body = TaskBody<String, Summary>.streaming { progress in
    ///     progress.yield("chunk \(number) started")
    ///     let summary = try await analyze(chunk)
    ///     progress.yield("chunk \(number) analysed")
    ///     return summary
    /// }
    /// ```
    ///
    /// Each `progress.yield(_:)` becomes an `intermediate` envelope; the returned value becomes the `final`
    /// envelope, and an error thrown fails the task (an `error` envelope, or the run's error with
    /// `stopOnError`). The stream behind the body is finished on return and on throw, so the task always
    /// ends when the closure does. Cancelling the run cancels the closure's task.
    ///
    /// - Parameter work: the task's work; invoked once per start, after the task's capacity is acquired.
    /// - Returns: a streaming body whose stream the runner iterates.
    public static func streaming(
        _ work: @escaping @Sendable (TaskProgressSink<Progress>) async throws -> Output
    ) -> TaskBody {
        .streaming {
            AsyncThrowingStream { continuation in
                // Owned by the stream: cancelled when the runner stops iterating it (on the final value, or
                // when the run is cancelled).
                let task = Task {
                    do {
                        let output = try await work(TaskProgressSink { continuation.yield(.progress($0)) })
                        continuation.yield(.final(output))
                        continuation.finish()
                    } catch {
                        continuation.finish(throwing: error)
                    }
                }
                continuation.onTermination = { _ in task.cancel() }
            }
        }
    }
}
