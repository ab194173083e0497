import Foundation
import Glibc
import StaskTestSupport
import SwiftOverlayShims  // `timespec` resolves there once Synchronization is imported publicly (AsyncStreams)
import Synchronization

/// Runs a synchronous loop of test cases on a thread of its own and stops waiting for it as soon as one
/// case overruns, so a hang fails the test (naming the case) instead of stalling it.
///
/// The loop calls ``begin(_:)`` before each case and ``end()`` after it; the waiting task checks the
/// running case every 20 ms. A case overruns when the loop's thread has spent more than `cpuLimit` of
/// CPU time on it (an endless loop), or when more than `wallLimit` has passed (a blocking call, such
/// as opening a FIFO). CPU time, not wall time, is the main limit because this machine's cores are
/// shared by many builds: under load a 50 ms case may take a second of wall time. An overrunning case
/// is reported as ``Outcome/overran(case:elapsed:)`` and its thread is abandoned (it ends with the
/// test process). The thread gets a large stack of its own.
final class CaseWatchdog: Sendable {
    /// How the loop ended.
    enum Outcome<Result: Sendable>: Sendable {
        case finished(Result)
        case overran(case: Int, elapsed: Duration)
    }

    private struct Running {
        var index = -1
        var started: ContinuousClock.Instant?
        var cpuStarted = Duration.zero
        /// The CPU-time clock of the loop's thread.
        var clock: clockid_t?
    }

    private let running = Mutex(Running())
    let cpuLimit: Duration
    let wallLimit: Duration

    init(cpuLimit: Duration, wallLimit: Duration) {
        self.cpuLimit = cpuLimit
        self.wallLimit = wallLimit
    }

    /// The CPU time the calling thread has used.
    static func threadCPUTime() -> Duration {
        cpuTime(of: CLOCK_THREAD_CPUTIME_ID)
    }

    private static func cpuTime(of clock: clockid_t) -> Duration {
        var time = timespec()
        guard clock_gettime(clock, &time) == 0 else { return .zero }
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }

    /// Marks case `index` as started; called on the loop's thread.
    func begin(_ index: Int) {
        let now = ContinuousClock.now
        let cpu = Self.threadCPUTime()
        running.withLock { state in
            state.index = index
            state.started = now
            state.cpuStarted = cpu
        }
    }

    /// Marks the running case as finished.
    func end() {
        running.withLock { $0.started = nil }
    }

    /// The running case and the time it has taken, when it exceeds a limit.
    private func overrun() -> (index: Int, elapsed: Duration)? {
        let now = ContinuousClock.now
        let state = running.withLock { $0 }
        guard let started = state.started else { return nil }
        if let clock = state.clock {
            let cpu = Self.cpuTime(of: clock) - state.cpuStarted
            if cpu > cpuLimit { return (state.index, cpu) }
        }
        return now - started > wallLimit ? (state.index, now - started) : nil
    }

    /// Runs `loop` on a new thread and waits for it, or until one of its cases overruns.
    ///
    /// A positive `niceness` lowers the thread's scheduling priority (Linux's per-thread nice value):
    /// for bulk work such as the fuzzer, which should use the cores the other tests leave idle rather
    /// than take them from the tests that wait on time limits.
    func run<Result: Sendable>(
        stackSize: Int = 16 << 20, niceness: Int32 = 0, _ loop: @escaping @Sendable (CaseWatchdog) -> Result
    ) async -> Outcome<Result> {
        let slot = OneShot<Outcome<Result>>()
        return await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(20))
                    if let (index, elapsed) = self.overrun() {
                        slot.fill(.overran(case: index, elapsed: elapsed))
                        return
                    }
                }
            }
            let outcome = await withCheckedContinuation { continuation in
                slot.install(continuation)
                let thread = Thread {
                    // On Linux the nice value is per thread, and `who` 0 is the calling thread.
                    if niceness != 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) }
                    var clock = clockid_t()
                    if pthread_getcpuclockid(pthread_self(), &clock) == 0 {
                        self.running.withLock { $0.clock = clock }
                    }
                    slot.fill(.finished(loop(self)))
                }
                thread.stackSize = stackSize
                thread.start()
            }
            group.cancelAll()
            return outcome
        }
    }
}
