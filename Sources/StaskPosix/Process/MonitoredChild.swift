import Glibc
import StaskCore

/// One running child as the process monitor's thread sees it; confined to that thread.
///
/// Life: output is read as it comes; the child *exits* (pidfd readable, or `waitid(WNOWAIT)` in the
/// fallback), is reaped with `wait4` (status and CPU time), then what is already in its pipe is drained and
/// the pipe closed even if a grandchild still holds the write end: a background process left behind must not
/// hang the build, and what it writes later is lost. The child is *complete* when reaped and its pipe closed.
final class MonitoredChild {
    enum Ending {
        case timedOut, cancelled
    }

    let token: ProcessMonitor.Token
    let pid: pid_t
    let isDirectExec: Bool
    let continuation: ProcessMonitor.Continuation
    private(set) var outputFD: Int32
    private(set) var pidFD: Int32
    private let startNanoseconds: Int64
    private let gracePeriodNanoseconds: Int64
    private var timeoutDeadline: Int64?
    private var killDeadline: Int64?
    private var collector: OutputCollector

    private(set) var isReaped = false
    private(set) var isTimedOut = false
    private(set) var isCancelled = false
    private var waitStatus: Int32 = 0
    private var usage = rusage()
    private var endNanoseconds: Int64 = 0
    /// `killAll` signalled the group: a death by signal is then reported as such even for direct exec.
    var wasSignalledByLauncher = false

    /// This process's id, for log file names.
    private static let processID = getpid()

    /// At most this many reads per readiness event or drain, so one chatty child cannot starve the others
    /// and a grandchild writing forever cannot stall completion.
    static let readsPerTurn = 16

    init(_ registration: ProcessMonitor.Registration, memoryLimit: Int, tailSize: Int) {
        token = registration.token
        pid = registration.child.pid
        isDirectExec = registration.child.isDirectExec
        continuation = registration.continuation
        outputFD = registration.child.outputFD
        pidFD = registration.child.pidFD
        startNanoseconds = registration.startNanoseconds
        gracePeriodNanoseconds = max(0, registration.gracePeriodNanoseconds)
        timeoutDeadline = registration.timeoutNanoseconds.map { registration.startNanoseconds &+ max(0, $0) }
        collector = OutputCollector(
            memoryLimit: memoryLimit, tailSize: tailSize, logDirectory: registration.logDirectory,
            logName: "output-\(Self.processID)-\(registration.token).log")
    }

    /// Whether the result can be delivered.
    var isComplete: Bool { isReaped && outputFD < 0 }

    /// Whether this child's exit must be detected by polling (no pidfd).
    var needsExitPolling: Bool { !isReaped && pidFD < 0 }

    /// The next time `enforceDeadlines` has work, if any.
    var nextDeadline: Int64? {
        guard !isReaped else { return nil }
        switch (isTimedOut ? nil : timeoutDeadline, killDeadline) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }

    /// Starts the SIGTERM, grace period, SIGKILL sequence for the whole group (once).
    func terminate(_ ending: Ending, now: Int64) {
        guard !isReaped else { return }
        let isAlreadyTerminating = isTimedOut || isCancelled
        switch ending {
        case .timedOut: isTimedOut = true
        case .cancelled: isCancelled = true
        }
        guard !isAlreadyTerminating else { return }
        // The leader is not reaped (only this thread reaps), so the group id cannot have been recycled.
        _ = kill(-pid, SIGTERM)
        killDeadline = now &+ gracePeriodNanoseconds
    }

    /// Times out the child or escalates to SIGKILL when their time has come.
    func enforceDeadlines(now: Int64) {
        guard !isReaped else { return }
        if !isTimedOut, let timeoutDeadline, now >= timeoutDeadline {
            terminate(.timedOut, now: now)
        }
        if let killDeadline, now >= killDeadline {
            _ = kill(-pid, SIGKILL)
            self.killDeadline = nil
        }
    }

