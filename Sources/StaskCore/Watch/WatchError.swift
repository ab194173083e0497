/// Why watching for changes cannot start.
package enum WatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A system call failed: `inotify_init1` (the per-user instance limit, `fs.inotify.max_user_instances`),
    /// `pipe2`, or starting the watcher's thread.
    case unavailable(systemCall: String, errno: Int32, message: String)

    package var description: String {
        switch self {
        case .unavailable(let call, let errno, let message):
            "cannot watch for changes: \(call) failed: \(message) (errno \(errno))"
        }
    }
}
