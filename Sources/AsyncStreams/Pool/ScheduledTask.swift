/// A unit of work for ``ScheduledTaskPoolRunner``: a key, a body, a resource cost and callbacks.
///
/// The key is a `String`. With graph-backed sources (`DependencySourceObj`, `PriorityDependencySourceObj`)
/// it must equal the graph key the task is registered under; use `DependencyGraph<String>` for such
/// pipelines (or, with another key type, `String(describing: graphKey)`, and translate back in the
/// callbacks). The runner itself never interprets the key: it only passes it to the callbacks and puts it
/// in every envelope.
///
/// ```swift
/// let task = ScheduledTask<Never, Int>(key: "compile", cost: ["cpu": 2]) {
///     try await compile()
/// } onComplete: { task, _ in
///     try task.complete()   // completes "compile" in the run's graph source
/// }
/// ```
///
/// **Callbacks.** Each receives a ``TaskSourceHandle``: the task's key and the source the runner took it
/// from, with `complete()`, `fail(retryAfter:)` and `abort()` for graph sources. A task therefore needs no
/// reference to its source, which usually is built from the tasks afterwards. A callback may throw: the
/// error stops the run like a task error with `stopOnError` (running tasks cancelled, costs released),
/// whatever `stopOnError` says, and is thrown from the run, since a source that rejected an outcome can
/// no longer be trusted to finish.
///
/// The callbacks run one at a time, never concurrently with each other or with the runner's next fill:
/// `onComplete` runs after the cost is released and before the `final` envelope is emitted, so a
/// `source.complete(key)` inside it has queued the dependents before the runner looks for more work.
/// They run on the runner's loop, or possibly on the child task of a task that just ended (see
/// ``ScheduledTaskPoolRunner``): do not rely on the task or thread they
/// run on. Keep them short and non-blocking; they may call the source and the capacity source.
public struct ScheduledTask<Progress: Sendable, Output: Sendable>: Sendable {
    /// The task's identity; must match the graph key with graph-backed sources.
    public var key: String
    /// What the task does; invoked only after `cost` has been acquired.
    public var body: TaskBody<Progress, Output>
    /// What the task holds while it runs. Defaults to ``ResourceCost/defaultTaskCost`` (`{capacity: 1}`).
    ///
    /// A resource the capacity source does not track is unlimited, so with a capacity source that has no
    /// `capacity` key a task with the default cost is always affordable.
    public var cost: ResourceCost
    /// Called after a successful run, with the task's handle and the output, before the `final` envelope.
    /// An error it throws stops the run.
    public var onComplete: (@Sendable (TaskSourceHandle, Output) throws -> Void)?
    /// Called after a failed run (the body threw, or the cost can never be acquired), with the task's
    /// handle and the error, before the `error` envelope or the thrown error. An error it throws stops
    /// the run and is thrown instead of the task's.
    public var onError: (@Sendable (TaskSourceHandle, any Error) throws -> Void)?

    /// Creates a task from an explicit body.
    public init(
        key: String,
        cost: ResourceCost = .defaultTaskCost,
        body: TaskBody<Progress, Output>,
        onComplete: (@Sendable (TaskSourceHandle, Output) throws -> Void)? = nil,
        onError: (@Sendable (TaskSourceHandle, any Error) throws -> Void)? = nil
    ) {
        self.key = key
        self.body = body
        self.cost = cost
        self.onComplete = onComplete
        self.onError = onError
    }

    /// Creates a task whose body is a one-shot async function.
    public init(
        key: String,
        cost: ResourceCost = .defaultTaskCost,
        run: @escaping @Sendable () async throws -> Output,
        onComplete: (@Sendable (TaskSourceHandle, Output) throws -> Void)? = nil,
        onError: (@Sendable (TaskSourceHandle, any Error) throws -> Void)? = nil
    ) {
        self.init(key: key, cost: cost, body: .oneShot(run), onComplete: onComplete, onError: onError)
    }
}
