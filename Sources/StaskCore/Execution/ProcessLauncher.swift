/// Starts commands for the build engine.
///
/// The real launcher (`PosixProcessLauncher`) spawns with `posix_spawn` in a new process group; tests
/// use a fake. A command exiting non-zero is a result (`ProcessResult.termination`), not an error.
package protocol ProcessLauncher: Sendable {
    /// Runs one command to completion and returns its result.
    ///
    /// Cancellation of the calling task sends SIGTERM to the command's process group, then SIGKILL
    /// after `spec.gracePeriod`, and throws `ProcessError.cancelled` once the process is reaped.
    /// - Throws: `ProcessError.spawnFailed` when the command could not be started at all,
    ///   `ProcessError.invalidWorkingDirectory` when its directory cannot be entered,
    ///   `ProcessError.cancelled` on cancellation.
    func run(_ spec: ProcessSpec) async throws(ProcessError) -> ProcessResult

    /// The executor to run the callers of ``run(_:)`` on, when the launcher has one that makes it cheaper
    /// (StaskPosix's `PosixProcessLauncher.taskExecutor`); `nil` (the default) for the global concurrent executor.
    var taskExecutor: (any TaskExecutor)? { get }
}

extension ProcessLauncher {
    /// No executor of its own: callers run on the global concurrent executor.
    package var taskExecutor: (any TaskExecutor)? { nil }
}

/// A command to run.
///
/// Build one with ``command(_:environment:workingDirectory:timeout:gracePeriod:logDirectory:)`` (a shell
/// command line, exec'd directly when it has no shell syntax), ``shell(_:environment:workingDirectory:timeout:gracePeriod:logDirectory:)``
/// (always through `/bin/sh -c`), or the memberwise initializer (an argument vector, no shell involved).
package struct ProcessSpec: Sendable, Hashable {
    /// `argv`; `arguments[0]` is the program (a path, or a name looked up on the `PATH` of ``environment``;
    /// `/bin:/usr/bin` when it has none).
    package var arguments: [String]
    /// The complete environment of the child.
    package var environment: [String: String]
    /// The working directory (absolute).
    package var workingDirectory: String
    /// Killed (group SIGTERM, then SIGKILL) after this long; `nil` for no limit.
    package var timeout: Duration?
    /// Time between SIGTERM and SIGKILL on cancellation or timeout.
    package var gracePeriod: Duration
    /// Where output too large to keep in memory is written (created if missing), e.g. `.stask/logs`.
    ///
    /// When `nil`, output beyond the launcher's memory limit is dropped except for its tail; the result's
    /// ``ProcessResult/outputByteCount`` still counts every byte.
    package var logDirectory: String?
    /// The shell command line this spec was made from, or `nil` for an argument vector built by hand.
    ///
    /// Set by ``shell(_:environment:workingDirectory:timeout:gracePeriod:logDirectory:)`` and
    /// ``command(_:environment:workingDirectory:timeout:gracePeriod:logDirectory:)``; useful to show the
    /// command to users. When it is set and ``arguments`` is not `["/bin/sh", "-c", shellCommand]`,
    /// ``arguments`` is the direct-exec form of this command line (``ShellCommand/directArguments(_:)``), and
    /// the launcher runs it with the shell's semantics: the program is looked up on ``environment``'s `PATH`,
    /// `PWD` is set as `/bin/sh` sets it, a death by signal is reported as `/bin/sh` reports it (exit status
    /// 128 + signal and the signal's name on the output), and when the program cannot be executed (missing,
    /// not executable, not a binary) the launcher runs `/bin/sh -c shellCommand` instead, so the messages
    /// and exit status (127, 126) are exactly the shell's.
    package var shellCommand: String?
    /// Descriptors the child inherits besides its standard ones: child descriptor → this process's
    /// descriptor (a jobserver's pipe). Every other descriptor is closed in the child.
    package var inheritedDescriptors: [Int32: Int32] = [:]
    /// Files that receive the child's standard output and standard error separately (created or truncated,
    /// mode 0644), instead of the interleaved pipe; the result's ``ProcessResult/output`` is then empty.
    /// `nil` (the default): one pipe for both. Only for specs run as an argument vector (no ``shellCommand``).
    package var outputFiles: OutputFiles? = nil

    /// Where a child's standard output and standard error go when they are kept apart.
    package struct OutputFiles: Sendable, Hashable {
        /// The file of standard output (absolute).
        package var standardOutput: String
        /// The file of standard error (absolute).
        package var standardError: String

        /// Creates the pair.
        package init(standardOutput: String, standardError: String) {
            self.standardOutput = standardOutput
            self.standardError = standardError
        }
    }

    /// Creates a spec that runs an argument vector directly (no shell).
    package init(
        arguments: [String], environment: [String: String], workingDirectory: String, timeout: Duration? = nil,
        gracePeriod: Duration = .seconds(2), logDirectory: String? = nil
    ) {
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeout = timeout
        self.gracePeriod = gracePeriod
        self.logDirectory = logDirectory
        self.shellCommand = nil
    }

    /// A shell command, always through the shell: `["/bin/sh", "-c", command]`.
    package static func shell(
        _ command: String, environment: [String: String], workingDirectory: String, timeout: Duration? = nil,
        gracePeriod: Duration = .seconds(2), logDirectory: String? = nil
    ) -> ProcessSpec {
        var spec = ProcessSpec(
            arguments: ["/bin/sh", "-c", command], environment: environment, workingDirectory: workingDirectory,
            timeout: timeout, gracePeriod: gracePeriod, logDirectory: logDirectory)
        spec.shellCommand = command
        return spec
    }
}

