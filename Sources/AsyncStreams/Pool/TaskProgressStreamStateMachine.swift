/// The pure state of a ``TaskProgressStream``: a bounded envelope buffer between one producer (the
/// runner's loop) and one consumer. No locks, no tasks: `TaskProgressStreamStorage` guards it with a
/// `Mutex` and performs the returned actions after unlocking.
@usableFromInline
struct TaskProgressStreamStateMachine<Element: Sendable>: Sendable {
    @usableFromInline
    typealias ConsumerContinuation = UnsafeContinuation<Result<Element?, any Error>, Never>
    @usableFromInline
    typealias ProducerContinuation = UnsafeContinuation<Bool, Never>

    @usableFromInline
    enum Phase: Sendable {
        /// The producer may still send.
        case running
        /// The producer finished; buffered elements are still delivered, then `nil` or the error.
        case finished((any Error)?)
        /// The consumer went away or was cancelled: the buffer is dropped, the producer is told to stop,
        /// and the consumer gets `nil` once the producer has finished its cleanup.
        case cancelled(producerDone: Bool)
    }

    @usableFromInline
    var buffer = FIFOQueue<Element>()
    @usableFromInline
    var phase = Phase.running
    @usableFromInline
    var consumer: ConsumerContinuation?
    @usableFromInline
    var producer: ProducerContinuation?
    @usableFromInline
    var isStarted = false
    /// The producer suspends when the buffer reaches `limit` and resumes when it drains to `resumeBelow`.
    @usableFromInline
    let limit: Int
    @usableFromInline
    let resumeBelow: Int

    @inlinable
    init(limit: Int) {
        precondition(limit > 0, "envelope buffer limit must be positive")
        self.limit = limit
        self.resumeBelow = max(limit / 2, 1)
    }

    /// Whether the producer is parked on a full buffer.
    @inlinable
    var isProducerWaiting: Bool { producer != nil }

    /// The number of buffered elements.
    @inlinable
    var bufferedCount: Int { buffer.count }

    // MARK: - Consumer

    /// Whether the first `next()` must start the producer; sets the flag.
    @inlinable
    mutating func startIfNeeded() -> Bool {
        if isStarted { return false }
        isStarted = true
        if case .cancelled = phase { return false }
        return true
    }

    @usableFromInline
    enum NextAction: Sendable {
        case deliver(Result<Element?, any Error>, resumeProducer: ProducerContinuation?)
        case suspend
    }

    @inlinable
    mutating func next() -> NextAction {
        switch phase {
        case .cancelled(let producerDone):
            return producerDone || !isStarted ? .deliver(.success(nil), resumeProducer: nil) : .suspend
        case .running, .finished:
            if let element = buffer.popFirst() {
                var wake: ProducerContinuation?
                if buffer.count < resumeBelow, let waiting = producer {
                    producer = nil
                    wake = waiting
                }
                return .deliver(.success(element), resumeProducer: wake)
            }
            if case .finished(let error) = phase {
                // Deliver the end once; later calls see a plain end.
                phase = .finished(nil)
                if let error { return .deliver(.failure(error), resumeProducer: nil) }
                return .deliver(.success(nil), resumeProducer: nil)
            }
            return .suspend
        }
    }

    /// Parks the consumer, unless the state changed since `next()` said to suspend: then returns what to
    /// deliver at once (and a producer to wake).
    @inlinable
    mutating func suspendConsumer(
        _ continuation: ConsumerContinuation
    ) -> (result: Result<Element?, any Error>, resumeProducer: ProducerContinuation?)? {
        precondition(consumer == nil, "TaskProgressStream supports one consumer at a time")
        switch next() {
        case .deliver(let result, let wake):
            return (result, wake)
        case .suspend:
            consumer = continuation
            return nil
        }
    }

    /// The consumer was cancelled or dropped its iterator. Returns the parked producer to resume with
    /// `false`; the caller cancels the producer task.
    @inlinable
    mutating func cancel() -> (producer: ProducerContinuation?, consumer: ConsumerContinuation?) {
        switch phase {
        case .cancelled:
            return (nil, nil)
        case .finished:
            buffer.removeAll()
            phase = .cancelled(producerDone: true)
            let parked = consumer
            consumer = nil
            return (nil, parked)
        case .running:
            buffer.removeAll()
            phase = .cancelled(producerDone: !isStarted)
            let waiting = producer
            producer = nil
            return (waiting, nil)
        }
    }

    // MARK: - Producer

    @usableFromInline
    enum SendAction: Sendable {
        /// Elements buffered; resume the parked consumer (if any) with the first one.
        case buffered(resumeConsumer: (ConsumerContinuation, Result<Element?, any Error>)?, mustWait: Bool)
        /// The consumer is gone: stop producing.
        case stop
    }

    @inlinable
    mutating func send(_ elements: some Sequence<Element>) -> SendAction {
        guard case .running = phase else { return .stop }
        buffer.append(contentsOf: elements)
        var resume: (ConsumerContinuation, Result<Element?, any Error>)?
        if let parked = consumer, let first = buffer.popFirst() {
            consumer = nil
            resume = (parked, .success(first))
        }
        return .buffered(resumeConsumer: resume, mustWait: buffer.count >= limit)
    }

    /// Parks the producer until the buffer drains; returns `true`/`false` to resume it with at once.
    @inlinable
    mutating func suspendProducer(_ continuation: ProducerContinuation) -> Bool? {
        switch phase {
        case .running:
            if buffer.count < limit { return true }
            precondition(producer == nil, "the producer parked twice")
            producer = continuation
            return nil
        case .finished, .cancelled:
            return false
        }
    }

    /// The producer is done (after its cleanup). Returns the parked consumer and what to resume it with.
    @inlinable
    mutating func finish(_ error: (any Error)?) -> (ConsumerContinuation, Result<Element?, any Error>)? {
        switch phase {
        case .finished:
            return nil
        case .cancelled:
            phase = .cancelled(producerDone: true)
            guard let parked = consumer else { return nil }
            consumer = nil
            return (parked, .success(nil))
        case .running:
            phase = .finished(error)
            guard let parked = consumer else { return nil }
            consumer = nil
            guard case .deliver(let result, _) = next() else {
                preconditionFailure("a finished stream always delivers")
            }
            return (parked, result)
        }
    }
}
