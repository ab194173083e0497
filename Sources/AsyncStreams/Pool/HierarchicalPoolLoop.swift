import DequeModule

/// The loop of one ``HierarchicalTaskPoolRunner`` run: an admission child acquires a unit and takes a
/// body; the loop starts it, forwards its events, and releases the unit when it ends.
struct HierarchicalPoolLoop<Progress: Sendable, Output: Sendable> {
    typealias Envelope = TaskProgressEnvelope<Progress, Output>
    typealias Event = PoolEvent<Progress, Output>

    /// What the group body hands back for cleanup.
    struct Outcome {
        var unitsHeld: Int
        var envelopes: [Envelope]
        var failure: (any Error)?
        var consumerGone: Bool
    }

    let source: any TaskSource<PoolEntry<Progress, Output>>
    let slots: any PoolSlots
    let stopOnError: Bool

    /// Runs the whole run in the calling task, handing envelopes to `deliver` in batches, and returns the
    /// error that ended it (a task's error with `stopOnError`, or the consumer's), after every child has
    /// returned and every held cost has been released.
    func run(deliver: ([Envelope]) async -> PoolDelivery) async -> (any Error)? {
        let channel = PoolEventChannel<Progress, Output>()
        let sourceChanges = source.changes()
        let source = self.source
        let slots = self.slots
        var outcome = await withDiscardingTaskGroup(returning: Outcome.self) { group in
            group.addTask {
                await Self.admit(source: source, slots: slots, changes: sourceChanges, channel: channel)
            }
            let outcome = await loop(channel: channel, group: &group, deliver: deliver)
            group.cancelAll()
            return outcome
        }
        // Every child has returned. Units admitted but never started are still queued as events.
        var leftovers: [Event] = []
        _ = channel.tryDrain(into: &leftovers)
        for case .admitted in leftovers { outcome.unitsHeld += 1 }
        for _ in 0..<outcome.unitsHeld { slots.release() }
        if !outcome.consumerGone && !outcome.envelopes.isEmpty {
            if case .failed(let error) = await deliver(outcome.envelopes) { return error }
        }
        return outcome.failure
    }

    /// The admission child: one `acquire()` at a time, and a body is taken only once its unit is held.
    private static func admit(
        source: any TaskSource<PoolEntry<Progress, Output>>,
        slots: any PoolSlots,
        changes: AsyncStream<Void>,
        channel: PoolEventChannel<Progress, Output>
    ) async {
        var arrivals = changes.makeAsyncIterator()
        while !Task.isCancelled {
            if source.peek() == nil {
                if source.isFinished { break }
                // The subscription predates this check, so an arrival in between is not lost.
                if await arrivals.next() == nil && source.peek() == nil { break }
                continue
            }
            do { _ = try await slots.acquire() } catch { break }
            if Task.isCancelled {
                slots.release()
                break
            }
            if let entry = source.take(where: { _ in true }) {
                channel.push(.admitted(entry.body, key: entry.key))
            } else {
                slots.release()
            }
        }
        channel.push(.admissionEnded)
    }

    private func loop(
        channel: PoolEventChannel<Progress, Output>,
        group: inout DiscardingTaskGroup,
        deliver: ([Envelope]) async -> PoolDelivery
    ) async -> Outcome {
        var running: [Int: String?] = [:]
        var nextTaskID = 1
        var admissionEnded = false
        var events: Deque<Event> = []
        var batch: [Event] = []
        var envelopes: [Envelope] = []

        func stop(_ failure: (any Error)?, consumerGone: Bool = false) -> Outcome {
            // Units admitted but not started yet are held too.
            var unitsHeld = running.count
            for case .admitted in events { unitsHeld += 1 }
            return Outcome(unitsHeld: unitsHeld, envelopes: envelopes, failure: failure, consumerGone: consumerGone)
        }

        while true {
            if !envelopes.isEmpty {
                switch await deliver(envelopes) {
                case .delivered: break
                case .consumerGone: return stop(nil, consumerGone: true)
                case .failed(let error): return stop(error, consumerGone: true)
                }
                envelopes.removeAll(keepingCapacity: true)
            }
            if admissionEnded && running.isEmpty { return stop(nil) }
            let signals = await channel.drain(into: &batch)
            events.append(contentsOf: batch)
            batch.removeAll(keepingCapacity: true)
            if signals.isCancelled { return stop(nil, consumerGone: true) }
            while let event = events.popFirst() {
                switch event {
                case .admitted(let body, let key):
                    let taskID = nextTaskID
                    nextTaskID += 1
                    running.updateValue(key, forKey: taskID)  // a nil key is stored too
                    group.addTask {
                        await PoolChild.run(body, taskID: taskID, key: key, channel: channel)
                    }
                case .admissionEnded:
                    admissionEnded = true
                case .progress(let taskID, let progress):
                    envelopes.append(
                        Envelope(taskID: taskID, key: running[taskID] ?? nil, kind: .intermediate(progress)))
                case .finished(let taskID, .success(let value)):
                    guard let key = running.removeValue(forKey: taskID) else { continue }
                    slots.release()
                    envelopes.append(Envelope(taskID: taskID, key: key, kind: .final(value)))
                case .finished(let taskID, .failure(let error)):
                    guard let key = running.removeValue(forKey: taskID) else { continue }
                    slots.release()
                    if stopOnError { return stop(error) }
                    envelopes.append(Envelope(taskID: taskID, key: key, kind: .error(error)))
                }
            }
        }
    }
}
