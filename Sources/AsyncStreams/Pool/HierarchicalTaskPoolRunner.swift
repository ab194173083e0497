/// Runs task bodies pulled from any ``TaskSource`` under a single-counter `CapacitySource`, streaming
/// their progress as ``TaskProgressEnvelope``s.
///
/// ```swift
/// let queue = PushPullBufferObj<TaskBody<String, Report>>()
/// let capacity = CapacitySource(5)
/// let runner = HierarchicalTaskPoolRunner(name: "chunks", source: queue.source, capacity: capacity)
/// Task {
///     for chunk in chunks { _ = queue.sink.next(.oneShot { try await analyze(chunk) }) }
///     queue.sink.return()   // the run ends once the queue is drained
/// }
/// for try await envelope in runner.runTasks() {
///     if case .error(let error) = envelope.kind { print("task \(envelope.taskID) failed: \(error)") }
/// }
/// ```
///
/// Every task costs one unit. An admission task (one child of the run) waits until the source has a
/// body, awaits `capacity.acquire()`, and only then takes the body, so a body is never invoked before its
/// unit is secured (laziness): with capacity *n*, at most *n* bodies have been invoked and not finished.
/// There is a single outstanding `acquire()` per run. Envelopes arrive in completion order (streamed
/// progress interleaved), with task IDs 1, 2, 3… in start order. A task's unit is released before its
/// `final` or `error` envelope is emitted.
///
/// Sources: anything conforming to ``TaskSource`` with ``TaskBody`` elements (envelopes then have a `nil`
/// ``TaskProgressEnvelope/key``) or ``KeyedTaskBody`` elements (envelopes carry the body's key), such as
/// `SourceBufferObj(bodies, oneShot: true)` (the run ends once drained; an open buffer keeps the run
/// waiting for more) or `PushPullBufferObj.source` (the run ends after `sink.return()` and the drain). A bare `AsyncSequence` is not accepted, since the runner needs to
/// peek at and take from its source: wrap it by pushing its elements into a `PushPullBufferObj`.
///
/// Pacing, cancellation and buffering are those of ``TaskProgressStream``.
public struct HierarchicalTaskPoolRunner<Progress: Sendable, Output: Sendable>: Sendable {
    /// The envelope type of this runner.
    public typealias Envelope = TaskProgressEnvelope<Progress, Output>

    /// A label, for diagnostics only.
    public let name: String
    let entries: any TaskSource<PoolEntry<Progress, Output>>
    let slots: any PoolSlots

    /// Creates a runner over `source`, one `capacity` unit per running task; its envelopes have no key.
    ///
    /// - Parameters:
    ///   - name: a label for diagnostics.
    ///   - source: where task bodies come from, e.g. `SourceBufferObj(bodies, oneShot: true)` or
    ///     `PushPullBufferObj.source`.
    ///   - capacity: the counter every task holds one unit of; with a parent, each unit is also taken from
    ///     every ancestor.
    public init(
        name: String,
        source: some TaskSource<TaskBody<Progress, Output>>,
        capacity: CapacitySource
    ) {
        self.init(name: name, source: source, slots: capacity)
    }

    /// Creates a runner over a source of keyed bodies, one `capacity` unit per running task; each envelope
    /// carries its task's ``KeyedTaskBody/key``.
    ///
    /// - Parameters:
    ///   - name: a label for diagnostics.
    ///   - source: where keyed bodies come from, e.g. a `PushPullBufferObj<KeyedTaskBody<P, O>>`'s source.
    ///   - capacity: the counter every task holds one unit of.
    public init(
        name: String,
        source: some TaskSource<KeyedTaskBody<Progress, Output>>,
        capacity: CapacitySource
    ) {
        self.init(name: name, source: source, slots: capacity)
    }

    init(name: String, source: some TaskSource<TaskBody<Progress, Output>>, slots: any PoolSlots) {
        self.name = name
        self.entries = PoolEntrySource(source) { PoolEntry(key: nil, body: $0) }
        self.slots = slots
    }

    init(name: String, source: some TaskSource<KeyedTaskBody<Progress, Output>>, slots: any PoolSlots) {
        self.name = name
        self.entries = PoolEntrySource(source) { PoolEntry(key: $0.key, body: $0.body) }
        self.slots = slots
    }

    /// Starts a run when the returned sequence is first iterated.
    ///
    /// - Parameters:
    ///   - stopOnError: `false` by default, unlike ``ScheduledTaskPoolRunner`` (whose graph tasks would
    ///     leave a failed node running if nobody reported the failure): this runner typically
    ///     streams independent chunks, whose consumer handles per-task `error` envelopes while later
    ///     tasks continue. Pass `true` to have the first
    ///     error thrown out of the sequence (after the other running tasks were cancelled and every unit
    ///     released).
    ///   - bufferLimit: how many undelivered envelopes the loop may buffer before it waits for the
    ///     consumer. Must be positive.
    /// - Returns: the run's envelopes.
    public func runTasks(stopOnError: Bool = false, bufferLimit: Int = 1024) -> TaskProgressStream<Progress, Output> {
        let source = self.entries
        let slots = self.slots
        let storage = TaskProgressStreamStorage<Envelope>(limit: bufferLimit) { storage in
            Task {
                let loop = HierarchicalPoolLoop(source: source, slots: slots, stopOnError: stopOnError)
                let failure = await loop.run { await storage.send($0) ? .delivered : .consumerGone }
                storage.finish(failure)
            }
        }
        return TaskProgressStream(handle: TaskProgressStreamHandle(storage: storage))
    }

    /// Runs the tasks in the calling task and hands every envelope to `handler`, returning when the run
    /// is over: the structured alternative to ``runTasks(stopOnError:bufferLimit:)``, paced by `handler`.
    /// The loop and `handler` run in the caller's isolation; task bodies run concurrently, outside it.
    ///
    /// - Parameters:
    ///   - stopOnError: as for ``runTasks(stopOnError:bufferLimit:)`` (default `false`).
    ///   - handler: called with each envelope, in order. If it throws, the run stops (running tasks
    ///     cancelled, units released) and the error is rethrown.
    /// - Throws: the first task error when `stopOnError` is `true`, or the error `handler` threw.
    public func run(
        stopOnError: Bool = false,
        forEach handler: (Envelope) async throws -> Void
    ) async throws {
        let loop = HierarchicalPoolLoop(source: entries, slots: slots, stopOnError: stopOnError)
        let failure = await loop.run { await .handing($0, to: handler) }
        if let failure { throw failure }
    }
}
