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
    private let capacity = Mutex<ResourceCapacitySource?>(nil)
    /// Wakes the step gathering when a step queues behind it (its charge then counts no more).
    private let wakeGatherer: GathererWake
    /// The right to gather, with the charge each queued step holds.
    private let gathering: HandOffPermit<Double>

    package init() {
        let wakeGatherer = GathererWake()
        self.wakeGatherer = wakeGatherer
        gathering = HandOffPermit { wakeGatherer.wake() }
    }

    /// Uses `capacity`'s `mem` budget from now on (the scheduler attaches its capacity before it runs).
    package func attach(_ capacity: ResourceCapacitySource) {
        self.capacity.withLock { $0 = capacity }
    }

    /// Whether there is a `mem` budget to gather at all.
    package var hasBudget: Bool {
        capacity.withLock { $0.map { $0.limits.amounts[MemorySyntax.resource] != nil } ?? false }
    }

    /// Runs `body` holding the whole `mem` budget: `held` (the step's own charge) plus the rest, gathered
    /// as other steps release it, less the charges of steps queued to do the same.
    ///
    /// - Throws: what `body` throws; `CancellationError` when cancelled while queued or gathering (nothing
    ///   stays held).
    package func runAlone<T: Sendable>(holding held: Double, _ body: () async throws -> T) async throws -> T {
        guard let capacity = capacity.withLock({ $0 }),
            let limit = capacity.limits.amounts[MemorySyntax.resource]
        else { return try await body() }
        try await gathering.take(carrying: held)
        let (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        wakeGatherer.set(wake)
        defer {
            wakeGatherer.set(nil)
            gathering.give()
        }
        var gathered = 0.0
        defer { if gathered > 0 { capacity.release([MemorySyntax.resource: gathered]) } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in capacity.changes() { wake.yield() }
            }
            defer { group.cancelAll() }
            var iterator = wakeups.makeAsyncIterator()
            while true {
                let queued = gathering.waitingPayloads.reduce(0, +)
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
}

/// The wake-up of the step gathering the budget, if one is: `nil` between gatherings.
private final class GathererWake: Sendable {
    private let continuation = Mutex<AsyncStream<Void>.Continuation?>(nil)

    /// Gathering starts (`continuation`) or ends (`nil`, which finishes the one before).
    func set(_ new: AsyncStream<Void>.Continuation?) {
        continuation.withLock { current in
            current?.finish()
            current = new
        }
    }

    func wake() {
        _ = continuation.withLock { $0?.yield() }
    }
}
