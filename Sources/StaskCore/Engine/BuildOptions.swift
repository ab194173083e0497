/// What to build and how: everything `stask build` accepts on its command line.
///
/// ```swift
/// var options = BuildOptions(directory: "/work/project")
/// options.targets = ["app"]
/// options.variables = ["CFLAGS": "-O0 -g"]
/// options.budgetOverrides = ["cpu": 2]
/// ```
package struct BuildOptions: Sendable, Hashable {
    /// The directory stask runs in (`-C`); absolute. The Taskfile is looked up here.
    package var directory: String
    /// The Taskfile (`-f`), absolute or relative to ``directory``; `nil` looks for `Taskfile`,
    /// `Taskfile.yml`, then `Taskfile.yaml` in ``directory``. The project directory (where outputs are
    /// resolved and `.stask/` lives) is the Taskfile's directory.
    package var taskfilePath: String?
    /// Targets named on the command line: a task, `task[item]`, or an output path. Empty builds the
    /// Taskfile's `default`, or every task.
    package var targets: [String]
    /// `NAME=value` words of the command line, overriding the Taskfile's `vars`.
    package var variables: [String: String]
    /// Budget limits from `--cpu`/`-j`, `--io` and `--budget NAME=N`, overriding the Taskfile's `budget`.
    package var budgetOverrides: [String: Double]
    /// `-k`: keep building everything that does not depend on a failed task.
    package var keepGoing: Bool
    /// `-n`: report what would run, run nothing and change no state.
    package var dryRun: Bool
    /// `--shard I/N`: run only shard `I` of every sharded task.
    package var shard: ShardSelection?
    /// `--shard-plan FILE`: imported shard plans (``ShardPlanFile``) that fix the assignment of their tasks'
    /// items instead of planning from history.
    package var shardPlans: [ShardPlan] = []
    /// Where ``shardPlans`` came from, for messages.
    package var shardPlanPath: String?
    /// `--no-wait`: fail at once when another stask holds the build lock instead of waiting for it.
    package var noWait: Bool
    /// `--trace FILE`: where to write a Chrome trace-event file, if anywhere (relative to ``directory``);
    /// written atomically when the build ends, failed or interrupted too (see the "Progress events" article).
    package var tracePath: String?
    /// `--remote-cache URL|off` or `STASK_REMOTE_CACHE`: which remote cache to use.
    package var remoteCache: RemoteCacheSelection
    /// `--remote-cache-upload=false`: look tasks up in the remote cache but never upload (read-only clients).
    package var isRemoteCacheUploadEnabled: Bool
    /// `--remote-executor URL|off` or `STASK_REMOTE_EXECUTOR`: which remote execution cluster to use.
    package var remoteExecutor: RemoteExecutorSelection = .fromTaskfile
    /// `--remote-instance NAME`: the cluster's REAPI instance, over the Taskfile's and the URL's.
    package var remoteInstance: String?
    /// `--remote-jobs N`: how many actions may run on the cluster at once, over the Taskfile's.
    package var remoteJobs: Int?
    /// `--remote-only`: an instance the cluster cannot run fails instead of running locally.
    package var isRemoteOnly = false

    /// Creates options that build the default targets in `directory`.
    package init(
        directory: String, taskfilePath: String? = nil, targets: [String] = [], variables: [String: String] = [:],
        budgetOverrides: [String: Double] = [:], keepGoing: Bool = false, dryRun: Bool = false,
        shard: ShardSelection? = nil, noWait: Bool = false, tracePath: String? = nil,
        remoteCache: RemoteCacheSelection = .fromTaskfile, isRemoteCacheUploadEnabled: Bool = true
    ) {
        self.directory = directory
        self.taskfilePath = taskfilePath
        self.targets = targets
        self.variables = variables
        self.budgetOverrides = budgetOverrides
        self.keepGoing = keepGoing
        self.dryRun = dryRun
        self.shard = shard
        self.noWait = noWait
        self.tracePath = tracePath
        self.remoteCache = remoteCache
        self.isRemoteCacheUploadEnabled = isRemoteCacheUploadEnabled
    }
}

/// `--shard I/N`: one shard of every sharded task, for CI matrices that spread a build over machines.
///
/// The index is 0-based like `{{shard}}` and `TEST_SHARD_INDEX`: `--shard 0/4` … `--shard 3/4`. A task
/// whose `shards:` differs from `N` keeps its shards `i` with `i % N == I` (with `shards: 8`, `--shard 1/4`
/// runs shards 1 and 5), so every shard runs on exactly one machine. Tasks that are not sharded run on
/// every machine; a task depending on a shard that is not selected is left out.
package struct ShardSelection: Sendable, Hashable, CustomStringConvertible {
    /// The shard to run, `0..<count`.
    package var index: Int
    /// How many shards the CI matrix has.
    package var count: Int

    /// Creates a selection; `index` must be in `0..<count`.
    package init(index: Int, count: Int) {
        precondition(count > 0 && (0..<count).contains(index), "shard index out of range")
        self.index = index
        self.count = count
    }

    /// Parses `I/N` with `0 <= I < N`; `nil` for anything else.
    package init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count > 0,
            (0..<count).contains(index)
        else { return nil }
        self.init(index: index, count: count)
    }

    /// `I/N`.
    package var description: String { "\(index)/\(count)" }
}
