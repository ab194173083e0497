/// Runs ``ScheduledTask``s pulled from a ``TaskSource`` under a multi-resource ``ResourceCapacitySource``,
/// and streams their progress as ``TaskProgressEnvelope``s.
///
/// ```swift
/// let graph = DependencyGraph<String>()
/// try graph.addNode("fetch")
/// try graph.addNode("parse", dependencies: ["fetch"])
/// let capacity = try ResourceCapacitySource(limits: ["capacity": 4, "io": 2])
/// let source = try PriorityDependencySourceObj(graph: graph, tasks: tasks)  // tasks call source.complete
/// let runner = ScheduledTaskPoolRunner(name: "etl", source: source, capacity: capacity)
/// for try await envelope in runner.runTasks(stopOnError: false) {
///     print(envelope.taskID, envelope.key ?? "", envelope.kind)
/// }
/// ```
///
/// **The loop.** One loop task owns the run's bookkeeping (but see "Workers drive" below); task bodies
/// run as children of a discarding task group and report back through one internal event channel. The loop alternates:
/// 1. *Fill*: repeatedly `source.take(where:)` with a predicate that calls `capacity.acquireIfAvailable(cost)`, so
///    peeking the head, checking its cost and acquiring it are one atomic step under the source's lock
///    (no other runner can take the same capacity in between). Each taken task gets the next task ID and
///    starts as a child task. The fill stops at the first head that does not fit (no skipping ahead,
///    so priorities are respected) or when the source has nothing available. Because the take is
///    atomic, a task is never taken from the source and then found unaffordable: there is nothing to
///    hold back or put back.
/// 2. *Done check*: when `source.isFinished` and no task is in flight, the sequence ends.
/// 3. *Wait*: park on the event channel until a task reports progress or ends, the capacity source
///    signals `changes()`, or the source signals `changes()`; then handle every queued event in order.
///    A `ResourceCapacitySource` and the graph sources raise the channel's flag through a direct listener
///    (no watcher task, no task switch per signal; signals the loop caused itself are dropped before the
///    next fill, which sees their effect anyway); other sources and budgets are watched by one task over
///    their `changes()`. Either way there is never more than one outstanding capacity wait, however many
///    signals and completions coincide.
///
/// **Workers drive** (for throughput). A child whose task ends while nobody else is doing the
/// loop's work does it itself: it handles the queued events (release, callback, envelope, as below),
/// fills from the source with the same atomic peek–check–acquire, delivers the envelopes, and then runs
/// the first task it took in the same child task, handing any others to the loop to start. A chain of
/// dependent tasks thus costs no task creation per step, and in a run consumed through
/// ``runTasks(stopOnError:bufferLimit:)`` no wake-up of the loop either. Only one task at a time does
/// this work (a role passed under the event channel's lock), so callbacks never overlap and envelopes
/// keep their order; budgets, `stopOnError`, pacing and cancellation are unchanged: a worker checks for
/// cancellation and for a stopped run before it fills or runs a task it took, and a task taken but
/// never run has its cost released by the loop's cleanup, like any other held cost. With
/// ``run(stopOnError:forEach:)`` the handler still runs only on the calling task: a worker leaves the
/// envelopes for the loop and wakes it, and the loop holds the role while the handler runs, so no
/// worker handles an event or starts a task meanwhile. ``runToCompletion(stopOnError:)`` makes no
/// envelopes at all: a run's results reach the caller through the callbacks only, and a chain costs
/// no wake-up of any other task per step.
///
/// **Events.** Progress becomes an `intermediate` envelope (the task keeps its resources). A final value:
/// `capacity.release(cost)`, then `onComplete(key, output)`, then a `final` envelope (none with
/// ``runToCompletion(stopOnError:)``, which makes no envelopes) — so a graph source's
/// `complete(key)` has queued the dependents before the next fill. An error: release, then
/// `onError(key, error)`, then an `error` envelope, or, with `stopOnError`, the error is thrown from the
/// sequence (after the other running tasks were cancelled and their costs released; those cancelled
/// tasks produce no envelope and no callback).
///
/// **Callbacks.** Each gets a ``TaskSourceHandle`` (the task's key and this runner's source), so it can
/// complete, fail or abort the task's node without a reference to the source. An error a callback throws
/// stops the run like a task error with `stopOnError`, whatever `stopOnError` says, and is thrown.
///
/// **Costs that can never fit.** A head whose cost exceeds a limit (`!capacity.validateCost(cost)`), or
/// has a negative amount, would block the source forever. The runner takes it instead, gives it a task
/// ID, never runs its body, and reports it as failed with `CapacityError` (`exceedsLimit` or
/// `negativeAmount`) through `onError` and an `error` envelope (or a throw with `stopOnError`).
///
/// **Open sources.** An open source that is empty keeps the run alive, idle, until its `changes()` fires.
///
/// **Cancellation and pacing.** See ``TaskProgressStream``: the loop runs ahead of the consumer up to a
/// bounded envelope buffer, and cancelling or dropping the stream cancels every running task and releases
/// every held cost.
///
/// **Metrics.** Every admission goes through `acquireIfAvailable` (the snapshot-free form of
/// `tryAcquire`, reporting the same metrics), so a metrics-enabled capacity source counts one accepted
/// acquire per started task and one release per ended task. The runner never checks with `canAcquire`
/// and then takes with `acquireImmediate`: the check and the acquisition are one atomic step.
///
/// `ScheduledTaskPoolRunner` is a value: each `runTasks` call is an independent run over the shared source
/// and capacity source. Two runs over the same source compete for its tasks safely.
public struct ScheduledTaskPoolRunner<Source: TaskSource, Progress: Sendable, Output: Sendable>: Sendable
where Source.Element == ScheduledTask<Progress, Output> {
    /// The envelope type of this runner.
    public typealias Envelope = TaskProgressEnvelope<Progress, Output>

    /// A label, for diagnostics only.
    public let name: String
    /// Where tasks come from.
    public let source: Source
    @usableFromInline let capacity: any PoolCapacity

    /// Creates a runner over `source`, admitting tasks while `capacity` can afford them.
    ///
    /// - Parameters:
    ///   - name: a label for diagnostics.
    ///   - source: the task source, usually a graph-backed `PriorityDependencySourceObj` or
    ///     `DependencySourceObj`, or a `PrioritySourceObj`.
    ///   - capacity: the budget every task's ``ScheduledTask/cost`` is acquired from (any level of a
    ///     hierarchy, or a quota's ``QuotaCapacitySource/capacity``).
    public init(name: String, source: Source, capacity: ResourceCapacitySource) {
        self.init(name: name, source: source, ledger: capacity)
    }

    /// Creates a runner over `source`, admitting tasks while the quota's current window can afford them.
    ///
    /// The same as passing the quota's ``QuotaCapacitySource/capacity``.
    /// - Parameters:
    ///   - name: a label for diagnostics.
    ///   - source: the task source.
    ///   - capacity: the quota every task's ``ScheduledTask/cost`` is acquired from.
    public init(name: String, source: Source, capacity: QuotaCapacitySource) {
        self.init(name: name, source: source, ledger: capacity.capacity)
    }

    @usableFromInline
    init(name: String, source: Source, ledger: any PoolCapacity) {
        self.name = name
        self.source = source
        self.capacity = ledger
    }

    /// Starts a run when the returned sequence is first iterated.
    ///
    /// - Parameters:
    ///   - stopOnError: `true` (the default): the first task error is thrown
    ///     out of the sequence after cleanup. `false`: errors are `error` envelopes and the run goes on —
    ///     the mode to use with retries. The default is `true`, unlike ``HierarchicalTaskPoolRunner``'s,
    ///     because a graph source's task that fails stays running in the graph until its `onError` calls
    ///     `fail` or `abort`: without that, its dependents never start and a run that went on would wait
    ///     forever. Pass `false` once every task's `onError` reports to the source.
    ///   - bufferLimit: how many undelivered envelopes the loop may buffer before it waits for the
    ///     consumer. Must be positive.
    /// - Returns: the run's envelopes.
    @inlinable
    public func runTasks(stopOnError: Bool = true, bufferLimit: Int = 1024) -> TaskProgressStream<Progress, Output> {
        let source = self.source
        let capacity = self.capacity
        let storage = TaskProgressStreamStorage<Envelope>(limit: bufferLimit) { storage in
            Task {
                let loop = ScheduledPoolLoop(
                    source: source, capacity: capacity, stopOnError: stopOnError, stream: storage)
                let failure = await loop.run { await storage.send($0) ? .delivered : .consumerGone }
                storage.finish(failure)
            }
        }
        return TaskProgressStream(handle: TaskProgressStreamHandle(storage: storage))
    }

    /// Runs the tasks in the calling task and hands every envelope to `handler`, returning when the run
    /// is over: the structured alternative to ``runTasks(stopOnError:bufferLimit:)``.
    ///
    /// ```swift
    /// try await runner.run(stopOnError: false) { envelope in
    ///     if case .error(let error) = envelope.kind { report(envelope.key, error) }
    /// }
    /// ```
    ///
    /// The loop runs inside this call (no extra task, no envelope buffer) and calls `handler` inline, so
    /// the run is paced by the handler: while it runs, no event is handled and no task is started. It is
    /// also the fastest way to drive the runner. The loop and `handler` run in the caller's isolation
    /// (task bodies run concurrently, outside it): call it from a nonisolated context, not from the main
    /// actor, when throughput matters. Cancelling the calling task cancels the run like
    /// cancelling the stream: running tasks are cancelled, held costs released, and the call returns
    /// normally once they have returned.
    ///
    /// - Parameters:
    ///   - stopOnError: as for ``runTasks(stopOnError:bufferLimit:)``.
    ///   - handler: called with each envelope, in order. If it throws, the run stops as on a task error
    ///     (running tasks cancelled, costs released) and the error is rethrown.
    /// - Throws: the first task error when `stopOnError` is `true`, or the error `handler` threw.
    @inlinable
    public func run(
        stopOnError: Bool = true,
        forEach handler: (Envelope) async throws -> Void
    ) async throws {
        let loop = ScheduledPoolLoop(source: source, capacity: capacity, stopOnError: stopOnError)
        let failure = await loop.run { await .handing($0, to: handler) }
        if let failure { throw failure }
    }

    /// Runs the tasks in the calling task until the run is over, reporting only through the tasks'
    /// `onComplete` and `onError` callbacks: no envelope is made or delivered.
    ///
    /// ```swift
    /// // Each task's onComplete records its result and completes its key in the graph source.
    /// try await runner.runToCompletion(stopOnError: false)
    /// ```
    ///
    /// For callers that would drain ``runTasks(stopOnError:bufferLimit:)`` only to discard the envelopes:
    /// without a consumer to resume, a task that ends costs no wake-up of another task at all. The worker
    /// whose task ended handles it, fills and runs the next task it took; the loop wakes only for tasks a
    /// worker cannot start itself and for the end of the run. Callbacks still run one at a time. Budgets,
    /// `stopOnError`, cancellation and cleanup are those of the other ways to run.
    ///
    /// - Parameter stopOnError: `true`: the first task error (or a cost that can never fit) stops the run
    ///   (running tasks cancelled, costs released) and is thrown. `false`: errors reach `onError` only, and
    ///   the run goes on.
    /// - Throws: the first task error when `stopOnError` is `true` (or the `CapacityError` of a cost that
    ///   can never fit). Cancelling the calling task cancels the run; the call then returns normally once
    ///   every task has returned.
    @inlinable
    public func runToCompletion(stopOnError: Bool = true) async throws {
        let loop = ScheduledPoolLoop(
            source: source, capacity: capacity, stopOnError: stopOnError, makesEnvelopes: false)
        let failure = await loop.run { _ in .delivered }
        if let failure { throw failure }
    }
}
