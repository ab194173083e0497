package import AsyncStreams
import Synchronization

/// Lets a step run alone in memory: it takes the whole `mem` budget, on top of what the step already holds.
///
/// The retry of a step that the out-of-memory killer ended goes through here, so that it cannot be killed
/// again because of its neighbours. Only one step at a time gathers the budget. Steps queued behind it keep
/// the charge the scheduler gave them (only the scheduler returns it, when their task ends), but run
/// nothing meanwhile, so the one gathering leaves their charges out of "the whole budget"; otherwise two
/// steps killed in one episode would each wait for memory the other holds. Gathering takes whatever `mem`
/// comes free as it comes (an acquisition is all-or-nothing, so waiting for the whole remainder at once
/// would let smaller steps take every release first), and gives it all back when the step ends, also when
/// it fails or is cancelled.
package final class WholeMemoryBudget: Sendable {
    private struct State {
        var capacity: ResourceCapacitySource?
        var isGathering = false
        var waiters: [(id: UInt64, held: Double, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
        /// Wakes the step gathering when a step queues behind it (its charge then counts no more).
        var wakeGatherer: AsyncStream<Void>.Continuation?
    }

    private let state = Mutex(State())

    package init() {}

    /// Uses `capacity`'s `mem` budget from now on (the scheduler attaches its capacity before it runs).
    package func attach(_ capacity: ResourceCapacitySource) {
        state.withLock { $0.capacity = capacity }
    }

    /// Whether there is a `mem` budget to gather at all.
    package var hasBudget: Bool {
        state.withLock { $0.capacity.map { $0.limits.amounts[MemorySyntax.resource] != nil } ?? false }
    }

    /// Runs `body` holding the whole `mem` budget: `held` (the step's own charge) plus the rest, gathered
    /// as other steps release it, less the charges of steps queued to do the same.
    ///
    /// - Throws: what `body` throws; `CancellationError` when cancelled while queued or gathering (nothing
    ///   stays held).
    package func runAlone<T: Sendable>(holding held: Double, _ body: () async throws -> T) async throws -> T {
        guard let capacity = state.withLock({ $0.capacity }),
            let limit = capacity.limits.amounts[MemorySyntax.resource]
        else { return try await body() }
        try await enterGate(holding: held)
        defer { leaveGate() }
        let (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        state.withLock { $0.wakeGatherer = wake }
        var gathered = 0.0
        defer { if gathered > 0 { capacity.release([MemorySyntax.resource: gathered]) } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in capacity.changes() { wake.yield() }
            }
            defer { group.cancelAll() }
            var iterator = wakeups.makeAsyncIterator()
            while true {
                let queued = state.withLock { $0.waiters.reduce(0) { $0 + $1.held } }
                let wanted = limit - held - queued - gathered
                if wanted <= 0 { break }
                let take = min(capacity.available[MemorySyntax.resource], wanted)
                if take > 0, capacity.acquireIfAvailable([MemorySyntax.resource: take]) {
                    gathered += take
                    continue
                }
                try Task.checkCancellation()
                _ = await iterator.next()
                try Task.checkCancellation()
            }
        }
        return try await body()
    }

    private func enterGate(holding held: Double) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if !state.isGathering {
                        state.isGathering = true
                        return .success(())
                    }
                    state.waiters.append((id, held, continuation))
                    state.wakeGatherer?.yield()
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            cancelled?.resume(throwing: CancellationError())
        }
    }

    private func leaveGate() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            state.wakeGatherer?.finish()
            state.wakeGatherer = nil
            if state.waiters.isEmpty {
                state.isGathering = false
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}
