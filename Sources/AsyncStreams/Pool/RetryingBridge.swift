import Synchronization

/// Connects a ``ScheduledTaskPoolRunner`` to a graph-backed source with retries, exponential backoff and
/// abort cascades, built in.
///
/// ```swift
/// let bridge = RetryingBridge(policy: RetryPolicy(maxAttempts: 3, jitter: 0))
/// let source = try PriorityDependencySourceObj(graph: graph, tasks: tasks.mapValues(bridge.wire))
/// let runner = ScheduledTaskPoolRunner(name: "etl", source: source, capacity: capacity)
/// for try await envelope in runner.runTasks(stopOnError: false) { … }   // retries need stopOnError: false
/// print(bridge.abortedKeys)
/// ```
///
/// - A task that completes: its attempt count is cleared and `source.complete(key)` queues its
///   dependents (before the runner's next fill, since the runner calls `onComplete` first).
/// - A task that fails: its attempt count grows. While `policy.delay(afterFailedAttempt:)` gives a
///   delay, `source.fail(key, retryAfter: delay)` re-queues it after that delay, during which it holds
///   no capacity (a task that slept inside its body would hold its slot all along). Once the
///   attempts are exhausted (the third failure with `maxAttempts: 3`), `source.abort(key)` removes the
///   task and its whole downstream subgraph; independent branches go on, and the run ends when every
///   node is completed or aborted.
/// - A task rejected by the runner because its cost can never fit (`CapacityError`) is aborted at once:
///   retrying cannot help.
///
/// A permanently failing task is retried `maxAttempts − 1` times, never forever: the policy's cap is
/// mandatory, since retrying without one would loop forever on a task that always fails.
///
/// Keys: the bridge uses ``ScheduledTask/key`` as the graph key, so the source's key type is `String`.
/// Errors the source throws from `complete`, `fail` or `abort` (for example a node aborted by someone
/// else meanwhile) cannot propagate out of a callback; they are collected in ``sourceErrors``.
///
/// **Set-up order.** Graph sources take their tasks at construction, and the tasks' callbacks need the
/// bridge, so the bridge is created first, tasks are wired, and the source is built from them. Wired
/// callbacks report to the source the runner hands them (``TaskSourceHandle``), so no further step is
/// needed; ``connect(to:)`` makes the bridge report to a given source instead, and is needed for calling
/// ``taskCompleted(_:)`` and ``taskFailed(_:error:)`` directly (calling them before `connect` is a
/// programming error, a precondition failure).
///
/// Thread-safe; the runner calls the callbacks from its loop, one at a time.
public final class RetryingBridge: Sendable {
    private struct State {
        var source: (any GraphTaskSource<String>)?
        var attempts: [String: Int] = [:]
        var abortedKeys: [String] = []
        var sourceErrors: [any Error] = []
        var generator: any RandomNumberGenerator & Sendable
    }

    /// How many attempts a task gets and how long to wait between them.
    public let policy: RetryPolicy
    private let state: Mutex<State>

    /// Creates a bridge that is not connected to a source yet.
    ///
    /// - Parameters:
    ///   - policy: attempts and backoff; use `jitter: 0` for exact delays.
    ///   - generator: randomness for the policy's jitter; pass a seeded generator in tests.
    public init(
        policy: RetryPolicy = RetryPolicy(),
        generator: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        self.policy = policy
        self.state = Mutex(State(generator: generator))
    }

    /// Creates a bridge connected to `source` (for sources that get their tasks after construction,
    /// through `addNode(_:dependencies:task:)`).
    public convenience init(
        source: some GraphTaskSource<String>,
        policy: RetryPolicy = RetryPolicy(),
        generator: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        self.init(policy: policy, generator: generator)
        connect(to: source)
    }

    /// Sets the source the outcomes are reported to, for every task. Call it once, before the run starts.
    ///
    /// Needed only to report outcomes through ``taskCompleted(_:)`` and ``taskFailed(_:error:)``: wired
    /// callbacks otherwise report to the source of the run that calls them.
    public func connect(to source: some GraphTaskSource<String>) {
        state.withLock { state in
            precondition(state.source == nil, "RetryingBridge is already connected to a source")
            state.source = source
        }
    }

    /// The connected source, else the one the runner passed to the callback.
    private func source(or fallback: (any GraphTaskSource<String>)?) -> any GraphTaskSource<String> {
        guard let source = state.withLock({ $0.source }) ?? fallback else {
            preconditionFailure("RetryingBridge received a task outcome before connect(to:)")
        }
        return source
    }

    /// The number of failed attempts of `key` since its last success.
    public func failedAttempts(of key: String) -> Int { state.withLock { $0.attempts[key] ?? 0 } }

    /// Every key aborted through this bridge, cascades included, in abort order.
    public var abortedKeys: [String] { state.withLock { $0.abortedKeys } }

    /// Errors the source threw when the bridge reported an outcome.
    public var sourceErrors: [any Error] { state.withLock { $0.sourceErrors } }

    /// Reports a success: clears the attempts and completes the node.
    public func taskCompleted(_ key: String) {
        completed(key, in: nil)
    }

    private func completed(_ key: String, in fallback: (any GraphTaskSource<String>)?) {
        state.withLock { _ = $0.attempts.removeValue(forKey: key) }
        do { try source(or: fallback).complete(key) } catch { record(error) }
    }

    /// Reports a failure: retries after the policy's delay, or aborts the node (and its dependents) once
    /// the attempts are exhausted or when the error is a ``CapacityError``.
    public func taskFailed(_ key: String, error: any Error) {
        failed(key, error: error, in: nil)
    }

    private func failed(_ key: String, error: any Error, in fallback: (any GraphTaskSource<String>)?) {
        let source = source(or: fallback)
        let delay = state.withLock { state -> Duration? in
            let attempt = (state.attempts[key] ?? 0) + 1
            state.attempts[key] = attempt
            if error is CapacityError { return nil }
            return policy.delay(afterFailedAttempt: attempt, using: &state.generator)
        }
        do {
            if let delay {
                try source.fail(key, retryAfter: delay)
            } else {
                let aborted = try source.abort(key)
                state.withLock { $0.abortedKeys.append(contentsOf: aborted) }
            }
        } catch {
            record(error)
        }
    }

    /// Returns `task` with callbacks that report to this bridge, after calling the task's own callbacks.
    public func wire<Progress, Output>(_ task: ScheduledTask<Progress, Output>) -> ScheduledTask<Progress, Output> {
        var wired = task
        let onComplete = task.onComplete
        let onError = task.onError
        wired.onComplete = { [self] task, output in
            try onComplete?(task, output)
            completed(task.key, in: task.graph)
        }
        wired.onError = { [self] task, error in
            try onError?(task, error)
            failed(task.key, error: error, in: task.graph)
        }
        return wired
    }

    private func record(_ error: any Error) {
        state.withLock { $0.sourceErrors.append(error) }
    }
}
