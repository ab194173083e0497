import Glibc
package import StaskCore
import Synchronization

/// The write end of the active monitor's self-pipe, read by the signal handler; -1 when none is active.
private let interruptPipeWriteFD = Atomic<Int32>(-1)

/// Turns SIGINT and SIGTERM into an `AsyncStream` the build engine can react to, and ignores SIGPIPE.
///
/// Installing replaces the handlers of the given signals with one that writes the signal number to a
/// self-pipe (the only async-signal-safe way out of a handler); a dedicated thread reads the pipe and yields
/// each number on ``signals``. Handlers work whatever thread the kernel picks, so, unlike `sigwait` or
/// `signalfd`, nothing depends on every thread having the signals blocked. SIGPIPE is ignored while
/// installed, so writing to a closed pipe is an `EPIPE` error rather than death (children get the default
/// back: see ``PosixProcessLauncher``).
///
/// The handler runs on whichever thread accepts the signal. Swift's cooperative threads block signals, so
/// some thread must leave SIGINT and SIGTERM unblocked: in a program with an async `main` the main thread
/// waits in `sigsuspend` and takes them; stask's CLI waits on its main thread after
/// ``acceptSignalsOnThisThread()``.
///
/// At most one monitor is installed at a time (signal dispositions are process-wide); installing a second
/// is a programmer error. ``uninstall()`` (also run on deinit) restores the previous dispositions and
/// finishes the stream. Every signal received while installed is delivered, in order; a burst of more
/// than 64 KiB of signals before the thread reads them would drop the excess.
///
/// ```swift
/// let interrupts = try InterruptMonitor()
/// defer { interrupts.uninstall() }
/// Task {
///     var count = 0
///     for await _ in interrupts.signals {
///         count += 1
///         if count == 1 { buildTask.cancel() }             // SIGTERM, grace, SIGKILL to every group
///         else { launcher.killAll(signal: SIGKILL) }       // second Ctrl-C: no more grace
///     }
/// }
/// ```
package final class InterruptMonitor: Sendable {
    /// The signals received, in order; finishes after ``uninstall()``.
    package let signals: AsyncStream<Int32>

    private struct Installation {
        var signalNumbers: [Int32]
        var previousActions: [sigaction]
        var previousPipeAction: sigaction
        var writeFD: Int32
    }

    private let installation: Mutex<Installation?>

    /// The signals caught by default: SIGINT and SIGTERM.
    package static var defaultSignals: [Int32] { [SIGINT, SIGTERM] }

    /// Unblocks every signal on the calling thread, so that the handlers run there: for a program's main
    /// thread that only waits while the concurrency runtime's threads, which block signals, do the work.
    /// A program started from such a thread (a test runner's) inherits its blocked mask otherwise.
    package static func acceptSignalsOnThisThread() {
        var none = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, nil)
    }

    /// Installs the handlers.
    ///
    /// - Parameter signalNumbers: the signals to catch (default ``defaultSignals``).
    /// - Precondition: no other `InterruptMonitor` is installed (a programmer error).
    /// - Throws: `ProcessError.spawnFailed` (program `"signal monitor"`) when its pipe or its reader thread
    ///   cannot be created (the process is out of descriptors or threads); nothing is installed then.
    package init(catching signalNumbers: [Int32] = InterruptMonitor.defaultSignals) throws(ProcessError) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .unbounded)
        signals = stream
        guard let (readFD, writeFD) = SystemCalls.makeOutputPipe() else {
            throw .spawnFailed(program: "signal monitor", errno: errno)
        }
        // The handler must never block: a full pipe drops the signal rather than deadlocking.
        _ = fcntl(writeFD, F_SETFL, O_NONBLOCK)
        // The reader blocks in read(2), so it must not be non-blocking.
        _ = fcntl(readFD, F_SETFL, 0)
        let (exchanged, _) = interruptPipeWriteFD.compareExchange(
            expected: -1, desired: writeFD, ordering: .sequentiallyConsistent)
        precondition(exchanged, "InterruptMonitor: another monitor is already installed")

        let reader = SignalReader(fd: readFD, continuation: continuation)
        if let status = DedicatedThread.startReportingError({ reader.run() }) {
            interruptPipeWriteFD.store(-1, ordering: .sequentiallyConsistent)
            SystemCalls.closeDescriptor(readFD)
            SystemCalls.closeDescriptor(writeFD)
            throw .spawnFailed(program: "signal monitor", errno: status)
        }

        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            let savedErrno = errno
            var byte = UInt8(truncatingIfNeeded: signal)
            let fd = interruptPipeWriteFD.load(ordering: .sequentiallyConsistent)
            if fd >= 0 { _ = write(fd, &byte, 1) }
            errno = savedErrno
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        var previousActions: [sigaction] = []
        for signalNumber in signalNumbers {
            var previous = sigaction()
            sigaction(signalNumber, &action, &previous)
            previousActions.append(previous)
        }
        var ignore = sigaction()
        ignore.__sigaction_handler.sa_handler = SIG_IGN
        sigemptyset(&ignore.sa_mask)
        var previousPipeAction = sigaction()
        sigaction(SIGPIPE, &ignore, &previousPipeAction)
        installation = Mutex(
            Installation(
                signalNumbers: signalNumbers, previousActions: previousActions,
                previousPipeAction: previousPipeAction, writeFD: writeFD))
    }

    deinit {
        uninstall()
    }

    /// Restores the previous dispositions (of the caught signals and SIGPIPE) and finishes ``signals``.
    ///
    /// Idempotent. Signals already received are still delivered before the stream finishes.
    package func uninstall() {
        guard let installation = installation.withLock({ $0.take() }) else { return }
        for (signalNumber, previous) in zip(installation.signalNumbers, installation.previousActions) {
            var previous = previous
            sigaction(signalNumber, &previous, nil)
        }
        var previousPipeAction = installation.previousPipeAction
        sigaction(SIGPIPE, &previousPipeAction, nil)
        interruptPipeWriteFD.store(-1, ordering: .sequentiallyConsistent)
        // End of file tells the reader thread to finish the stream and exit.
        SystemCalls.closeDescriptor(installation.writeFD)
    }
}

/// The reader thread's state: the pipe's read end and the stream to feed.
private final class SignalReader: Sendable {
    let fd: Int32
    let continuation: AsyncStream<Int32>.Continuation

    init(fd: Int32, continuation: AsyncStream<Int32>.Continuation) {
        self.fd = fd
        self.continuation = continuation
    }

    func run() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            for byte in buffer[..<count] { continuation.yield(Int32(byte)) }
        }
        SystemCalls.closeDescriptor(fd)
        continuation.finish()
    }
}
