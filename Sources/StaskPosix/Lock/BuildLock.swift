import Glibc
import StaskCore
import Synchronization

/// An exclusive lock on a state directory (`flock` on `<directory>/lock`), so two stask processes never
/// build in one directory at once.
///
/// The lock belongs to the open file description: it is released by `release()`, by deinitialization, or
/// by the kernel when the process dies in any way (SIGKILL included), so a crashed build never leaves a
/// stale lock. Two `BuildLock`s in one process exclude each other too. The descriptor is close-on-exec,
/// so commands the build spawns do not inherit (and cannot keep) the lock. The holder writes its pid into
/// the file, only to name it in `BuildStateError.locked`.
///
/// **Waiting.** With `wait: false`, `acquire` fails at once with `BuildStateError.locked` when another
/// process holds the lock. With `wait: true` it calls `onWait` once (the CLI prints "waiting for another
/// stask in this directory…") and then polls with `flock(LOCK_EX | LOCK_NB)`, sleeping between attempts
/// (1 ms, doubling up to 50 ms). Polling keeps the blocking `flock(2)` off Swift's cooperative thread pool
/// without a dedicated thread, and the wait stays cancellable: cancelling the calling task ends it with
/// `CancellationError`. The price is up to 50 ms of latency after the other build ends.
///
/// Thread-safe; `release()` may be called from anywhere, more than once.
///
/// ```swift
/// let lock = try await BuildLock.acquire(directory: "/p/.stask", wait: true) {
///     print("waiting for another stask in this directory…")
/// }
/// defer { lock.release() }
/// ```
package final class BuildLock: Sendable {
    /// The lock file's name inside the state directory.
    package static let fileName = "lock"

    /// The lock file's path.
    package let path: String
    private let descriptor: Mutex<Int32>

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    deinit {
        release()
    }

    /// Takes the lock on `directory` (created when missing), waiting for another holder or not.
    ///
    /// - Parameters:
    ///   - directory: the state directory, normally `<project>/.stask`.
    ///   - wait: whether to wait for another holder (`true`) or fail at once (`false`, the CLI's `--no-wait`).
    ///   - onWait: called once, before waiting, when the lock is held by someone else and `wait` is `true`.
    /// - Returns: the held lock.
    /// - Throws: `BuildStateError.locked` (another holder, `wait` false), `.notWritable` (the directory or
    ///   lock file cannot be created), `.lockFailed` (`flock` failed otherwise), or `CancellationError` when
    ///   the task is cancelled while waiting.
    package static func acquire(directory: String, wait: Bool, onWait: () -> Void = {}) async throws -> BuildLock {
        // The state directory is resolved below its parent (the project) and the lock file opened through it
        // with O_NOFOLLOW: a `.stask` that is a link out of the project gets no lock file created there.
        // (`createDirectory` creates the project when missing, and nothing through such a link: `mkdir` does
        // not follow one.)
        let directory = ProjectPath.normalizedAbsolute(directory)
        let parent: Int32
        do throws(FileSystemError) {
            try LocalFileSystem().createDirectory(atPath: directory)
            guard
                let opened = try LocalFileSystem.openDirectory(
                    directory, beneath: ProjectPath.parent(ofAbsolute: directory), creating: true)
            else { throw .notFound(path: directory) }
            parent = opened
        } catch {
            throw BuildStateError.notWritable(path: directory, underlying: error)
        }
        defer { close(parent) }
        let path = ProjectPath.join(directory, fileName)
        var descriptor = openat(parent, fileName, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o666)
        let openError = errno
        if descriptor < 0 && (openError == EACCES || openError == EROFS) {
            // A lock file we may not write can still be locked; the state writes will report the problem.
            descriptor = openat(parent, fileName, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        }
        guard descriptor >= 0 else {
            throw BuildStateError.notWritable(
                path: path, underlying: .systemCall(path: path, operation: "open", errno: openError))
        }
        let lock = BuildLock(path: path, descriptor: descriptor)
        var delay: Duration = .milliseconds(1)
        var hasWaited = false
        while true {
            if try lock.tryLock() {
                lock.writeHolder()
                return lock
            }
            guard wait else { throw BuildStateError.locked(path: path, holder: lock.readHolder()) }
            if !hasWaited {
                hasWaited = true
                onWait()
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(50))
        }
    }

    /// Releases the lock (closing the descriptor). Calling it again does nothing.
    package func release() {
        descriptor.withLock { descriptor in
            if descriptor >= 0 { _ = Glibc.close(descriptor) }
            descriptor = -1
        }
    }

    /// Whether this lock is still held (not yet released).
    package var isHeld: Bool {
        descriptor.withLock { $0 >= 0 }
    }

    /// One non-blocking attempt: `true` when taken, `false` when someone else holds it.
    private func tryLock() throws(BuildStateError) -> Bool {
        try descriptor.withLock { (descriptor: inout Int32) throws(BuildStateError) -> Bool in
            while true {
                if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
                switch errno {
                case EINTR: continue
                case EWOULDBLOCK: return false
                case let code:
                    throw .lockFailed(path: path, underlying: .systemCall(path: path, operation: "flock", errno: code))
                }
            }
        }
    }

    private func writeHolder() {
        descriptor.withLock { descriptor in
            let text = Array("\(getpid())\n".utf8)
            guard ftruncate(descriptor, 0) == 0 else { return }
            _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
    }

    private func readHolder() -> Int32? {
        descriptor.withLock { descriptor -> Int32? in
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            let text = String(decoding: buffer[..<count], as: UTF8.self)
            return Int32(text.split(separator: "\n").first ?? "")
        }
    }
}
