package import AsyncStreams
import Synchronization

/// Lets a step run alone in memory: it takes the whole `mem` budget, on top of what the step already holds.
///
/// The retry of a step that the out-of-memory killer ended goes through here, so that it cannot be killed
/// again because of its neighbours. Only one step at a time gathers the budget: two that each held part of
/// it and waited for the rest would wait for ever. Gathering takes whatever `mem` comes free as it comes
/// (the budget is all-or-nothing per acquisition, so waiting for the whole remainder at once would let
/// smaller steps take every release first), and gives it all back when the step ends, also when it fails or
/// is cancelled.
package final class WholeMemoryBudget: Sendable {
    private struct State {
        var capacity: ResourceCapacitySource?
        var isGathering = false
        var waiters: [CheckedContinuation<Void, Never>] = []
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
    /// as other steps release it.
    ///
    /// - Throws: what `body` throws; `CancellationError` when cancelled while gathering (nothing stays held).
    package func runAlone<T: Sendable>(
        holding held: Double, _ body: () async throws -> T
    ) async throws -> T {
        await enterGate()
        defer { leaveGate() }
        guard let capacity = state.withLock({ $0.capacity }),
            let limit = capacity.limits.amounts[MemorySyntax.resource]
        else { return try await body() }
        var gathered = 0.0
        defer { if gathered > 0 { capacity.release([MemorySyntax.resource: gathered]) } }
        let changes = capacity.changes()
        var wakeups = changes.makeAsyncIterator()
        while gathered + held < limit {
            let free = capacity.available[MemorySyntax.resource]
            let take = min(free, limit - held - gathered)
            if take > 0, capacity.acquireIfAvailable([MemorySyntax.resource: take]) {
                gathered += take
                continue
            }
            try Task.checkCancellation()
            guard await wakeups.next() != nil else { break }
            try Task.checkCancellation()
        }
        try Task.checkCancellation()
        return try await body()
    }

    private func enterGate() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let mayEnter = state.withLock { state -> Bool in
                if state.isGathering {
                    state.waiters.append(continuation)
                    return false
                }
                state.isGathering = true
                return true
            }
            if mayEnter { continuation.resume() }
        }
    }

    private func leaveGate() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.isGathering = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
