import Foundation
import StaskTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// What the fault tests need to know about other processes, read from `/proc`.
enum ProcessTable {
    /// Live processes (not zombies) whose working directory is `directory` or below it: the commands of a
    /// build in that project, including those a killed stask left behind.
    static func processes(in directory: URL) -> [pid_t] {
        let root = directory.resolvingSymlinksInPath().path
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), pid != getpid(),
                let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/cwd"),
                cwd == root || cwd.hasPrefix(root + "/"), isAlive(pid)
            else { return nil }
            return pid
        }
    }

    /// Whether `pid` exists and is not a zombie (an orphan stays a zombie when pid 1 does not reap it).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.first.map { $0 != "Z" } ?? false
    }

    /// Waits until none of `pids` is alive by `deadline`; `false` when some still are.
    ///
    /// Waits on a pidfd per process (readable when it exits) where `pidfd_open` exists, so nothing is
    /// ordered by sleeping; without it, checks every 2 ms. Blocks: call it off the cooperative pool.
    private static func waitUntilGone(_ pids: [pid_t], deadline: ContinuousClock.Instant) -> Bool {
        for pid in pids {
            let descriptor = pidfdOpen.map { $0(pid, 0) } ?? -1
            if descriptor >= 0 {
                var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let left = max(Duration.zero, deadline - ContinuousClock.now)
                _ = poll(&entry, 1, Int32(left.components.seconds * 1000 + 1))
                close(descriptor)
            } else {
                while isAlive(pid), ContinuousClock.now < deadline { usleep(2000) }
            }
        }
        return pids.allSatisfy { !isAlive($0) }
    }

    /// Waits until no command of a killed build is left in `directory`, SIGKILLing them first when `kill`
    /// (a power loss) or letting them finish (the usual fate of a killed parent's children); `false` when
    /// some are still there after `timeout`. The waits happen on a thread of their own.
    static func quiesce(_ directory: URL, kill: Bool, timeout: Duration = .seconds(30)) async throws -> Bool {
        try await OffPool.run("the commands left in \(directory.path) to end", timeout: timeout + .seconds(5)) {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let pids = processes(in: directory)
                if pids.isEmpty { return true }
                if kill { for pid in pids { _ = Glibc.kill(pid, SIGKILL) } }
                guard waitUntilGone(pids, deadline: deadline) else { return false }
            }
            return false
        }
    }

    private typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32

    private static let pidfdOpen: PidfdOpen? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pidfd_open") else { return nil }
        return unsafeBitCast(symbol, to: PidfdOpen.self)
    }()
}
