import Foundation
import StaskTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The privileged tools some fault tests need, and whether this machine allows them.
///
/// - A private mount namespace (`unshare -m`): a read-only bind mount or a small tmpfs over `.stask`
///   lives only as long as the shell that made it, so nothing leaks if a test dies.
/// - `setpriv` to run stask as `nobody`: root ignores file permissions and `RLIMIT_NPROC`, and CI runs as
///   root, so unreadable files and failing forks need an unprivileged user.
///
/// A test needing one of them is disabled (`.enabled(if:)`) when it is missing; the same faults are
/// covered at unit level through `FaultInjectingFileSystem` (StaskCoreTests).
enum Sandbox {
    /// `nobody`'s user and group id.
    static let nobody: UInt32 = 65534

    /// Whether this process runs as root.
    static let isRoot = geteuid() == 0

    /// Why a test that needs ``canMount()`` is skipped.
    static let mountMissingComment: Comment = "needs root and a tmpfs mount in a private mount namespace (unshare -m)"

    /// Whether a tmpfs can be mounted in a private mount namespace.
    static func canMount() async -> Bool {
        guard isRoot else { return false }
        return await runQuietly(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"]) == 0
    }

    /// Whether stask can be run as an unprivileged user when this process is root (or already is one).
    static func canRunUnprivileged() async -> Bool {
        guard isRoot else { return true }
        return await runQuietly(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "true"]) == 0
    }

    /// The words to put before a command to run it unprivileged (none when not root).
    static var unprivileged: [String] {
        isRoot ? ["setpriv", "--reuid=\(nobody)", "--regid=\(nobody)", "--clear-groups"] : []
    }

    /// Gives `directory` and everything in it to `nobody` (when root), so an unprivileged stask can build it.
    static func handOver(_ directory: URL) throws {
        guard isRoot else { return }
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        try chown(directory.path)
        while let relative = enumerator?.nextObject() as? String {
            try chown(directory.appendingPathComponent(relative).path)
        }
    }

    /// How many threads `uid` runs now (what `RLIMIT_NPROC` counts).
    static func threadCount(ofUser uid: UInt32) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.reduce(0) { count, entry in
            guard Int(entry) != nil,
                let owner = (try? FileManager.default.attributesOfItem(atPath: "/proc/\(entry)"))?[.ownerAccountID]
                    as? NSNumber, owner.uint32Value == uid,
                let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(entry)/task")
            else { return count }
            return count + tasks.count
        }
    }

    /// Runs `script` with `/bin/sh` in a private mount namespace, in `directory`, with `$STASK` set to the
    /// stask binary.
    static func runInMountNamespace(_ script: String, in directory: URL) async throws -> StaskResult {
        let process = try WatchedProcess(
            ["unshare", "-m", "sh", "-c", script], in: directory, environment: ["STASK": StaskInvocation.binary.path])
        return await process.result()
    }

    private static func chown(_ path: String) throws {
        guard lchown(path, nobody, nobody) == 0 else { throw HarnessError("chown \(path): errno \(errno)") }
    }

    /// Runs `command` with its output thrown away and returns its exit status (-1 when it could not be run
    /// or took more than 30 s); the wait is the process's termination handler, not `waitUntilExit`.
    private static func runQuietly(_ command: [String]) async -> Int32 {
        (try? await StaskInvocation.run(
            command, in: URL(fileURLWithPath: "/"), timeout: .seconds(30),
            executable: URL(fileURLWithPath: "/usr/bin/env")))?.status ?? -1
    }
}
