import Synchronization

/// The job slots of a GNU make jobserver that stask runs under (`make -jN` with stask in a recipe).
///
/// Make hands every job it starts one slot: the first comes free (the "implicit" token), every other one is
/// a token read from the jobserver and written back when the job ends. stask counts as one job of the tree:
/// its first running command uses the implicit token, and each command running beside it first takes a
/// token, so the whole tree never runs more than N jobs. StaskPosix's `MakeJobserverClient` speaks the
/// protocol; tests use a fake.
package protocol JobserverClient: Sendable {
    /// Waits for a token and returns it; `nil` when the jobserver is gone (then commands run without
    /// one, under stask's own budget).
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled while waiting.
    func acquireToken() async throws -> UInt8?

    /// Gives a token back to the jobserver.
    func releaseToken(_ token: UInt8)
}

/// Hands out job slots to stask's running commands: the implicit token first, then the jobserver's.
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

    private let client: any JobserverClient
    private let isImplicitFree = Mutex(true)

    /// Slots from `client`'s jobserver.
    package init(client: any JobserverClient) {
        self.client = client
    }

    /// Takes a slot, waiting for a token when the implicit one is in use.
    ///
    /// - Throws: `CancellationError` when cancelled while waiting (nothing is held then).
    package func take() async throws -> Slot {
        if isImplicitFree.withLock({ free in
            defer { free = false }
            return free
        }) {
            return .implicit
        }
        guard let token = try await client.acquireToken() else { return .unlimited }
        return .token(token)
    }

    /// Returns `slot`: a token to the jobserver, the implicit one to the next command.
    package func give(_ slot: Slot) {
        switch slot {
        case .implicit: isImplicitFree.withLock { $0 = true }
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
}
