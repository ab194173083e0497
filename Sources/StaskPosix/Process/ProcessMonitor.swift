import Glibc
import StaskCore
import Synchronization

/// Watches every child of one launcher from a single dedicated thread (a pthread, never the cooperative
/// pool, which has as many threads as cores and must not block in `poll` or `wait4`).
///
/// Contract:
/// - `launch` runs on the caller's thread: it spawns (the costly part, so callers on several threads spawn
///   in parallel; a build runs every step on this monitor's own thread, see below) and
///   hands the child over through the `Mutex`-guarded ``ProcessMonitorStateMachine``.
/// - The monitor thread owns every ``MonitoredChild``: it `poll`s the output pipes, one pidfd per child
///   (or polls `waitid(WNOHANG)` every 5 ms without pidfds) and a self-pipe written when new work arrives
///   while it sleeps; it enforces timeouts and grace periods, reaps with `wait4`, and resumes each
///   caller's continuation exactly once, outside the lock.
/// - `cancel` and `signalAll` may be called from any thread at any time.
/// - The thread is also a `TaskExecutor`: tasks that prefer it (`withTaskExecutorPreference`) run on it,
///   between polls, so a build's own work and its children's exits are handled by one thread, as in an event
///   loop: a child's exit resumes its caller on the very thread that saw it, and the caller's next spawn
///   needs no wake-up either (the thread is not polling while it runs jobs). Jobs run in the order queued;
///   a job must not block on another job (nothing else would run them).
/// - The thread starts with the first child or job and ends after `shutdown` once no job or work is left.
final class ProcessMonitor: Sendable {
    typealias Token = UInt64
    typealias Continuation = CheckedContinuation<Result<ProcessResult, ProcessError>, Never>

    /// A started child handed to the monitor thread.
    struct Registration: Sendable {
        let token: Token
        let child: SpawnedChild
        let continuation: Continuation
        let startNanoseconds: Int64
        let timeoutNanoseconds: Int64?
        let gracePeriodNanoseconds: Int64
        let logDirectory: String?
    }

    let spawner: ProcessSpawner
    /// Tells the out-of-memory killer's kills from others.
    let outOfMemoryKills = OutOfMemoryKills()
    let memoryLimit: Int
    let tailSize: Int
    private let state = Mutex(ProcessMonitorStateMachine<Registration, UnownedJob>())
    /// Self-pipe waking the monitor thread from `poll`; `nil` when it could not be created (then every
    /// launch fails with the saved errno).
    private let wakePipe: WakePipe?
    private let wakePipeErrno: Int32

    /// How long `poll` may sleep while a child without pidfd runs.
    static let exitPollingIntervalMilliseconds: Int32 = 5

    /// - Parameter makesWakePipe: `false` only in tests, to act as if the wake-up pipe could not be created.
    init(spawner: ProcessSpawner, memoryLimit: Int, tailSize: Int, makesWakePipe: Bool = true) {
        self.spawner = spawner
        self.memoryLimit = memoryLimit
        self.tailSize = tailSize
        let pipe = makesWakePipe ? WakePipe() : nil
        wakePipe = pipe
        wakePipeErrno = pipe == nil ? (makesWakePipe ? errno : EMFILE) : 0
    }

    /// Whether the thread can run jobs: not without its wake-up pipe (then every launch fails, and jobs
    /// given to it run on the global concurrent executor).
    var canRunJobs: Bool { wakePipe != nil }

    // MARK: - Called from any thread

    /// A token for one `launch`, so that `cancel` can name it even before the child exists.
    func reserve() -> Token {
        state.withLock { $0.reserve() }
    }

