import Glibc

/// Waiting for a child to exit, without reaping it.
///
/// It polls `waitid(WNOWAIT)` rather than a pidfd: the pidfd call comes from CStaskShims, and a file importing
/// CStaskShims next to these files makes the compiler resolve the C types both modules see (`sigset_t`,
/// `timespec`) to CStaskShims' in files that import only Glibc. It runs only when a helper is closed.
enum ChildExit {
    /// Whether child `pid` exits within `limit` (checked every 2 ms), or is reaped by another thread meanwhile;
    /// it is not reaped here.
    static func happens(_ pid: pid_t, within limit: Duration) -> Bool {
        let deadline = SystemCalls.monotonicNanoseconds() + SystemCalls.nanoseconds(limit)
        while true {
            var info = siginfo_t()
            // With WNOHANG and nothing to report, Linux leaves si_signo 0; ECHILD: reaped by another thread.
            let status = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
            if (status == 0 && info.si_signo == SIGCHLD) || (status < 0 && errno == ECHILD) { return true }
            if SystemCalls.monotonicNanoseconds() >= deadline { return false }
            usleep(2000)
        }
    }
}
