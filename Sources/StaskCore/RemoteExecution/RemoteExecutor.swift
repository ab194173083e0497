/// Runs task instances on a remote execution cluster (the Remote Execution API): the engine's view of it.
///
/// The engine asks for one ``RemoteExecutionRequest`` per attempt of an eligible instance and gets back what
/// happened (``RemoteExecutionResult``). On ``RemoteExecutionResult/completed(_:)`` the outputs are already
/// written beneath the project, and the engine goes on as after a local run (it hashes the outputs, reads the
/// depfile, records the success). ``RemoteExecutionResult/unavailable(_:)`` asks the engine to run the
/// instance locally: the executor has already warned (once per kind of problem).
///
/// Implementations must never hang a build: every call to the cluster has a deadline, and cancelling the
/// caller cancels the remote operation. Thread-safe; the engine calls it from many tasks at once.
package protocol RemoteExecutor: Sendable {
    /// Runs `request` remotely (or answers it from the cluster's action cache).
    func execute(_ request: RemoteExecutionRequest) async -> RemoteExecutionResult
    /// What the executor did so far.
    var statistics: RemoteExecutionStatistics { get }
    /// Whether the executor turned itself off for the rest of the build (the cluster cannot be reached):
    /// every later request is answered ``RemoteExecutionResult/unavailable(_:)`` at once.
    var isDisabled: Bool { get }
    /// Ends the executor's work: operations still running on the cluster are cancelled.
    func finish() async
}

/// One attempt of a task instance, as a remote action.
package struct RemoteExecutionRequest: Sendable, Hashable {
    /// The instance's id, for messages.
    package var taskID: String
    /// The program and its arguments (the instance's commands as one `/bin/sh -c` script).
    package var arguments: [String]
    /// Exactly the environment the command gets on the worker.
    package var environment: [String: String]
    /// The project-relative input files (declared and discovered) the worker needs, each once.
    package var inputs: [String]
    /// The project-relative files the command writes and the build needs back.
    package var outputs: [String]
    /// The project's absolute path: inputs are read and outputs written beneath it.
    package var projectDirectory: String
    /// The instance's `timeout:`, enforced by the worker.
    package var timeout: Duration?
    /// Whether the cluster must run it even when its action cache holds a result (`always:`).
    package var skipsCache: Bool

    package init(
        taskID: String, arguments: [String], environment: [String: String], inputs: [String], outputs: [String],
        projectDirectory: String, timeout: Duration? = nil, skipsCache: Bool = false
    ) {
        self.taskID = taskID
        self.arguments = arguments
        self.environment = environment
        self.inputs = inputs
        self.outputs = outputs
        self.projectDirectory = projectDirectory
        self.timeout = timeout
        self.skipsCache = skipsCache
    }
}

/// How a remote attempt ended.
package enum RemoteExecutionResult: Sendable, Hashable {
    /// The command ran (or its result came from the action cache); every output it wrote is written beneath
    /// the project.
    case completed(RemoteCompletion)
    /// The cluster cannot run it (unreachable, refused, broken answer): the engine runs it locally, or fails
    /// it under `--remote-only`. The reason is for that failure; the executor has warned already.
    case unavailable(String)
    /// The caller was cancelled (the build is interrupted). The operation may still run on the cluster until the
    /// executor's ``RemoteExecutor/finish()``, which cancels it there.
    case cancelled
}

/// A remote command's end.
package struct RemoteCompletion: Sendable, Hashable {
    /// Its exit status, or `nil` when the worker killed it at its timeout.
    package var exitCode: Int32?
    /// Its standard output, then its standard error.
    package var output: [UInt8]
    /// Whether the result came from the action cache, without running anything.
    package var isCached: Bool
    /// How long the worker ran it (for a cached result, the original run's time), when the worker says.
    package var workerTime: Duration?

    package init(exitCode: Int32?, output: [UInt8], isCached: Bool, workerTime: Duration? = nil) {
        self.exitCode = exitCode
        self.output = output
        self.isCached = isCached
        self.workerTime = workerTime
    }
}

/// What a remote executor did during a build, for the summary.
package struct RemoteExecutionStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Actions run on the cluster.
    package var executed = 0
    /// Actions answered from the cluster's action cache.
    package var cached = 0
    /// Actions handed back to run locally.
    package var local = 0
    /// Failed calls to the cluster.
    package var errors = 0
    /// Bytes sent to the cluster's storage.
    package var bytesUploaded = 0
    /// Bytes read from it.
    package var bytesDownloaded = 0

    package init() {}

    package var description: String {
        "remote execution: \(executed) run remotely, \(cached) from the action cache, \(local) run locally"
            + (errors > 0 ? ", \(errors) errors" : "")
    }
}