    /// Spawns `spec` on the calling thread and has the monitor deliver its result to `continuation`.
    ///
    /// A spawn failure, or a cancellation that came first (nothing is spawned then), resumes it at once.
    func launch(_ spec: ProcessSpec, token: Token, continuation: Continuation) {
        guard wakePipe != nil else {
            state.withLock { $0.abandon(token) }
            let program = spec.arguments.first ?? ""
            continuation.resume(returning: .failure(.spawnFailed(program: program, errno: wakePipeErrno)))
            return
        }
        let (isCancelled, mustStartThread) = state.withLock { state in
            state.isCancelRequested(token) ? (true, false) : (false, state.startThreadIfNeeded())
        }
        if isCancelled {
            state.withLock { $0.abandon(token) }
            continuation.resume(returning: .failure(.cancelled))
            return
        }
        if mustStartThread, let code = startThread() {
            threadDidNotStart()
            state.withLock { $0.abandon(token) }
            continuation.resume(returning: .failure(.spawnFailed(program: spec.arguments.first ?? "", errno: code)))
            return
        }
        let start = SystemCalls.monotonicNanoseconds()
        switch spawner.spawn(spec) {
        case .failure(let error):
            state.withLock { $0.abandon(token) }
            continuation.resume(returning: .failure(error))
        case .success(let child):
            let registration = Registration(
                token: token, child: child, continuation: continuation, startNanoseconds: start,
                timeoutNanoseconds: spec.timeout.map(SystemCalls.nanoseconds),
                gracePeriodNanoseconds: SystemCalls.nanoseconds(spec.gracePeriod), logDirectory: spec.logDirectory)
            let mustWake = state.withLock { state in
                let (mustWake, pendingSignal) = state.register(
                    token, processGroup: child.pid, registration: registration)
                // Under the lock, as in `signalAll`: the group's leader cannot have been reaped yet.
                if let pendingSignal { _ = kill(-child.pid, pendingSignal) }
                return mustWake
            }
            if mustWake { wake() }
        }
    }

    /// Cancels the job: its group gets SIGTERM, then SIGKILL after its grace period.
    func cancel(_ token: Token) {
        if state.withLock({ $0.cancel(token) }) { wake() }
    }

    /// Sends `signal` to the process group of every child not yet exited.
    func signalAll(_ signal: Int32) {
        state.withLock { state in
            // Signalled under the lock: the monitor marks a child exited (under the lock) before reaping
            // it, so every group signalled here still has its unreaped leader and cannot be a recycled id.
            for group in state.signalAllGroups(signal) { _ = kill(-group, signal) }
        }
    }

    /// The owner is gone: the thread ends once every child is done.
    func shutdown() {
        if state.withLock({ $0.shutdown() }) { wake() }
    }

    private func wake() {
        wakePipe?.wake()
    }

    /// Starts the monitor thread; returns the error code on failure.
    private func startThread() -> Int32? {
        DedicatedThread.startReportingError { self.runLoop() }
    }

    // MARK: - The monitor thread

