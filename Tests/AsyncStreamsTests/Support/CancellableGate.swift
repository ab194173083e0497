import Synchronization
import Testing

/// A one-shot barrier for tests: `wait()` suspends until `open()`; waits after opening return at once.
/// A cancelled waiter throws `CancellationError` at once. A wait that lasts longer than
/// ``testWaitTimeout`` fails the test and throws ``DeadlineExceeded``.
final class CancellableGate: Sendable {
    private struct State {
        var isOpen = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
    }

    private let state = Mutex(State())

    init() {}

    var waiterCount: Int { state.withLock { $0.waiters.count } }

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await withDeadline("the gate to open or the waiting task to be cancelled", sourceLocation: sourceLocation) {
            try await self.waitWithoutDeadline()
        }
    }

    private func waitWithoutDeadline() async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Bool? in
                    if state.isOpen { return true }
                    if Task.isCancelled { return false }
                    state.waiters[id] = continuation
                    return nil
                }
                switch outcome {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }
}
