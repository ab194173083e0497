import Synchronization

/// A resettable signal: producers ``resolve(_:)`` values, a consumer awaits the next one.
///
/// When nobody is waiting, a resolved value is stored and the next ``wait()`` returns it without
/// suspending; several resolves with nobody waiting collapse into the latest value (last value wins),
/// and a delivered value is consumed. ``reject(_:)`` is sticky: that wait and every later one throw the
/// error. ``stop()`` ends the signal: waits return `nil` and a `for try await` loop over the object ends.
///
/// ```swift
/// let signal = WaitObject<Bool>(label: "capacity")
/// signal.resolve(true)
/// let value = try await signal.wait()  // true, without suspending
/// signal.stop()
/// for try await _ in signal {}        // ends at once
/// ```
///
/// Behaviour worth knowing:
/// - **Several waiters at once** are served first come, first served, one value each: a `resolve` goes
///   to the oldest waiter; a value is stored only when nobody waits. It is a single-consumer design at
///   heart (the stored value is one slot); to wake many listeners, use a subscription such as
///   ``ResourceCapacitySource/changes()``.
/// - A value stored before ``stop()`` or ``reject(_:)`` is discarded. The first of `stop` and `reject`
///   wins; later calls to `stop`, `reject` and `resolve` are ignored.
///
/// Thread-safe: every method may be called from any isolation domain. Waiting continuations are resumed
/// after the internal lock is released. Cancelling a waiting task removes its waiter and makes its
/// ``wait()`` throw `CancellationError`; a stored value is still delivered to an already-cancelled
/// task, since it does not need to suspend.
public final class WaitObject<Value: Sendable>: Sendable {
    private typealias Machine = WaitObjectStateMachine<Value, CheckedContinuation<Value?, any Error>>

    private struct State {
        var machine: Machine
        var nextID: UInt64 = 0
    }

    /// A name for diagnostics.
    public let label: String

    private let state: Mutex<State>

    /// Creates a signal, optionally holding a value so that the first ``wait()`` returns at once.
    ///
    /// - Parameters:
    ///   - label: a name for diagnostics.
    ///   - initialValue: a value the first ``wait()`` returns without suspending.
    public init(label: String = "", initialValue: Value? = nil) {
        self.label = label
        self.state = Mutex(State(machine: Machine(initialValue: initialValue)))
    }

    /// Awaits the next value.
    ///
    /// - Returns: the stored value, or the next resolved one; `nil` once ``stop()`` has been called.
    /// - Throws: the error given to ``reject(_:)`` (every time, once rejected), or `CancellationError`
    ///   when the waiting task is cancelled.
    public func wait() async throws -> Value? {
        if let outcome = state.withLock({ $0.machine.immediateOutcome() }) {
            return try Self.unwrap(outcome)
        }
        let id = state.withLock { state -> UInt64 in
            state.nextID &+= 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value?, any Error>) in
                let outcome = state.withLock {
                    $0.machine.wait(id: id, waiter: continuation, isCancelled: Task.isCancelled)
                }
                if let outcome { continuation.resume(with: Result { try Self.unwrap(outcome) }) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.machine.cancel(id: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Delivers `value` to the oldest waiter, or stores it (replacing any stored value) when nobody
    /// waits. Ignored after ``stop()`` or ``reject(_:)``.
    public func resolve(_ value: Value) {
        let waiter = state.withLock { $0.machine.resolve(value) }
        waiter?.resume(returning: value)
    }

    /// Fails every current and future wait with `error` (sticky). Ignored once stopped or rejected.
    public func reject(_ error: any Error) {
        let waiters = state.withLock { $0.machine.finish(.failed(error)) }
        for waiter in waiters { waiter.resume(throwing: error) }
    }

    /// Ends the signal: current and future waits return `nil`. Idempotent; ignored once rejected.
    public func stop() {
        let waiters = state.withLock { $0.machine.finish(.stopped) }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// Whether a value is stored, so that the next ``wait()`` would return without suspending.
    public var hasPendingValue: Bool { state.withLock { $0.machine.stored != nil } }

    /// The number of tasks currently suspended in ``wait()``.
    public var waiterCount: Int { state.withLock { $0.machine.waiterCount } }

    private static func unwrap(_ outcome: Machine.Outcome) throws -> Value? {
        switch outcome {
        case .value(let value): return value
        case .finished: return nil
        case .failure(let error): throw error
        }
    }
}

// MARK: - AsyncSequence

extension WaitObject: AsyncSequence {
    /// The values a consumer receives, one ``WaitObject/wait()`` per element.
    public typealias Element = Value
    /// Errors come from ``WaitObject/reject(_:)`` and cancellation.
    public typealias Failure = any Error

    /// Iterates by calling ``WaitObject/wait()``; ends when the object is stopped.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let object: WaitObject

        /// The next value, or `nil` once the object is stopped.
        public mutating func next() async throws -> Value? {
            try await object.wait()
        }
    }

    /// An iterator over the values resolved from now on.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(object: self) }
}