/// How a finished command ended, its output and its cost.
package struct ProcessResult: Sendable, Hashable {
    /// How the process ended.
    ///
    /// A direct-exec command killed by a signal is reported as the shell reports it, `.exited(128 + n)`
    /// (see ``ProcessSpec/shellCommand``), unless stask itself signalled it (`killAll`).
    package enum Termination: Sendable, Hashable, CustomStringConvertible {
        /// The process exited with this status (0–255).
        case exited(Int32)
        /// The process was killed by this signal.
        case signalled(Int32)
        /// The spec's timeout expired and the process group was killed (SIGTERM, then SIGKILL after the grace
        /// period); a failed attempt for the engine.
        case timedOut

        /// Whether the command succeeded (exit status 0).
        package var isSuccess: Bool { self == .exited(0) }

        /// "exit status 2", "killed by signal 9", "timed out".
        package var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signalled(let signal): "killed by signal \(signal)"
            case .timedOut: "timed out"
            }
        }
    }

    /// How the process ended.
    package var termination: Termination
    /// Standard output and standard error, interleaved as written.
    ///
    /// The whole output when it fit in the launcher's memory limit; otherwise only its last bytes (the tail,
    /// 64 KiB by default, possibly starting inside a line or a UTF-8 sequence), and the whole output is in
    /// the file at ``logPath``. Compare with ``outputByteCount`` (or read ``isOutputTruncated``).
    package var output: [UInt8]
    /// Wall-clock duration from spawn to reap.
    package var wallTime: Duration
    /// User plus system CPU time of the process and its reaped children.
    package var cpuTime: Duration
    /// How many bytes the command wrote in all (at least `output.count`).
    package var outputByteCount: Int
    /// The file holding the whole output when it was too large to keep in memory; `nil` otherwise, and when
    /// the spec had no `logDirectory` or the file could not be written (then only the tail survives).
    package var logPath: String?
    /// The largest resident set size of the process, or of any of its descendants it waited for
    /// (`ru_maxrss`), in bytes; 0 when unknown.
    package var peakMemory: UInt64
    /// Whether the kernel's out-of-memory killer ended the command (or the command it was waiting for):
    /// it died by `SIGKILL`, or reported a death by it (exit status 137), that stask did not send, while
    /// the system counted an out-of-memory kill.
    package var isOutOfMemoryKill: Bool

    /// Whether ``output`` holds only the tail of what the command wrote.
    package var isOutputTruncated: Bool { outputByteCount > output.count }

    /// Creates a result; `outputByteCount` defaults to `output.count`.
    package init(
        termination: Termination, output: [UInt8], wallTime: Duration, cpuTime: Duration,
        outputByteCount: Int? = nil, logPath: String? = nil, peakMemory: UInt64 = 0, isOutOfMemoryKill: Bool = false
    ) {
        self.termination = termination
        self.output = output
        self.wallTime = wallTime
        self.cpuTime = cpuTime
        self.outputByteCount = outputByteCount ?? output.count
        self.logPath = logPath
        self.peakMemory = peakMemory
        self.isOutOfMemoryKill = isOutOfMemoryKill
    }
}

/// A command could not be run to completion for a reason other than its own exit status.
package enum ProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `posix_spawn` (or pipe creation) failed with `errno`; for a program name, `ENOENT` when it is on no
    /// `PATH` entry.
    case spawnFailed(program: String, errno: Int32)
    /// The working directory does not exist or cannot be entered (`errno` from `chdir`/`stat`).
    case invalidWorkingDirectory(path: String, errno: Int32)
    /// The calling task was cancelled; the process group was terminated and reaped.
    case cancelled

    /// The message users read, e.g. `cannot run 'cc': No such file or directory (errno 2)`.
    package var description: String {
        switch self {
        case .spawnFailed(let program, let errno):
            "cannot run '\(program)': \(ErrorNumber.message(errno)) (errno \(errno))"
        case .invalidWorkingDirectory(let path, let errno):
            "\(path): cannot enter working directory: \(ErrorNumber.message(errno)) (errno \(errno))"
        case .cancelled: "cancelled"
        }
    }
}
