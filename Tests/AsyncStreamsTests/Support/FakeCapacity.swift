import Synchronization
import Testing

@testable import AsyncStreams

/// A multi-resource ledger for pool tests: tracks only the keys of its limits (like
/// `ResourceCapacitySource`), records the peak amount in use per resource, counts acquires, releases and
/// `changes()` subscriptions, and wakes subscribers on every release.
final class FakeCapacity: PoolCapacity {
    private struct State {
        var limits: ResourceCost
        var available: ResourceCost
        var peakInUse: [String: Double] = [:]
        var accepted = 0
        var releases = 0
        var subscriptions = 0
    }

    private let state: Mutex<State>
    private let broadcast = Broadcast()

    init(_ limits: ResourceCost) {
        state = Mutex(State(limits: limits, available: limits))
    }

    var available: ResourceCost { state.withLock { $0.available } }
    var limits: ResourceCost { state.withLock { $0.limits } }
    var peakInUse: [String: Double] { state.withLock { $0.peakInUse } }
    var acceptedCount: Int { state.withLock { $0.accepted } }
    var releaseCount: Int { state.withLock { $0.releases } }
    var subscriptionCount: Int { state.withLock { $0.subscriptions } }
    var isWhole: Bool { state.withLock { $0.available == $0.limits } }

    func acquireIfAvailable(_ cost: ResourceCost) -> Bool {
        state.withLock { state in
            guard !cost.hasNegativeAmount, cost.fits(in: state.available) else { return false }
            for (name, amount) in cost.amounts where state.available.amounts[name] != nil {
                state.available[name] -= amount
                let inUse = state.limits[name] - state.available[name]
                state.peakInUse[name] = max(state.peakInUse[name] ?? 0, inUse)
            }
            state.accepted += 1
            return true
        }
    }

    func release(_ cost: ResourceCost) {
        state.withLock { state in
            state.releases += 1
            for (name, amount) in cost.amounts where state.available.amounts[name] != nil {
                state.available[name] = min(state.limits[name], state.available[name] + amount)
            }
        }
        broadcast.notify()
    }

    func validateCost(_ cost: ResourceCost) -> Bool {
        state.withLock { state in
            cost.amounts.allSatisfy { name, amount in state.limits.amounts[name].map { amount <= $0 } ?? true }
        }
    }

    func changes() -> AsyncStream<Void> {
        state.withLock { $0.subscriptions += 1 }
        return broadcast.subscribe()
    }

    /// Raises a limit (and availability by the same amount) and wakes subscribers.
    func grow(_ name: String, by amount: Double) {
        state.withLock { state in
            state.limits[name] += amount
            state.available[name] += amount
        }
        broadcast.notify()
    }

    /// Suspends until every unit is back (event-driven, no polling by time).
    func waitUntilWhole(sourceLocation: SourceLocation = #_sourceLocation) async {
        let changes = broadcast.subscribe()
        if isWhole { return }
        _ = try? await withDeadline("every unit to be released", sourceLocation: sourceLocation) {
            for await _ in changes where self.isWhole { return }
        }
    }
}

/// A single-counter slot source for hierarchical-runner tests: FIFO waiters, cancellable acquire, and a
/// record of the peak number of units held.
final class FakeSlots: PoolSlots {
    private struct State {
        var free: Int
        var held = 0
        var peakHeld = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Int, any Error>)] = []
        var nextID = 0
    }

    private let state: Mutex<State>
    let limit: Int

    init(_ limit: Int) {
        self.limit = limit
        state = Mutex(State(free: limit))
    }

    var free: Int { state.withLock { $0.free } }
    var peakHeld: Int { state.withLock { $0.peakHeld } }

    func acquire() async throws -> Int {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
                let granted = state.withLock { state -> Int? in
                    if Task.isCancelled { return -1 }
                    if state.free > 0 {
                        state.free -= 1
                        state.held += 1
                        state.peakHeld = max(state.peakHeld, state.held)
                        return state.free
                    }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let granted {
                    if granted < 0 {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        continuation.resume(returning: granted)
                    }
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Int, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    func release() {
        let handoff = state.withLock { state -> (CheckedContinuation<Int, any Error>, Int)? in
            if !state.waiters.isEmpty {
                // Hand the unit straight to the oldest waiter.
                return (state.waiters.removeFirst().continuation, state.free)
            }
            state.held -= 1
            state.free = min(limit, state.free + 1)
            return nil
        }
        if let (continuation, free) = handoff { continuation.resume(returning: free) }
    }
}

/// A quota ledger for pool tests: like `QuotaCapacitySource`, `release` gives nothing back; only
/// `reset()` refills (and wakes subscribers). Records the most units taken within one window.
final class FakeQuota: PoolCapacity {
    private struct State {
        var available: Double
        var takenThisWindow = 0
        var maxTakenPerWindow = 0
    }

    private let state: Mutex<State>
    private let broadcast = Broadcast()
    let limit: Double

    init(limit: Double) {
        self.limit = limit
        state = Mutex(State(available: limit))
    }

    var maxTakenPerWindow: Int { state.withLock { $0.maxTakenPerWindow } }

    func acquireIfAvailable(_ cost: ResourceCost) -> Bool {
        state.withLock { state in
            let amount = cost["requests"]
            guard amount <= state.available else { return false }
            state.available -= amount
            state.takenThisWindow += 1
            state.maxTakenPerWindow = max(state.maxTakenPerWindow, state.takenThisWindow)
            return true
        }
    }

    func release(_ cost: ResourceCost) {}

    func validateCost(_ cost: ResourceCost) -> Bool { cost["requests"] <= limit }

    func changes() -> AsyncStream<Void> { broadcast.subscribe() }

    /// Starts a new window: full availability, subscribers woken.
    func reset() {
        state.withLock { state in
            state.available = limit
            state.takenThisWindow = 0
        }
        broadcast.notify()
    }
}
