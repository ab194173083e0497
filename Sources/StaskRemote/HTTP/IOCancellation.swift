import Glibc
import StaskCore
import Synchronization

/// Lets a task cancel blocking socket I/O that runs on a dedicated thread.
///
/// The I/O thread `attach`es the socket it is about to wait on and `detach`es it before closing it;
/// `cancel()` (from a task cancellation handler, any thread) sets the flag and shuts the attached socket
/// down, which wakes a `poll` at once. The shutdown happens under the lock, so it can never hit a
/// descriptor number that was closed and reused meanwhile. Cancelling twice is harmless.
final class IOCancellation: Sendable {
    private struct State {
        var isCancelled = false
        var descriptor: Int32?
    }

    private let state = Mutex(State())

    init() {}

    /// Whether `cancel()` was called.
    var isCancelled: Bool { state.withLock { $0.isCancelled } }

    /// Marks the I/O cancelled and shuts down the attached socket, if any.
    func cancel() {
        state.withLock { state in
            state.isCancelled = true
            // shutdown(2) neither blocks nor allocates: safe inside the critical section.
            if let descriptor = state.descriptor { _ = shutdown(descriptor, Int32(SHUT_RDWR)) }
        }
    }

    /// Registers the socket the I/O thread waits on; `false` (nothing registered) when already cancelled.
    func attach(_ descriptor: Int32) -> Bool {
        state.withLock { state in
            if state.isCancelled { return false }
            state.descriptor = descriptor
            return true
        }
    }

    /// Forgets the attached socket; call before closing it or handing it to another request.
    func detach() {
        state.withLock { $0.descriptor = nil }
    }
}
