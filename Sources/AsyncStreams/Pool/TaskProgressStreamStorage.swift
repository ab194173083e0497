// `public` only so that the storage's `@inlinable` methods may use `Mutex`; no public API exposes it.
public import Synchronization

/// The shared state of one ``TaskProgressStream``: the `Mutex`, the parked continuations and the runner
/// loop's task.
///
/// The loop task is created by the first `next()` (through `start`) and stored here so that cancellation
/// of the consumer, or the consumer dropping its iterator, cancels it.
@usableFromInline
final class TaskProgressStreamStorage<Element: Sendable>: Sendable {
    @usableFromInline typealias Machine = TaskProgressStreamStateMachine<Element>

    @usableFromInline
    struct State: Sendable {
        @usableFromInline var machine: Machine
        @usableFromInline var start: (@Sendable (TaskProgressStreamStorage<Element>) -> Task<Void, Never>)?
        @usableFromInline var task: Task<Void, Never>?
        @usableFromInline var isCancelled = false

        @inlinable
        init(machine: Machine, start: (@Sendable (TaskProgressStreamStorage<Element>) -> Task<Void, Never>)?) {
            self.machine = machine
            self.start = start
        }
    }

    @usableFromInline let state: Mutex<State>

    @inlinable
    init(limit: Int, start: @escaping @Sendable (TaskProgressStreamStorage<Element>) -> Task<Void, Never>) {
        state = Mutex(State(machine: Machine(limit: limit), start: start))
    }

    // MARK: - Consumer

    @inlinable
    func next() async throws -> Element? {
        startIfNeeded()
        let fast = state.withLock { $0.machine.next() }
        if case .deliver(let result, let wake) = fast {
            wake?.resume(returning: true)
            return try result.get()
        }
        let result = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: Machine.ConsumerContinuation) in
                let immediate = state.withLock { $0.machine.suspendConsumer(continuation) }
                if let immediate {
                    immediate.resumeProducer?.resume(returning: true)
                    continuation.resume(returning: immediate.result)
                }
            }
        } onCancel: {
            cancel()
        }
        return try result.get()
    }

    @inlinable
    func startIfNeeded() {
        let start = state.withLock { state -> (@Sendable (TaskProgressStreamStorage<Element>) -> Task<Void, Never>)? in
            guard state.machine.startIfNeeded() else { return nil }
            defer { state.start = nil }
            return state.start
        }
        guard let start else { return }
        let task = start(self)
        let cancelNow = state.withLock { state -> Bool in
            state.task = task
            return state.isCancelled
        }
        if cancelNow { task.cancel() }
    }

    /// Called when the consumer is cancelled or drops the stream: stops the loop, which cleans up and
    /// then calls ``finish(_:)``.
    @inlinable
    func cancel() {
        let (task, producer, consumer) = state.withLock { state in
            state.isCancelled = true
            state.start = nil
            let (producer, consumer) = state.machine.cancel()
            return (state.task, producer, consumer)
        }
        producer?.resume(returning: false)
        consumer?.resume(returning: .success(nil))
        task?.cancel()
    }

    /// Whether the loop is parked because the buffer is full (for tests of the pacing).
    var isProducerWaiting: Bool { state.withLock { $0.machine.isProducerWaiting } }

    // MARK: - Producer

    /// Buffers `elements` and waits while the buffer is full. Returns `false` when the consumer is gone
    /// and the loop should stop.
    @inlinable
    func send(_ elements: some Sequence<Element>) async -> Bool {
        let action = state.withLock { $0.machine.send(elements) }
        switch action {
        case .stop:
            return false
        case .buffered(let resume, let mustWait):
            if let (consumer, result) = resume { consumer.resume(returning: result) }
            if !mustWait { return true }
        }
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: Machine.ProducerContinuation) in
                if let now = state.withLock({ $0.machine.suspendProducer(continuation) }) {
                    continuation.resume(returning: now)
                }
            }
        } onCancel: {
            cancel()
        }
    }

    /// Ends the stream after the loop's cleanup: buffered elements are still delivered, then `error` is
    /// thrown or the sequence ends.
    @inlinable
    func finish(_ error: (any Error)?) {
        let resume = state.withLock { $0.machine.finish(error) }
        if let (consumer, result) = resume { consumer.resume(returning: result) }
    }
}

/// Cancels the run when the last copy of the sequence and its iterators goes away.
@usableFromInline
final class TaskProgressStreamHandle<Element: Sendable>: Sendable {
    @usableFromInline let storage: TaskProgressStreamStorage<Element>

    @inlinable init(storage: TaskProgressStreamStorage<Element>) { self.storage = storage }

    deinit { storage.cancel() }
}
