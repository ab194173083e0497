import Synchronization

/// One source of an ``AsyncIteratorCombiner``, erased to the loop its pump task runs.
struct CombinerSource<Element: Sendable>: Sendable {
    let run: @Sendable (CombinerStorage<Element>, Int) async -> Void

    init<Source: AsyncSequence & Sendable>(_ source: Source) where Source.Element == Element {
        run = { storage, index in
            var iterator = source.makeAsyncIterator()
            while await storage.awaitDemand(index) {
                do {
                    let value = try await iterator.next()
                    storage.deliver(index, .success(value))
                    if value == nil { return }
                } catch {
                    storage.deliver(index, .failure(error))
                    return
                }
            }
        }
    }
}

/// The lock-protected storage behind an ``AsyncIteratorCombiner``: pump tasks and waiting consumers.
///
/// The lock guards only the ``CombinerStateMachine``; pump tasks are created, cancelled and resumed
/// after unlocking. Pump tasks are unstructured tasks owned by this storage: stored when created and
/// cancelled by ``close()`` (on an error, on consumer cancellation, or when the combiner is released).
final class CombinerStorage<Element: Sendable>: Sendable {
    typealias Machine = CombinerStateMachine<Element>

    private let state: Mutex<Machine>
    private let sources: [CombinerSource<Element>]
    private let consumerIDs = WaiterIDGenerator()

    init(sources: [CombinerSource<Element>]) {
        self.sources = sources
        state = Mutex(Machine(sourceCount: sources.count))
    }

    var liveCount: Int { state.withLock { $0.liveCount } }

    // MARK: - Pump side

    /// Suspends the pump of source `index` until a consumer requests a value; `false` means stop.
    func awaitDemand(_ index: Int) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let granted = state.withLock { machine in
                    machine.awaitDemand(index, continuation: continuation, isCancelled: Task.isCancelled)
                }
                if let granted { continuation.resume(returning: granted) }
            }
        } onCancel: {
            state.withLock { $0.removeDemandWaiter(index) }?.resume(returning: false)
        }
    }

    func deliver(_ index: Int, _ result: Result<Element?, any Error>) {
        var effects = Machine.Effects()
        state.withLock { $0.deliver(index, result, effects: &effects) }
        execute(effects)
    }

    // MARK: - Consumer side

    /// Polls until `poll` produces a result; `nil` when the consumer's task was cancelled (which closes
    /// the combiner and cancels every pump).
    func consume<T>(_ poll: (inout Machine, inout Machine.Effects) -> Machine.Poll<T>) async -> T? {
        while true {
            var effects = Machine.Effects()
            let polled = state.withLock { poll(&$0, &effects) }
            execute(effects)
            switch polled {
            case .done(let result):
                return result
            case .wait(let generation):
                if Task.isCancelled {
                    close()
                    return nil
                }
                await waitForChange(after: generation)
            }
        }
    }

    private func waitForChange(after generation: UInt64) async {
        let id = consumerIDs.next()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let parked = state.withLock { machine in
                    !Task.isCancelled && machine.park(id, continuation: continuation, generation: generation)
                }
                if !parked { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.removeConsumer(id) }?.resume()
        }
    }

    /// Stops everything: pumps are cancelled, waiting consumers see the combiner closed. Idempotent.
    func close() {
        var effects = Machine.Effects()
        state.withLock { $0.close(effects: &effects) }
        execute(effects)
    }

    // MARK: - After unlocking

    private func execute(_ effects: Machine.Effects) {
        for (waiter, proceed) in effects.grantDemand { waiter.resume(returning: proceed) }
        for task in effects.cancelTasks { task.cancel() }
        for consumer in effects.wakeConsumers { consumer.resume() }
        for index in effects.startPumps {
            let source = sources[index]
            let task = Task { [self] in await source.run(self, index) }
            state.withLock { $0.register(task, for: index) }?.cancel()
        }
    }
}
