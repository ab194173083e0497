import Glibc
package import StaskCore

/// The real ``ProcessLauncher``: `posix_spawn` on the caller's thread, one monitor thread for all children.
///
/// Each child runs in its own process group with stdin from `/dev/null` and stdout and stderr on one pipe
/// (interleaved as written), or each in a file of its own (``ProcessSpec/outputFiles``); every other
/// descriptor is closed; the signal mask is empty and the signals
/// stask handles or ignores are back to their defaults; the spec's environment and working directory apply.
/// A spec made by ``ProcessSpec/command(_:environment:workingDirectory:timeout:gracePeriod:logDirectory:)``
/// without shell syntax is exec'd directly, with the shell's visible behaviour (see
/// ``ProcessSpec/shellCommand``).
///
/// One dedicated thread (not Swift's cooperative pool) waits for every child with `poll` on the output pipes
/// and a pidfd per child (`waitid(WNOHANG)` every 5 ms where pidfds are unavailable), reaps them with
/// `wait4` (for CPU time) and resumes the callers. Output beyond `outputMemoryLimit` bytes is spilled to a
/// file in the spec's `logDirectory` and only a tail is kept (see ``ProcessResult/output``).
///
/// That thread is also a task executor (``taskExecutor``): tasks that prefer it run on it between its polls,
/// and then spawn from it too, so a build that runs its steps there is an event loop with no switch between
/// threads per step. Such a task must not block waiting for another task on the same executor.
///
/// - A child that exits while a background grandchild keeps the pipe open does not hang the build: once the
///   child is reaped, what is already in the pipe is read and the pipe is closed. Later output is lost.
/// - Timeout: at `spec.timeout` the group gets SIGTERM, then SIGKILL after `spec.gracePeriod`; when the
///   leader has exited, any member left gets SIGKILL at once. The result is `.timedOut` (the timer is the
///   system's monotonic clock, checked by the monitor thread's `poll`, so no injectable clock).
/// - Cancellation of the calling task: the same SIGTERM, grace, SIGKILL sequence, then `run` throws
///   ``ProcessError/cancelled`` once the child is reaped, even if it had just exited by itself. A task
///   cancelled before `run` spawns nothing.
/// - A result is delivered exactly once per `run`.
/// - If other code in the process reaps the child first (`waitpid(-1)`), the result is exit status 255.
///
/// ```swift
/// let launcher = PosixProcessLauncher()
/// let spec = ProcessSpec.command("cc -c 'main.c' -o 'main.o'", environment: env, workingDirectory: root)
/// let result = try await launcher.run(spec)
/// if !result.termination.isSuccess { print(String(decoding: result.output, as: UTF8.self)) }
/// ```
package final class PosixProcessLauncher: ProcessLauncher {
    private let monitor: ProcessMonitor

    /// Creates a launcher; its monitor thread starts with the first child or job and ends when the launcher
    /// is released and its last child is done.
    ///
    /// - Parameters:
    ///   - outputMemoryLimit: the most output kept in memory per child (default 4 MiB).
    ///   - outputTailSize: how much of a larger output is kept in memory (default 64 KiB); at most
    ///     `outputMemoryLimit`.
    package convenience init(outputMemoryLimit: Int = 4 << 20, outputTailSize: Int = 64 << 10) {
        self.init(
            outputMemoryLimit: outputMemoryLimit, outputTailSize: outputTailSize, capabilities: .detected)
    }

    /// Creates a launcher with chosen system features (tests use it to exercise the fallbacks).
    ///
    /// - Parameter makesWakePipe: `false` to act as if the monitor's wake-up pipe could not be created.
    init(
        outputMemoryLimit: Int, outputTailSize: Int, capabilities: ProcessSpawner.Capabilities,
        makesWakePipe: Bool = true
    ) {
        precondition(outputTailSize > 0 && outputMemoryLimit >= outputTailSize, "invalid output limits")
        monitor = ProcessMonitor(
            spawner: ProcessSpawner(capabilities: capabilities), memoryLimit: outputMemoryLimit,
            tailSize: outputTailSize, makesWakePipe: makesWakePipe)
    }

    deinit {
        monitor.shutdown()
    }

    /// Runs one command to completion and returns its result.
    ///
    /// A non-zero exit, a death by signal and a timeout are results, not errors.
    /// - Throws: ``ProcessError/spawnFailed(program:errno:)`` when the program cannot be started (not found
    ///   on `PATH`, not executable; not for ``ProcessSpec/command(_:environment:workingDirectory:timeout:gracePeriod:logDirectory:)``
    ///   specs, where the shell reports it as exit status 127 or 126),
    ///   ``ProcessError/invalidWorkingDirectory(path:errno:)``, or ``ProcessError/cancelled`` when the
    ///   calling task is cancelled.
    package func run(_ spec: ProcessSpec) async throws(ProcessError) -> ProcessResult {
        let monitor = self.monitor
        let token = monitor.reserve()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                monitor.launch(spec, token: token, continuation: continuation)
            }
        } onCancel: {
            monitor.cancel(token)
        }
        return try result.get()
    }

    /// The thread that watches the children, as a task executor: a task that prefers it
    /// (`withTaskExecutorPreference(launcher.taskExecutor)`) runs on that thread, between its polls.
    ///
    /// A build that runs its steps there works like an event loop: a child's exit resumes its step on the
    /// thread that saw it, and the step's next spawn needs no wake-up, so a step costs no switch between
    /// threads besides the spawn itself. The work then shares one thread: a job must not block waiting for
    /// another task that prefers this executor, and long computations (hashing a large file) are better
    /// sent to another executor. Valid while the launcher lives.
    /// `nil` when the thread could not get its wake-up pipe (the process is out of descriptors; every
    /// `run` then fails with ``ProcessError/spawnFailed(program:errno:)``).
    package var taskExecutor: (any TaskExecutor)? { monitor.canRunJobs ? monitor : nil }

    /// Sends `signal` to the process group of every running child of this launcher.
    ///
    /// For the second Ctrl-C: `killAll(signal: SIGKILL)` ends everything at once, without waiting for grace
    /// periods. The children's `run` calls then return (or throw `.cancelled` if their tasks were cancelled)
    /// as usual; a child killed this way is reported `.signalled` even when exec'd directly.
    package func killAll(signal: Int32) {
        monitor.signalAll(signal)
    }
}
