/// A cache of task outputs shared between machines: look a task up before running it, store its outputs
/// after it succeeded.
///
/// **Contract.** A remote cache never breaks a build: neither method throws. A miss, an unreachable
/// server, a timeout, an HTTP error, a malformed entry or a blob whose digest does not match all make
/// `restore` return `nil`, and the engine runs the task locally; `store` failures are dropped. Problems
/// are reported through the implementation's warning handler (StaskRemote's `HTTPRemoteCache` warns once per kind
/// per build, not once per task).
///
/// **Engine protocol.** For a stale task: `restore`; on success, record the task as up to date with the
/// returned digests and skip its commands. After a task's commands succeeded and its outputs were hashed:
/// `store`. Never `store` a failed or cancelled task.
///
/// **Concurrency.** Implementations are thread-safe; the engine calls both methods from many tasks at
/// once. Cancelling the calling task makes either method return promptly (`restore` then returns `nil`).
package protocol RemoteCache: Sendable {
    /// Fetches the outputs of `action` and writes them into the project, if the cache has them.
    ///
    /// Every output is verified (size and SHA-256) before any is written; each is written atomically
    /// (temporary file and rename in its directory) with its executable bit restored.
    /// - Returns: The restored outputs, or `nil` for a miss or any failure (outputs may then be partly
    ///   replaced by verified cache contents; the local run overwrites them).
    func restore(_ action: RemoteCacheAction) async -> RestoredOutputs?

    /// Uploads the outputs of `action`, which just succeeded, and then its manifest (so a reader never
    /// sees a manifest whose blobs are missing). Does nothing when uploading is turned off.
    ///
    /// - Parameter wallTime: How long the task's commands ran, recorded for machines that restore it.
    func store(_ action: RemoteCacheAction, wallTime: Duration) async

    /// What the cache did so far in this build.
    var statistics: RemoteCacheStatistics { get }
}

/// One task instance, as the remote cache sees it.
package struct RemoteCacheAction: Sendable, Hashable {
    /// The task instance id, for messages (`compile[src/a.c]`).
    package var taskID: String
    /// The instance's action key (what its up-to-date check hashes); the cache key is derived from it (`RemoteCacheKey`).
    package var actionKey: ContentDigest
    /// The declared outputs, project-relative. A cache entry must list exactly these paths.
    package var outputs: [String]
    /// The absolute project directory the outputs are relative to.
    package var projectDirectory: String
    /// For `store`: the XXH3-128 digest of each output when the task finished. An output that no longer
    /// has it (changed since, as uploads may run a little later) is not uploaded, and neither is the task.
    /// `nil` uploads whatever the files hold.
    package var outputDigests: [String: ContentDigest]?

    /// Describes one task instance.
    package init(
        taskID: String, actionKey: ContentDigest, outputs: [String], projectDirectory: String,
        outputDigests: [String: ContentDigest]? = nil
    ) {
        self.taskID = taskID
        self.actionKey = actionKey
        self.outputs = outputs
        self.projectDirectory = projectDirectory
        self.outputDigests = outputDigests
    }
}

/// What `restore` wrote: enough to record the task as up to date without reading the files again.
package struct RestoredOutputs: Sendable, Hashable {
    /// Output path (project-relative) → XXH3-128 content digest of what was written.
    package var outputDigests: [String: ContentDigest]
    /// How long the commands ran on the machine that built the entry; `nil` when the entry does not say.
    package var wallTime: Duration?
    /// The total size of the outputs written.
    package var byteCount: Int

    /// Describes restored outputs.
    package init(outputDigests: [String: ContentDigest], wallTime: Duration?, byteCount: Int) {
        self.outputDigests = outputDigests
        self.wallTime = wallTime
        self.byteCount = byteCount
    }
}
