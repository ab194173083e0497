import Glibc
import StaskCore

/// The state shared between callers of the launcher and the process monitor's thread: a pure value,
/// guarded by the monitor's `Mutex`, returning decisions for the caller to carry out after unlocking.
///
/// Life of a job (one `run` call), keyed by a token:
/// `reserve` → (`isCancelRequested` check, spawn) → `register` → … → `childExited` → `finish`, or
/// `reserve` → `abandon` when the spawn failed or was skipped. `cancel` may come at any point, on any
/// thread: before `register` it only marks the job (the launcher skips the spawn, or `register` forwards
/// the cancellation to the monitor); after it, it queues the token for the monitor; after `finish`, it is
/// ignored.
///
/// The monitor thread is also a task executor: `enqueue` queues `Work` (a Swift job) for it to run between
/// polls, and starts the thread when it is not running.
///
/// The wake-up pipe is written only when the monitor is (about to be) blocked in `poll` and has not been
/// woken yet: `register`, `cancel`, `enqueue` and `shutdown` return `true` for exactly those cases.
struct ProcessMonitorStateMachine<Registration, Work> {
    typealias Token = UInt64

    private struct Job {
        var isCancelRequested = false
        /// The process group while its leader is unreaped, so that `kill(-pgid)` cannot hit a recycled id.
        var processGroup: pid_t?
        var wasSignalledByLauncher = false
        /// A signal `signalAllGroups` sent while the job's process was being spawned: `register` hands it
        /// over to be sent as soon as the group exists.
        var pendingSignal: Int32?
        /// Set by `register`: the job's process exists (its group is `nil` again once the leader exited).
        var isRegistered = false
    }

    private var jobs: [Token: Job] = [:]
    private var nextToken: Token = 0
    private var registrations: [Registration] = []
    private var cancellations: [Token] = []
    private var work: [Work] = []
    private var isPolling = false
    private var isWakePending = false
    private var isShutdown = false
    private var isThreadRunning = false

    /// What the monitor thread takes each turn.
    struct Inbox {
        var registrations: [Registration]
        var cancellations: [Token]
    }

    /// A fresh job.
    mutating func reserve() -> Token {
        nextToken += 1
        jobs[nextToken] = Job()
        return nextToken
    }

    /// Whether the job was cancelled before its process started.
    func isCancelRequested(_ token: Token) -> Bool {
        jobs[token]?.isCancelRequested ?? true
    }

    /// Forgets a job that never got a process.
    mutating func abandon(_ token: Token) {
        jobs[token] = nil
    }

    /// Whether the caller must start the monitor thread (it is not running); marks it running.
    mutating func startThreadIfNeeded() -> Bool {
        if isThreadRunning { return false }
        isThreadRunning = true
        return true
    }

    /// Records that the thread could not be started.
    mutating func threadFailedToStart() {
        isThreadRunning = false
    }

    /// Hands a started process to the monitor. Returns whether to write the wake-up pipe, and the signal
    /// `signalAllGroups` sent while the process was being spawned, which the caller sends to the new group
    /// before unlocking.
    mutating func register(
        _ token: Token, processGroup: pid_t, registration: Registration
    ) -> (mustWake: Bool, pendingSignal: Int32?) {
        precondition(jobs[token] != nil, "register of an unknown job")
        jobs[token]?.processGroup = processGroup
        jobs[token]?.isRegistered = true
        let pendingSignal = jobs[token]?.pendingSignal
        jobs[token]?.pendingSignal = nil
        registrations.append(registration)
        if jobs[token]?.isCancelRequested == true { cancellations.append(token) }
        return (wakeIfPolling(), pendingSignal)
    }

    /// Queues work for the monitor thread. Returns whether the caller must start the thread (it is not
    /// running; it is now marked running) and whether to write the wake-up pipe.
    mutating func enqueue(_ item: Work) -> (mustStartThread: Bool, mustWake: Bool) {
        work.append(item)
        if startThreadIfNeeded() { return (true, false) }
        return (false, wakeIfPolling())
    }

