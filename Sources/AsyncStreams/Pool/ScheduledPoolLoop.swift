/// The loop of one ``ScheduledTaskPoolRunner`` run. Owns the in-flight table; see the runner's
/// documentation for the protocol.
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
        @usableFromInline var onComplete: (@Sendable (String, Output) -> Void)?
        @usableFromInline var onError: (@Sendable (String, any Error) -> Void)?

        @inlinable
        init(
            key: String,
            cost: ResourceCost,
            onComplete: (@Sendable (String, Output) -> Void)?,
            onError: (@Sendable (String, any Error) -> Void)?
        ) {
            self.key = key
            self.cost = cost
            self.onComplete = onComplete
            self.onError = onError
        }
    }

    /// What the group body hands back for cleanup.
    @usableFromInline
    struct Outcome {
        @usableFromInline var inFlight: [Int: InFlight]
        @usableFromInline var envelopes: [Envelope]
        @usableFromInline var failure: (any Error)?
        @usableFromInline var consumerGone: Bool

        @inlinable
        init(inFlight: [Int: InFlight], envelopes: [Envelope], failure: (any Error)?, consumerGone: Bool) {
            self.inFlight = inFlight
            self.envelopes = envelopes
            self.failure = failure
            self.consumerGone = consumerGone
        }
    }

    @usableFromInline let source: Source
    @usableFromInline let capacity: any PoolCapacity
    @usableFromInline let stopOnError: Bool

    @inlinable
    init(source: Source, capacity: any PoolCapacity, stopOnError: Bool) {
        self.source = source
        self.capacity = capacity
        self.stopOnError = stopOnError
    }

    /// Runs the whole run in the calling task, handing envelopes to `deliver` in batches, and returns the
    /// error that ended it (a task's error with `stopOnError`, or the consumer's), after every child has
    /// returned and every held cost has been released.
    @inlinable
    func run(deliver: ([Envelope]) async -> PoolDelivery) async -> (any Error)? {
        let channel = PoolEventChannel<Progress, Output>()
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
        let outcome = await withDiscardingTaskGroup(returning: Outcome.self) { group in
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
            let outcome = await loop(channel: channel, group: &group, deliver: deliver)
            group.cancelAll()
            return outcome
        }
        // Every child has returned: give back what the tasks still held (cancelled or unobserved ones).
        for record in outcome.inFlight.values { capacity.release(record.cost) }
        if !outcome.consumerGone && !outcome.envelopes.isEmpty {
            if case .failed(let error) = await deliver(outcome.envelopes) { return error }
        }
        return outcome.failure
    }

    @inlinable
    func loop(
        channel: PoolEventChannel<Progress, Output>,
        group: inout DiscardingTaskGroup,
        deliver: ([Envelope]) async -> PoolDelivery
    ) async -> Outcome {
        var inFlight: [Int: InFlight] = [:]
        var nextTaskID = 1
        var events: [Event] = []
        var envelopes: [Envelope] = []

        func stop(_ failure: (any Error)?, consumerGone: Bool = false) -> Outcome {
            Outcome(inFlight: inFlight, envelopes: envelopes, failure: failure, consumerGone: consumerGone)
        }

        while true {
            // The fill below sees every change made so far, including the releases and completions the
            // loop itself just made: drop the signals raised until now, so they cost no extra round.
            channel.clearSignals()
            // Fill: atomic peek–check–acquire through the source's lock.
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
                guard let task = taken else { break }
                let taskID = nextTaskID
                nextTaskID += 1
                if let rejection {
                    task.onError?(task.key, rejection)
                    if stopOnError { return stop(rejection) }
                    envelopes.append(Envelope(taskID: taskID, key: task.key, kind: .error(rejection)))
                    continue
                }
                inFlight[taskID] = InFlight(
                    key: task.key,
                    cost: task.cost,
                    onComplete: task.onComplete,
                    onError: task.onError
                )
                let body = task.body
                let key = task.key
                group.addTask {
                    await PoolChild.run(body, taskID: taskID, key: key, channel: channel)
                }
            }

            if !envelopes.isEmpty {
                switch await deliver(envelopes) {
                case .delivered: break
                case .consumerGone: return stop(nil, consumerGone: true)
                case .failed(let error): return stop(error, consumerGone: true)
                }
                envelopes.removeAll(keepingCapacity: true)
            }
            if inFlight.isEmpty && source.isFinished { return stop(nil) }

            // Wait for anything: task events, capacity or source signals.
            let signals = await channel.drain(into: &events)
            if signals.isCancelled { return stop(nil, consumerGone: true) }
            defer { events.removeAll(keepingCapacity: true) }
            for event in events {
                switch event {
                case .progress(let taskID, let progress):
                    envelopes.append(
                        Envelope(taskID: taskID, key: inFlight[taskID]?.key, kind: .intermediate(progress)))
                case .finished(let taskID, .success(let value)):
                    guard let record = inFlight.removeValue(forKey: taskID) else { continue }
                    capacity.release(record.cost)
                    record.onComplete?(record.key, value)
                    envelopes.append(Envelope(taskID: taskID, key: record.key, kind: .final(value)))
                case .finished(let taskID, .failure(let error)):
                    guard let record = inFlight.removeValue(forKey: taskID) else { continue }
                    capacity.release(record.cost)
                    record.onError?(record.key, error)
                    if stopOnError { return stop(error) }
                    envelopes.append(Envelope(taskID: taskID, key: record.key, kind: .error(error)))
                case .admitted, .admissionEnded:
                    preconditionFailure("admission events belong to the hierarchical runner")
                }
            }
        }
    }
}