    private func runLoop() {
        guard let wakePipe else { return }
        // This thread is the parent of every child it spawns (the build's steps run here), and a child's
        // SIGCHLD is checked against its parent thread's mask. Blocked here (this thread starts with the
        // mask of Swift's pool, which blocks it), it would be queued for the process and wake the main
        // thread once per child; unblocked, with the default disposition, the kernel drops it at once.
        var childSignal = sigset_t()
        sigemptyset(&childSignal)
        sigaddset(&childSignal, SIGCHLD)
        pthread_sigmask(SIG_UNBLOCK, &childSignal, nil)
        var children: [Token: MonitoredChild] = [:]
        var pollSet: [pollfd] = []
        var owners: [(child: MonitoredChild, isPidfd: Bool)] = []
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { scratch.deallocate() }

        while true {
            // Jobs first: they spawn children and queue registrations, which the inbox below then takes.
            // Jobs they queue in turn wait for the next round (the poll then does not block), so a task
            // that keeps yielding cannot starve the children.
            let work = state.withLock { $0.takeWork() }
            for job in work { job.runSynchronously(on: asUnownedTaskExecutor()) }
            let inbox = state.withLock { $0.takeInbox() }
            let now = SystemCalls.monotonicNanoseconds()
            for registration in inbox.registrations {
                children[registration.token] = MonitoredChild(
                    registration, memoryLimit: memoryLimit, tailSize: tailSize)
            }
            for token in inbox.cancellations { children[token]?.terminate(.cancelled, now: now) }

            var deadline: Int64?
            var needsExitPolling = false
            for child in children.values {
                child.enforceDeadlines(now: now)
                if child.needsExitPolling {
                    if child.hasExitedWithoutReaping() {
                        reap(child, scratch: scratch)
                    } else {
                        needsExitPolling = true
                    }
                }
                if let next = child.nextDeadline { deadline = min(deadline ?? next, next) }
            }
            complete(&children)

            pollSet.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
            pollSet.append(pollfd(fd: wakePipe.readDescriptor, events: Int16(POLLIN), revents: 0))
            for child in children.values {
                if child.outputFD >= 0 {
                    pollSet.append(pollfd(fd: child.outputFD, events: Int16(POLLIN), revents: 0))
                    owners.append((child, false))
                }
                if child.pidFD >= 0 {
                    pollSet.append(pollfd(fd: child.pidFD, events: Int16(POLLIN), revents: 0))
                    owners.append((child, true))
                }
            }
            var timeout: Int32 = -1
            if let deadline {
                let milliseconds = (max(0, deadline - now) + 999_999) / 1_000_000
                timeout = Int32(clamping: milliseconds)
            }
            if needsExitPolling {
                timeout =
                    timeout < 0
                    ? Self.exitPollingIntervalMilliseconds : min(timeout, Self.exitPollingIntervalMilliseconds)
            }
            switch state.withLock({ $0.beginPolling() }) {
            case .stop: return
            case .doNotBlock: timeout = 0
            case .block: break
            }
            let ready = poll(&pollSet, nfds_t(pollSet.count), timeout)
            state.withLock { $0.endPolling() }
            guard ready > 0 else { continue }  // timeout, or EINTR

            if pollSet[0].revents != 0 {
                wakePipe.drain()
                state.withLock { $0.wakeConsumed() }
            }
            for index in 1..<pollSet.count where pollSet[index].revents != 0 {
                let (child, isPidfd) = owners[index - 1]
                if isPidfd {
                    reap(child, scratch: scratch)
                } else {
                    child.readOutput(into: scratch)
                }
            }
            complete(&children)
        }
    }

    private func reap(_ child: MonitoredChild, scratch: UnsafeMutableRawBufferPointer) {
        guard !child.isReaped else { return }
        child.wasSignalledByLauncher = state.withLock { $0.childExited(child.token) }
        child.reap(into: scratch)
    }

    /// Delivers the result of every complete child.
    private func complete(_ children: inout [Token: MonitoredChild]) {
        for (token, child) in children where child.isComplete {
            children[token] = nil
            let isCancelled = state.withLock { $0.finish(token) } || child.isCancelled
            if isCancelled {
                child.discardOutput()
                child.continuation.resume(returning: .failure(.cancelled))
            } else {
                child.continuation.resume(returning: .success(child.makeResult(outOfMemoryKills: outOfMemoryKills)))
            }
        }
    }

}

// MARK: - Running jobs

extension ProcessMonitor: TaskExecutor {
    /// Queues a job to run on the monitor thread (starting the thread if needed).
    ///
    /// Should the thread fail to start, the queued jobs go to the global concurrent executor instead: they
    /// still run, only not on this thread.
    func enqueue(_ job: consuming ExecutorJob) {
        guard canRunJobs else { return globalConcurrentExecutor.enqueue(job) }
        let job = UnownedJob(job)
        let (mustStartThread, mustWake) = state.withLock { $0.enqueue(job) }
        if mustStartThread, startThread() != nil {
            threadDidNotStart()
        } else if mustWake {
            wake()
        }
    }

    /// The thread could not be started: marks it stopped and sends the jobs queued for it to the global
    /// concurrent executor, where they still run.
    private func threadDidNotStart() {
        let stranded = state.withLock { state in
            state.threadFailedToStart()
            return state.takeWork()
        }
        for job in stranded { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }
}