    /// Takes the queued work (to run it on the monitor thread, or elsewhere when the thread could not start).
    mutating func takeWork() -> [Work] {
        defer { work.removeAll() }
        return work
    }

    /// Requests cancellation. Returns whether to write the wake-up pipe.
    mutating func cancel(_ token: Token) -> Bool {
        guard var job = jobs[token], !job.isCancelRequested else { return false }
        job.isCancelRequested = true
        jobs[token] = job
        guard job.processGroup != nil else { return false }
        cancellations.append(token)
        return wakeIfPolling()
    }

    /// Marks every live process group as signalled and returns them; the caller signals them before
    /// unlocking, so none of them can be reaped in between.
    ///
    /// A job whose process is being spawned has no group yet: it keeps `signal` for `register`, so a child
    /// whose `run` began before this call is signalled too, however the threads interleave.
    mutating func signalAllGroups(_ signal: Int32) -> [pid_t] {
        var groups: [pid_t] = []
        for (token, job) in jobs {
            if let group = job.processGroup {
                groups.append(group)
            } else if !job.isRegistered {
                // A job cancelled before its spawn is abandoned, and its pending signal with it. Of several
                // signals, SIGKILL wins: it is what a second Ctrl-C escalates to.
                jobs[token]?.pendingSignal = job.pendingSignal == SIGKILL ? SIGKILL : signal
            } else {
                continue  // exited, or cancelled before it started
            }
            jobs[token]?.wasSignalledByLauncher = true
        }
        return groups
    }

    /// The leader of the job's group has exited (it is a zombie until reaped): the group may no longer be
    /// signalled through `signalAllGroups`. Returns whether `signalAllGroups` signalled it.
    mutating func childExited(_ token: Token) -> Bool {
        jobs[token]?.processGroup = nil
        return jobs[token]?.wasSignalledByLauncher ?? false
    }

    /// Removes a finished job. Returns whether its caller asked for cancellation (then it gets `.cancelled`).
    mutating func finish(_ token: Token) -> Bool {
        let job = jobs.removeValue(forKey: token)
        precondition(job != nil, "finish of an unknown job")
        return job?.isCancelRequested ?? false
    }

    /// Takes everything queued for the monitor.
    mutating func takeInbox() -> Inbox {
        defer {
            registrations.removeAll()
            cancellations.removeAll()
        }
        return Inbox(registrations: registrations, cancellations: cancellations)
    }

    /// What the monitor does next, decided atomically with the checks of the queue and the shutdown flag.
    enum PollDecision: Equatable {
        /// Block in `poll` (the wake-up pipe will be written for new work).
        case block
        /// Work arrived since `takeInbox`: poll without blocking.
        case doNotBlock
        /// Shut down with no job left: the thread ends (and counts as stopped).
        case stop
    }

    /// Called by the monitor before `poll`.
    ///
    /// The thread stops only when no job exists at all, including jobs reserved but not yet registered (a
    /// `run` may still be spawning after the launcher was released), and no work is queued; a later
    /// `launch` or `enqueue` starts a new thread.
    mutating func beginPolling() -> PollDecision {
        let hasWork = !registrations.isEmpty || !cancellations.isEmpty || !work.isEmpty
        if isShutdown && jobs.isEmpty && !hasWork {
            isThreadRunning = false
            return .stop
        }
        if hasWork { return .doNotBlock }
        isPolling = true
        return .block
    }

    /// Called by the monitor after `poll`.
    mutating func endPolling() {
        isPolling = false
    }

    /// Called by the monitor after draining the wake-up pipe.
    mutating func wakeConsumed() {
        isWakePending = false
    }

    /// The launcher is gone: the thread ends once its last job is done. Returns whether to wake it.
    mutating func shutdown() -> Bool {
        isShutdown = true
        return wakeIfPolling()
    }

    private mutating func wakeIfPolling() -> Bool {
        guard isPolling, !isWakePending else { return false }
        isWakePending = true
        return true
    }
}
