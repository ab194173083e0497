import StaskCore
import Synchronization

/// A jobserver whose tokens the test hands out; a wait for a token ends when one is added or returned.
final class FakeJobserver: JobserverClient {
    private struct State {
        var tokens: [UInt8]
        var returned: [UInt8] = []
        var isGone = false
        var waiters: [(id: Int, continuation: CheckedContinuation<UInt8?, Never>)] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    init(tokens: [UInt8], isGone: Bool = false) {
        state = Mutex(State(tokens: tokens, isGone: isGone))
    }

    var returned: [UInt8] { state.withLock { $0.returned } }

    func acquireToken() async throws -> UInt8? {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        let token = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<UInt8?, Never>) in
                let now = state.withLock { state -> UInt8?? in
                    if Task.isCancelled || state.isGone { return .some(nil) }
                    if !state.tokens.isEmpty { return .some(state.tokens.removeFirst()) }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<UInt8?, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: nil)
        }
        if Task.isCancelled {
            if let token { releaseToken(token) }
            throw CancellationError()
        }
        return token
    }

    func releaseToken(_ token: UInt8) {
        state.withLock { $0.returned.append(token) }
        add(token)
    }

    /// Makes `token` available: to the longest waiter, else to the next acquisition.
    func add(_ token: UInt8) {
        let waiter = state.withLock { state -> CheckedContinuation<UInt8?, Never>? in
            if state.waiters.isEmpty {
                state.tokens.append(token)
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: token)
    }

    func environmentForNestedBuild(_ environment: [String: String]) -> [String: String] { environment }
    var descriptorsForNestedBuild: [Int32: Int32] { [:] }
}
