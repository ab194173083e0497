import Synchronization

/// The first of several racing values, handed to one continuation exactly once.
package final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, Never>?
        var value: Value?
        var isResumed = false
    }

    private let state = Mutex(State())

    package init() {}

    /// Sets the continuation to resume; resumes it at once if a value came first.
    package func install(_ continuation: CheckedContinuation<Value, Never>) {
        let value: Value? = state.withLock { state in
            precondition(state.continuation == nil && !state.isResumed, "one continuation per slot")
            guard let value = state.value else {
                state.continuation = continuation
                return nil
            }
            state.isResumed = true
            return value
        }
        if let value { continuation.resume(returning: value) }
    }

    /// Offers `value`; only the first offer counts (`true` for it).
    @discardableResult
    package func fill(_ value: Value) -> Bool {
        let (isFirst, continuation): (Bool, CheckedContinuation<Value, Never>?) = state.withLock { state in
            guard state.value == nil else { return (false, nil) }
            state.value = value
            guard let continuation = state.continuation else { return (true, nil) }
            state.isResumed = true
            state.continuation = nil
            return (true, continuation)
        }
        continuation?.resume(returning: value)
        return isFirst
    }
}
