import Glibc
import StaskCore
import Synchronization

/// Lets a task cancel blocking I/O that runs on a dedicated thread.
///
/// The I/O thread `attach`es what it is about to wait on (a socket, or a handler that cancels another
/// library's request) and `detach`es it when done; `cancel()` (from a task cancellation handler, any thread)
/// sets the flag, shuts the attached socket down, which wakes a `poll` at once, and runs the attached handler.
/// The shutdown happens under the lock, so it can never hit a descriptor number that was closed and reused
/// meanwhile; the handler runs after the lock is released. Cancelling twice is harmless.
package final class IOCancellation: Sendable {
    private struct State {
        var isCancelled = false
        var descriptor: Int32?
        var handler: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    /// A cancellation not cancelled yet.
    package init() {}

    /// Whether `cancel()` was called.
    package var isCancelled: Bool { state.withLock { $0.isCancelled } }

    /// Marks the I/O cancelled, shuts down the attached socket and runs the attached handler, if any.
    package func cancel() {
        let handler = state.withLock { state in
            state.isCancelled = true
            // shutdown(2) neither blocks nor allocates: safe inside the critical section.
            if let descriptor = state.descriptor { _ = shutdown(descriptor, Int32(SHUT_RDWR)) }
            defer { state.handler = nil }
            return state.handler
        }
        handler?()
    }

    /// Registers the socket the I/O thread waits on; `false` (nothing registered) when already cancelled.
    func attach(_ descriptor: Int32) -> Bool {
        state.withLock { state in
            if state.isCancelled { return false }
            state.descriptor = descriptor
            return true
        }
    }

    /// Registers `handler` to run (once, on the cancelling thread) when `cancel()` is called; `false` (nothing
    /// registered) when already cancelled.
    package func attach(onCancel handler: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { state in
            if state.isCancelled { return false }
            state.handler = handler
            return true
        }
    }

    /// Forgets the attached socket and handler; call before closing the socket or handing it to another request.
    package func detach() {
        state.withLock { state in
            state.descriptor = nil
            state.handler = nil
        }
    }
}
