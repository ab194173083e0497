/// The loop of one ``ScheduledTaskPoolRunner`` run and the workers it starts; see the runner's
/// documentation for the protocol.
///
/// **The driver role.** The run's books (in-flight table, task numbers, undelivered envelopes) are touched
/// only by the holder of the channel's driver role: the loop while it is not parked, or a worker whose
/// task just ended while the role was free. Such a worker handles every queued event (release, callback,
/// envelope), fills from the source like the loop, delivers the envelopes (in a streamed run; for
/// `run(forEach:)` it leaves them in the book and wakes the loop, which calls the handler), and then
/// runs the first task it took itself, in the same child task: a chain of dependent tasks then costs no
/// task creation and no wake-up of the loop per step. Tasks beyond the first are handed to the loop,
/// which alone can add children to the group. Callbacks therefore still run one at a time and never
/// concurrently with a fill, but not always on the loop's task.
///
/// `@inlinable`, with everything it calls on the hot path (the event channel, the envelope stream, the
/// graph sources' take and complete), so that it is specialised for the client's source, progress and
/// output types: generic code called across modules otherwise runs unspecialised and looks up type
/// metadata on every call (about twice the CPU per task).
@usableFromInline
struct ScheduledPoolLoop<Source: TaskSource, Progress: Sendable, Output: Sendable>
where Source.Element == ScheduledTask<Progress, Output> {
    @usableFromInline typealias Envelope = TaskProgressEnvelope<Progress, Output>
    @usableFromInline typealias Event = PoolEvent<Progress, Output>

    /// A started task: what the loop needs when it ends.
    @usableFromInline
    struct InFlight {
        @usableFromInline var key: String
        @usableFromInline var cost: ResourceCost
        @usableFromInline var onComplete: (@Sendable (TaskSourceHandle, Output) throws -> Void)?
        @usableFromInline var onError: (@Sendable (TaskSourceHandle, any Error) throws -> Void)?

        @inlinable
        init(
            key: String,
            cost: ResourceCost,
            onComplete: (@Sendable (TaskSourceHandle, Output) throws -> Void)?,
            onError: (@Sendable (TaskSourceHandle, any Error) throws -> Void)?
        ) {
            self.key = key
            self.cost = cost
            self.onComplete = onComplete
            self.onError = onError
        }
    }

    /// The run's books. Only the holder of the channel's driver role reads or writes them.
    ///
    /// Debug builds check this on every access, as swift-nio's `NIOLoopBound` checks its event loop: each
    /// property traps unless the calling task holds the role (see ``DriverRoleOwner``). Release builds
    /// compile the check out, leaving plain stored properties.
    // @unchecked Sendable: mutated only by the holder of the channel's driver role, which the channel's
    // Mutex hands to one task at a time (taking and giving back the role orders every access); debug
    // builds enforce it at run time on every access.
    @usableFromInline
    final class Book: @unchecked Sendable {
        @usableFromInline let channel: PoolEventChannel<Progress, Output>
        @usableFromInline var _inFlight: [Int: InFlight] = [:]
        @usableFromInline var _nextTaskID = 1
        @usableFromInline var _envelopes: [Envelope] = []
        @usableFromInline var _failure: (any Error)?
        @usableFromInline var _consumerGone = false

        /// Creates empty books whose accesses are checked against `channel`'s driver role.
        @inlinable init(channel: PoolEventChannel<Progress, Output>) { self.channel = channel }

        /// Started tasks by task ID: what the driver needs when each ends.
        @inlinable var inFlight: [Int: InFlight] {
            get {
                channel.assertDrivenByCurrentTask()
                return _inFlight
            }
            _modify {
                channel.assertDrivenByCurrentTask()
                yield &_inFlight
            }
        }

        /// The task ID the next task taken from the source gets.
        @inlinable var nextTaskID: Int {
            get {
                channel.assertDrivenByCurrentTask()
                return _nextTaskID
            }
            _modify {
                channel.assertDrivenByCurrentTask()
                yield &_nextTaskID
            }
        }

        /// Envelopes made and not yet delivered, in order.
        @inlinable var envelopes: [Envelope] {
            get {
                channel.assertDrivenByCurrentTask()
                return _envelopes
            }
            _modify {
                channel.assertDrivenByCurrentTask()
                yield &_envelopes
            }
        }

        /// The error that ends the run, if any.
        @inlinable var failure: (any Error)? {
            get {
                channel.assertDrivenByCurrentTask()
                return _failure
            }
            _modify {
                channel.assertDrivenByCurrentTask()
                yield &_failure
            }
        }

        /// Whether the consumer went away (nothing more is delivered).
        @inlinable var consumerGone: Bool {
            get {
                channel.assertDrivenByCurrentTask()
                return _consumerGone
            }
            _modify {
                channel.assertDrivenByCurrentTask()
                yield &_consumerGone
            }
        }
    }

    @usableFromInline typealias Start = PoolEventChannel<Progress, Output>.Start

    @usableFromInline let source: Source
    /// The source as a graph source with `String` keys, for the callbacks' ``TaskSourceHandle``s.
    @usableFromInline let graphSource: (any GraphTaskSource<String>)?
    @usableFromInline let capacity: any PoolCapacity
    @usableFromInline let stopOnError: Bool
    /// The envelope stream of a streamed run (`runTasks`): workers may then drive and deliver. `nil` for
    /// `run(forEach:)`, whose handler runs on the caller's task only, and for `runToCompletion`.
    @usableFromInline let stream: TaskProgressStreamStorage<Envelope>?
    /// Whether envelopes are made at all: `false` for `runToCompletion`, whose caller hears of tasks
    /// through their callbacks only. No envelope then ever waits in the book, so a worker that drove
    /// wakes the loop only for tasks it cannot start itself and for the end of the run.
    @usableFromInline let makesEnvelopes: Bool

    @inlinable
    init(
        source: Source,
        capacity: any PoolCapacity,
        stopOnError: Bool,
        stream: TaskProgressStreamStorage<Envelope>? = nil,
        makesEnvelopes: Bool = true
    ) {
        self.source = source
        self.graphSource = source as? any GraphTaskSource<String>
        self.capacity = capacity
        self.stopOnError = stopOnError
        self.stream = stream
        self.makesEnvelopes = makesEnvelopes
    }

    /// Runs the whole run in the calling task, handing envelopes to `deliver` in batches, and returns the
    /// error that ended it (a task's error with `stopOnError`, or the consumer's), after every child has
    /// returned and every held cost has been released.
    @inlinable
    func run(deliver: ([Envelope]) async -> PoolDelivery) async -> (any Error)? {
        let channel = PoolEventChannel<Progress, Output>()
        let book = Book(channel: channel)
        channel.beginDriving()
        // Subscribe before the first fill so no arrival or release between fill and park is lost.
        // Sources and budgets of this library take a listener that raises the channel's flag directly;
        // others get a watcher task over their `changes()` stream.
        let stopCapacityListener = capacity.listenForChanges { channel.signalCapacity() }
        let capacityChanges = stopCapacityListener == nil ? capacity.changes() : nil
        let stopSourceListener = (source as? any ChangeListening)?.listenForChanges { channel.signalSource() }
        let sourceChanges = stopSourceListener == nil ? source.changes() : nil
        defer {
            stopCapacityListener?()
            stopSourceListener?()
        }
        await withDiscardingTaskGroup { group in
            if let capacityChanges {
                group.addTask {
                    for await _ in capacityChanges { channel.signalCapacity() }
                }
            }
            if let sourceChanges {
                group.addTask {
                    for await _ in sourceChanges { channel.signalSource() }
                    channel.signalSource()
                }
            }
            await loop(channel: channel, book: book, group: &group, deliver: deliver)
            group.cancelAll()
        }
        // Every child has returned and nobody drives any more: give back what the tasks still held
        // (cancelled, unobserved, or taken by a worker but never run).
        for record in book.inFlight.values { capacity.release(record.cost) }
        if !book.consumerGone && !book.envelopes.isEmpty {
            if case .failed(let error) = await deliver(book.envelopes) { return error }
        }
        return book.failure
    }

    /// The loop proper; returns once the run is over or stopped, holding the driver role for good.
    @inlinable
    func loop(
        channel: PoolEventChannel<Progress, Output>,
        book: Book,
        group: inout DiscardingTaskGroup,
        deliver: ([Envelope]) async -> PoolDelivery
    ) async {
        var events: [Event] = []
        var starts: [Start] = []

        func stop(consumerGone: Bool = false) {
            if consumerGone { book.consumerGone = true }
            channel.stop(releasingRole: false)
        }

        while true {
            // The fill below sees every change made so far, including the releases and completions the
            // loop itself just made: drop the signals raised until now, so they cost no extra round.
            channel.clearSignals()
            var started: [Start] = []
            let proceeds = fill(book: book) { started.append($0) }
            for start in started { spawn(start, channel: channel, book: book, group: &group) }
            if !proceeds { return stop() }

            if !book.envelopes.isEmpty {
                switch await deliver(book.envelopes) {
                case .delivered: break
                case .consumerGone: return stop(consumerGone: true)
                case .failed(let error):
                    book.failure = error
                    return stop(consumerGone: true)
                }
                book.envelopes.removeAll(keepingCapacity: true)
            }
            if book.inFlight.isEmpty && source.isFinished { return stop() }

            // Wait for anything: task events, capacity or source signals, tasks workers took, a stop.
            let (signals, isStopped) = await channel.handOff(into: &events, starts: &starts)
            if isStopped { return stop() }
            if signals.isCancelled { return stop(consumerGone: true) }
            for start in starts { spawn(start, channel: channel, book: book, group: &group) }
            starts.removeAll(keepingCapacity: true)
            let handled = handle(events, book: book)
            events.removeAll(keepingCapacity: true)
            if !handled { return stop() }
        }
    }

    /// Starts a task (already registered in the book) as a new child.
    @inlinable
    func spawn(
        _ start: Start,
        channel: PoolEventChannel<Progress, Output>,
        book: Book,
        group: inout DiscardingTaskGroup
    ) {
        let worker = self
        group.addTask {
            await worker.work(start, channel: channel, book: book)
        }
    }

    /// A child: runs its task, then, in a streamed run, drives and runs the next task it took, and so on.
    @inlinable
    func work(_ first: Start, channel: PoolEventChannel<Progress, Output>, book: Book) async {
        var current = first
        while true {
            let result = await PoolChild.perform(
                current.body, taskID: current.taskID, key: current.key, channel: channel)
            let event = Event.finished(taskID: current.taskID, result)
            guard !Task.isCancelled else { return channel.push(event) }
            guard let next = await drive(after: event, channel: channel, book: book) else { return }
            // A task taken after the run stopped is not run; the loop's cleanup releases its cost.
            if channel.isStopped { return }
            current = next
        }
    }

    /// A worker's turn as the driver after its task ended: handles the queued events, fills, delivers,
    /// and returns the first task it took (to run next), or `nil` when it did not get the role or took
    /// nothing.
    @inlinable
    func drive(after event: Event, channel: PoolEventChannel<Progress, Output>, book: Book) async -> Start? {
        var events: [Event] = []
        guard channel.finish(event, drivingWith: &events) else { return nil }
        var next: Start?
        var starts: [Start] = []
        repeat {
            var proceeds = handle(events, book: book)
            events.removeAll(keepingCapacity: true)
            if proceeds {
                channel.clearSignals()
                if !Task.isCancelled {
                    proceeds = fill(book: book) { start in
                        if next == nil { next = start } else { starts.append(start) }
                    }
                }
            }
            // `run(forEach:)`: the envelopes stay in the book for the loop, which alone calls the handler
            // (the worker asks for it below).
            if proceeds && !book.envelopes.isEmpty, let stream {
                if await stream.send(book.envelopes) {
                    book.envelopes.removeAll(keepingCapacity: true)
                } else {
                    book.consumerGone = true
                    proceeds = false
                }
            }
            if !proceeds {
                // Tasks taken in this round stay in the book: the loop's cleanup releases their costs.
                channel.stop(releasingRole: true)
                return nil
            }
        } while channel.release(
            into: &events, starts: &starts, wantsLoop: book.inFlight.isEmpty || !book.envelopes.isEmpty)
        return next
    }

    /// The handle a task's callbacks receive.
    @inlinable
    func handle(for key: String) -> TaskSourceHandle {
        TaskSourceHandle(key: key, source: source, graph: graphSource)
    }

    /// Handles task events in order; returns `false` when the run must stop (the error is in the book).
    @inlinable
    func handle(_ events: [Event], book: Book) -> Bool {
        for event in events {
            switch event {
            case .progress(let taskID, let progress):
                guard makesEnvelopes else { continue }
                book.envelopes.append(
                    Envelope(taskID: taskID, key: book.inFlight[taskID]?.key, kind: .intermediate(progress)))
            case .finished(let taskID, .success(let value)):
                guard let record = book.inFlight.removeValue(forKey: taskID) else { continue }
                capacity.release(record.cost)
                if let onComplete = record.onComplete {
                    do {
                        try onComplete(handle(for: record.key), value)
                    } catch {
                        book.failure = error
                        return false
                    }
                }
                if makesEnvelopes {
                    book.envelopes.append(Envelope(taskID: taskID, key: record.key, kind: .final(value)))
                }
            case .finished(let taskID, .failure(let error)):
                guard let record = book.inFlight.removeValue(forKey: taskID) else { continue }
                capacity.release(record.cost)
                if let onError = record.onError {
                    do {
                        try onError(handle(for: record.key), error)
                    } catch {
                        book.failure = error
                        return false
                    }
                }
                if stopOnError {
                    book.failure = error
                    return false
                }
                if makesEnvelopes {
                    book.envelopes.append(Envelope(taskID: taskID, key: record.key, kind: .error(error)))
                }
            case .admitted, .admissionEnded:
                preconditionFailure("admission events belong to the hierarchical runner")
            }
        }
        return true
    }

    /// Fill: atomic peek–check–acquire through the source's lock, until the head does not fit or nothing
    /// is available. Each affordable task is numbered, registered in the book and handed to `start`.
    /// Returns `false` when the run must stop (a cost that can never fit, with `stopOnError`).
    @inlinable
    func fill(book: Book, start: (Start) -> Void) -> Bool {
        while true {
            var rejection: CapacityError?
            let taken = source.take { task in
                if capacity.acquireIfAvailable(task.cost) { return true }
                if task.cost.hasNegativeAmount {
                    rejection = CapacityError(
                        code: .negativeAmount,
                        message: "task '\(task.key)': cost \(task.cost) has a negative amount"
                    )
                    return true
                }
                if !capacity.validateCost(task.cost) {
                    rejection = CapacityError(
                        code: .exceedsLimit,
                        message: "task '\(task.key)': cost \(task.cost) exceeds the capacity limits"
                    )
                    return true
                }
                return false
            }
            guard let task = taken else { return true }
            let taskID = book.nextTaskID
            book.nextTaskID += 1
            if let rejection {
                if let onError = task.onError {
                    do {
                        try onError(handle(for: task.key), rejection)
                    } catch {
                        book.failure = error
                        return false
                    }
                }
                if stopOnError {
                    book.failure = rejection
                    return false
                }
                if makesEnvelopes {
                    book.envelopes.append(Envelope(taskID: taskID, key: task.key, kind: .error(rejection)))
                }
                continue
            }
            book.inFlight[taskID] = InFlight(
                key: task.key,
                cost: task.cost,
                onComplete: task.onComplete,
                onError: task.onError
            )
            start(Start(taskID: taskID, key: task.key, body: task.body))
        }
    }
}

extension ScheduledPoolLoop: Sendable {}