    /// Reads what the pipe holds (bounded); closes it at end of file.
    func readOutput(into scratch: UnsafeMutableRawBufferPointer) {
        var reads = 0
        while outputFD >= 0, reads < Self.readsPerTurn {
            let count = read(outputFD, scratch.baseAddress, scratch.count)
            if count > 0 {
                collector.append(UnsafeRawBufferPointer(rebasing: scratch[..<count]))
                reads += 1
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                // End of file, EAGAIN (drained for now) or an error: only end of file and errors close.
                if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { closeOutput() }
                return
            }
        }
    }

    /// Fallback exit detection: whether the child has exited, without reaping it.
    func hasExitedWithoutReaping() -> Bool {
        var info = siginfo_t()
        let status = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        // With WNOHANG and nothing to report, Linux leaves si_signo 0.
        return status == 0 && info.si_signo == SIGCHLD
    }

    /// The child has exited: kill what is left of a terminated group, reap, drain the pipe and close it.
    func reap(into scratch: UnsafeMutableRawBufferPointer) {
        guard !isReaped else { return }
        if isTimedOut || isCancelled {
            // The zombie leader still pins the group id: a last SIGKILL reaches grandchildren that outlived
            // the SIGTERM, without any risk of hitting an unrelated, recycled group.
            _ = kill(-pid, SIGKILL)
        }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = wait4(pid, &status, 0, &usage) } while result < 0 && errno == EINTR
        // ECHILD: someone else in this process reaped it (waitpid(-1) elsewhere); the status is unknown.
        waitStatus = result == pid ? status : 0xFF00
        endNanoseconds = SystemCalls.monotonicNanoseconds()
        isReaped = true
        SystemCalls.closeDescriptor(pidFD)
        pidFD = -1
        readOutput(into: scratch)
        closeOutput()
    }

    /// The result to deliver (consumes the output); `outOfMemoryKills` tells whether a `SIGKILL` came from
    /// the kernel's out-of-memory killer.
    func makeResult(outOfMemoryKills: OutOfMemoryKills) -> ProcessResult {
        var termination = Self.termination(waitStatus: waitStatus)
        let diedByKill = termination == .signalled(SIGKILL) || termination == .exited(128 + SIGKILL)
        let isOutOfMemoryKill =
            diedByKill && !isTimedOut && !isCancelled && !wasSignalledByLauncher
            && outOfMemoryKills.hasCountedSinceLastLook()
        if isTimedOut {
            termination = .timedOut
        } else if isDirectExec, !wasSignalledByLauncher, case .signalled(let signal) = termination {
            // What dash does when its command dies by a signal: prints the signal's name (not for SIGINT and
            // SIGPIPE) and exits with 128 + signal.
            if signal != SIGINT && signal != SIGPIPE {
                var message = strsignal(signal).map { String(cString: $0) } ?? "Signal \(signal)"
                if waitStatus & 0x80 != 0 { message += " (core dumped)" }
                collector.append(Array((message + "\n").utf8))
            }
            termination = .exited(128 + signal)
        }
        let (output, byteCount, logPath) = collector.finish()
        let cpu =
            (Int64(usage.ru_utime.tv_sec) + Int64(usage.ru_stime.tv_sec)) * 1_000_000
            + Int64(usage.ru_utime.tv_usec) + Int64(usage.ru_stime.tv_usec)
        return ProcessResult(
            termination: termination, output: output, wallTime: .nanoseconds(endNanoseconds - startNanoseconds),
            cpuTime: .microseconds(cpu), outputByteCount: byteCount, logPath: logPath,
            peakMemory: UInt64(max(0, usage.ru_maxrss)) &* 1024, isOutOfMemoryKill: isOutOfMemoryKill)
    }

    /// Drops the output (the caller gets `.cancelled`, not a result).
    func discardOutput() {
        collector.discard()
    }

    /// Decodes a `wait` status (the `WIFEXITED` family are macros Swift cannot import).
    static func termination(waitStatus: Int32) -> ProcessResult.Termination {
        let signal = waitStatus & 0x7F
        return signal == 0 ? .exited((waitStatus >> 8) & 0xFF) : .signalled(signal)
    }

    private func closeOutput() {
        SystemCalls.closeDescriptor(outputFD)
        outputFD = -1
    }
}
