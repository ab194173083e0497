/// A build-state failure that stops the build before any task runs (or reports a lost record after one).
///
/// Damaged state files are *not* errors; they are `BuildStateWarning`s and a rebuild.
package enum BuildStateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another process holds the build lock and the caller chose not to wait.
    case locked(path: String, holder: Int32?)
    /// The state directory or one of its files cannot be created or written.
    case notWritable(path: String, underlying: FileSystemError)
    /// Writing state failed after the build started (for example a full disk); the state on disk is
    /// still consistent, later builds may redo work.
    case writeFailed(path: String, underlying: FileSystemError)
    /// Taking the lock failed for a reason other than contention.
    case lockFailed(path: String, underlying: FileSystemError)

    /// The message users read: the path first, what went wrong, and what to do.
    package var description: String {
        switch self {
        case .locked(let path, let holder):
            let who = holder.map { "another stask (pid \($0))" } ?? "another stask"
            return "\(path): \(who) is building in this directory; wait for it to finish, or run without "
                + "--no-wait to wait for it"
        case .notWritable(let path, .leavesDirectory(_, _, let link, let destination)):
            return "\(path): refusing to write build state through the symbolic link '\(link)' (-> \(destination)), "
                + "which leads out of the project"
        case .notWritable(let path, let underlying):
            return "\(path): cannot write build state: \(underlying) (is the directory read-only?)"
        case .writeFailed(let path, let underlying):
            return "\(path): cannot save build state: \(underlying); the next build may redo some work"
        case .lockFailed(let path, let underlying):
            return "\(path): cannot take the build lock: \(underlying)"
        }
    }
}
