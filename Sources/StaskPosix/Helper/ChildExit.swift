import CStaskShims
import Glibc

// Apart from the channel's files: a file importing CStaskShims and using `sigset_t` makes the release build
// (whole-module) resolve `sigset_t` to CStaskShims' in files that import only Glibc.

/// Waiting for a child to exit, without reaping it.
enum ChildExit {
    /// Whether child `pid` exits within `limit` (its pidfd becomes readable; checked every 5 ms without one);
    /// it is not reaped.
    static func happens(_ pid: pid_t, within limit: Duration) -> Bool {
        let deadline = SystemCalls.monotonicNanoseconds() + SystemCalls.nanoseconds(limit)
        let pidFD = stask_pidfd_open(pid, 0)
        defer { SystemCalls.closeDescriptor(pidFD) }
        while true {
            var info = siginfo_t()
            // With WNOHANG and nothing to report, Linux leaves si_signo 0.
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_signo == SIGCHLD {
                return true
            }
            let remaining = deadline - SystemCalls.monotonicNanoseconds()
            if remaining <= 0 { return false }
            if pidFD >= 0 {
                var descriptor = pollfd(fd: pidFD, events: Int16(POLLIN), revents: 0)
                _ = poll(&descriptor, 1, Int32(clamping: (remaining + 999_999) / 1_000_000))
            } else {
                var pause = timespec(tv_sec: 0, tv_nsec: 5_000_000)
                nanosleep(&pause, nil)
            }
        }
    }
}
