import Synchronization

/// Tells a command killed by the kernel's out-of-memory killer from one killed by anyone else.
///
/// Linux counts every out-of-memory kill, a cgroup's limit included, in `/proc/vmstat` (`oom_kill`). A
/// command that dies by `SIGKILL` that stask did not send is taken for an out-of-memory kill when that
/// count has grown since the last look. The file is read only after such a death, never on the hot path
/// of a build whose commands succeed; an unrelated kill elsewhere on the machine in the same window is
/// taken for this command's (the error is a retry that was not needed, never a wrong result).
package final class OutOfMemoryKills: Sendable {
    private let lastCount: Mutex<UInt64?>
    private let path: String

    /// Starts from the count now.
    package init(path: String = "/proc/vmstat") {
        self.path = path
        self.lastCount = Mutex(Self.count(in: path))
    }

    /// Whether the system counted an out-of-memory kill not yet claimed: each kill counted is credited to
    /// one command only, so two commands killed in one episode are both recognised, and a third is not.
    package func hasCountedSinceLastLook() -> Bool {
        guard let now = Self.count(in: path) else { return false }
        return lastCount.withLock { last in
            guard let claimed = last else {
                last = now
                return false
            }
            guard now > claimed else { return false }
            last = claimed + 1
            return true
        }
    }

    /// `oom_kill` from a vmstat file, or `nil` when it cannot be read (not Linux, no such line).
    static func count(in path: String) -> UInt64? {
        guard let bytes = try? LocalFileSystem().readFile(atPath: path) else { return nil }
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let words = line.split(separator: UInt8(ascii: " "))
            if words.count == 2, words[0].elementsEqual("oom_kill".utf8) {
                return UInt64(String(decoding: words[1], as: UTF8.self))
            }
        }
        return nil
    }
}
