import Glibc
import Synchronization

/// The helpers this process has started and not yet reaped, so that it reaps them before it exits: a helper
/// finishes when its input closes, and one still running when `stask` exits would be left to `init` (a zombie
/// where `init` reaps nothing, as in some containers).
///
/// Whoever takes a helper's input closes it: its channel's thread, or the `atexit` handler. The handler then
/// waits for every helper in the list, also those whose channel is reaping them at that moment, giving each
/// ``HelperChannel/closeGracePeriod`` to finish its requests and exit before its process group is killed.
enum LiveHelpers {
    /// Helper pid → the descriptor of its input, `nil` once closed.
    private static let helpers = Mutex<[Int32: Int32?]>([:])
    private static let registersExitHandler: Void = {
        atexit { LiveHelpers.reapAll() }
    }()

    /// Adds helper `pid`, whose standard input this process writes through `input`.
    static func insert(pid: Int32, input: Int32) {
        _ = registersExitHandler
        helpers.withLock { $0[pid] = input }
    }

    /// Takes helper `pid`'s input descriptor for the caller to close; `nil` if it is taken already.
    static func takeInput(pid: Int32) -> Int32? {
        helpers.withLock { helpers in
            guard let input = helpers[pid] ?? nil else { return nil }
            helpers[pid] = .some(nil)
            return input
        }
    }

    /// Forgets helper `pid`, reaped.
    static func remove(pid: Int32) {
        _ = helpers.withLock { $0.removeValue(forKey: pid) }
    }

    private static func reapAll() {
        let remaining = helpers.withLock { helpers in
            let snapshot = helpers
            for pid in helpers.keys { helpers[pid] = .some(nil) }
            return snapshot
        }
        for case (_, let input?) in remaining { SystemCalls.closeDescriptor(input) }
        for pid in remaining.keys {
            if !ChildExit.happens(pid, within: HelperChannel.closeGracePeriod) { kill(-pid, SIGKILL) }
            // ECHILD when its channel's thread reaped it meanwhile.
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }
}
