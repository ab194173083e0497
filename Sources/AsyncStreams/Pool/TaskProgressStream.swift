/// The envelopes of one pool run, as returned by ``ScheduledTaskPoolRunner/runTasks(stopOnError:bufferLimit:)``
/// and ``HierarchicalTaskPoolRunner/runTasks(stopOnError:bufferLimit:)``.
///
/// ```swift
/// for try await envelope in runner.runTasks(stopOnError: false) {
///     switch envelope.kind {
///     case .intermediate(let progress): print(envelope.taskID, progress)
///     case .final(let output): print(envelope.key ?? "?", "done:", output)
///     case .error(let error): print(envelope.key ?? "?", "failed:", error)
///     }
/// }
/// ```
///
/// **Pacing.** The run starts when the first element is requested. From then on the runner's loop runs on
/// its own task, independently of the consumer, and buffers envelopes up to a bound (`bufferLimit`); when
/// the buffer is full the loop stops handling events, so no further task is started and no cost is
/// released until the consumer catches up: the run is eager, up to a bounded lag.
///
/// **Ending.** The sequence ends after every task has ended and the source is finished, or throws a task's
/// error when the run stops on error (after the other running tasks were cancelled and every cost was
/// released).
///
/// **Cancellation.** Cancelling the consuming task, or dropping the sequence and its iterator (for
/// example by `break`ing out of the loop), cancels the run: every running task is cancelled, no new task
/// is started, no more callbacks are called, and every held cost is released once the tasks have
/// returned. A cancelled `next()` returns `nil` only after that cleanup, so capacity is whole again when
/// the loop exits. After a `break` the cleanup runs in the background; no task is left running
/// unobserved.
///
/// Single consumer: iterate it once, from one task.
public struct TaskProgressStream<Progress: Sendable, Output: Sendable>: AsyncSequence, Sendable {
    /// The envelope type.
    public typealias Element = TaskProgressEnvelope<Progress, Output>
    /// Task errors (with `stopOnError`) are thrown as-is.
    public typealias Failure = any Error

    @usableFromInline let handle: TaskProgressStreamHandle<Element>

    @inlinable init(handle: TaskProgressStreamHandle<Element>) { self.handle = handle }

    /// Creates the iterator. The run starts at its first `next()`.
    @inlinable public func makeAsyncIterator() -> Iterator { Iterator(handle: handle) }

    /// The iterator over a run's envelopes.
    public struct Iterator: AsyncIteratorProtocol {
        @usableFromInline let handle: TaskProgressStreamHandle<Element>

        @inlinable init(handle: TaskProgressStreamHandle<Element>) { self.handle = handle }

        /// The next envelope; `nil` when the run is over (or was cancelled).
        ///
        /// - Throws: the failing task's error when the run stops on error.
        @inlinable
        public mutating func next() async throws -> Element? {
            try await handle.storage.next()
        }
    }
}
