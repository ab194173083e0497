/// Starts commands for the build engine.
///
/// The real launcher (`PosixProcessLauncher`) spawns with `posix_spawn` in a new process group; tests
/// use a fake. A command exiting non-zero is a result (`ProcessResult.termination`), not an error.
public protocol ProcessLauncher: Sendable {
    /// Runs one command to completion and returns its result.
    ///
    /// Cancellation of the calling task sends SIGTERM to the command's process group, then SIGKILL
    /// after `spec.gracePeriod`, and throws `ProcessError.cancelled` once the process is reaped.
    /// - Throws: `ProcessError.spawnFailed` when the command could not be started at all,
    ///   `ProcessError.cancelled` on cancellation.
    func run(_ spec: ProcessSpec) async throws(ProcessError) -> ProcessResult
}

/// A command to run.
public struct ProcessSpec: Sendable, Hashable {
    /// `argv`; `arguments[0]` is the program (a path, or a name looked up on `PATH`).
    public var arguments: [String]
    /// The complete environment of the child.
    public var environment: [String: String]
    /// The working directory (absolute).
    public var workingDirectory: String
    /// Killed (group SIGTERM, then SIGKILL) after this long; `nil` for no limit.
    public var timeout: Duration?
    /// Time between SIGTERM and SIGKILL on cancellation or timeout.
    public var gracePeriod: Duration

    public init(
        arguments: [String], environment: [String: String], workingDirectory: String, timeout: Duration? = nil,
        gracePeriod: Duration = .seconds(2)
    ) {
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeout = timeout
        self.gracePeriod = gracePeriod
    }

    /// A shell command: `["/bin/sh", "-c", command]`.
    public static func shell(
        _ command: String, environment: [String: String], workingDirectory: String, timeout: Duration? = nil
    ) -> ProcessSpec {
        ProcessSpec(
            arguments: ["/bin/sh", "-c", command], environment: environment, workingDirectory: workingDirectory,
            timeout: timeout)
    }
}

/// How a finished command ended, its output and its cost.
public struct ProcessResult: Sendable, Hashable {
    /// How the process ended.
    public enum Termination: Sendable, Hashable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)
        case timedOut

        /// Whether the command succeeded (exit status 0).
        public var isSuccess: Bool { self == .exited(0) }

        public var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signalled(let signal): "killed by signal \(signal)"
            case .timedOut: "timed out"
            }
        }
    }

    public var termination: Termination
    /// Standard output and standard error, interleaved as written.
    public var output: [UInt8]
    /// Wall-clock duration from spawn to reap.
    public var wallTime: Duration
    /// User plus system CPU time of the process and its reaped children.
    public var cpuTime: Duration

    public init(termination: Termination, output: [UInt8], wallTime: Duration, cpuTime: Duration) {
        self.termination = termination
        self.output = output
        self.wallTime = wallTime
        self.cpuTime = cpuTime
    }
}

/// A command could not be run to completion for a reason other than its own exit status.
public enum ProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `posix_spawn` (or pipe creation) failed with `errno`.
    case spawnFailed(program: String, errno: Int32)
    /// The calling task was cancelled; the process group was terminated and reaped.
    case cancelled

    public var description: String {
        switch self {
        case .spawnFailed(let program, let errno): "cannot run '\(program)' (errno \(errno))"
        case .cancelled: "cancelled"
        }
    }
}
