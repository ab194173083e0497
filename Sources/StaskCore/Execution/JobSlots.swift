/// Hands out job slots to stask's running commands: the implicit token first, then the jobserver's.
///
/// A command that finds the implicit slot taken waits for whichever comes first: a token from the
/// jobserver, or the implicit slot given back by the command holding it (the longest waiter gets it). The
/// loser of that race gives back what it got, so no token is kept that no command uses; otherwise two
/// stasks under `make -j2` could each wait for a token that make holds for the other while their own
/// implicit slots sat unused.
package final class JobSlots: Sendable {
    /// A slot a command holds while it runs.
    package enum Slot: Sendable, Equatable {
        /// The implicit token stask has as make's job.
        case implicit
        /// A token read from the jobserver.
        case token(UInt8)
        /// No slot: the jobserver is gone.
        case unlimited
    }

    /// The jobserver the slots come from.
    let client: any JobserverClient
    /// The implicit slot, handed to the longest waiting command when it comes back.
    private let implicit = HandOffPermit<Void>()

    /// Slots from `client`'s jobserver.
    package init(client: any JobserverClient) {
        self.client = client
    }

    /// Takes a slot, waiting for a token or for the implicit slot when the implicit one is in use.
    ///
    /// - Throws: `CancellationError` when cancelled while waiting (nothing is held then).
    package func take() async throws -> Slot {
        if implicit.tryTake() { return .implicit }
        return try await withThrowingTaskGroup(of: Slot.self) { group in
            group.addTask {
                try await self.implicit.take(carrying: ())
                return .implicit
            }
            group.addTask {
                guard let token = try await self.client.acquireToken() else { return .unlimited }
                return .token(token)
            }
            let first: Slot
            do {
                first = try await group.next()!
            } catch {
                group.cancelAll()
                await giveBackWhatIsLeft(in: &group)
                throw error
            }
            group.cancelAll()
            await giveBackWhatIsLeft(in: &group)
            return first
        }
    }

    /// Returns `slot`: a token to the jobserver, the implicit one to the longest waiter or to the next
    /// command.
    package func give(_ slot: Slot) {
        switch slot {
        case .implicit: implicit.give()
        case .token(let token): client.releaseToken(token)
        case .unlimited: break
        }
    }

    /// Runs `body` holding a slot, and gives it back however `body` ends.
    package func withSlot<T>(_ body: () async throws -> T) async throws -> T {
        let slot = try await take()
        defer { give(slot) }
        return try await body()
    }

    /// The race's loser may still have got a slot just before it was cancelled: it goes back.
    private func giveBackWhatIsLeft(in group: inout ThrowingTaskGroup<Slot, any Error>) async {
        while true {
            do {
                guard let slot = try await group.next() else { return }
                give(slot)
            } catch {
                continue  // cancelled before it got anything
            }
        }
    }
}
