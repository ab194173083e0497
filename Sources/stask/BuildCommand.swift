import ArgumentParser

/// `stask build [TARGET...] [NAME=value...]`: brings targets up to date (the default subcommand).
struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build targets (the default command).",
        discussion: """
            A TARGET is a task name, one instance of it (task[item]) or an output path; without one, the \
            Taskfile's `default` list is built, or every task. A word containing '=' sets a variable \
            (NAME=value), overriding the Taskfile's `vars`.
            """
    )

    @OptionGroup var project: ProjectOptions

    @Option(
        name: [.customShort("j"), .customLong("cpu")],
        help: ArgumentHelp(
            "Run at most N cpu units at once (default: the Taskfile's budget, or cores).", valueName: "N"))
    var cpu: Int?

    @Option(name: .customLong("io"), help: ArgumentHelp("Run at most N io units at once (default 4).", valueName: "N"))
    var io: Int?

    @Option(
        name: .customLong("budget"),
        help: ArgumentHelp("Set the budget of any resource, e.g. mem=16GB or gpu=2 (repeatable).", valueName: "NAME=N"))
    var budget: [String] = []

    @Flag(
        name: [.customShort("k"), .customLong("keep-going")], help: "Keep building what does not depend on a failure.")
    var keepGoing = false

    @Flag(
        name: [.customShort("n"), .customLong("dry-run")], help: "Show what would run; run nothing, change no state.")
    var dryRun = false

    @Option(
        name: .customLong("shard"),
        help: ArgumentHelp("Run only shard I (0-based) of N of every sharded task.", valueName: "I/N"))
    var shard: String?

    @Option(
        name: .customLong("shard-plan"),
        help: ArgumentHelp(
            "Assign shard items as FILE says (written by 'stask shards --json') instead of from history.",
            valueName: "FILE"))
    var shardPlan: String?

    @Option(name: .customLong("trace"), help: ArgumentHelp("Write a Chrome trace-event file.", valueName: "FILE"))
    var trace: String?

    @Option(name: .customLong("progress"), help: "How to show progress: auto, tty, plain or json.")
    var progress: ProgressMode = .auto

    @Flag(name: .customLong("no-wait"), help: "Fail at once if another stask is building in this directory.")
    var noWait = false

    @Option(
        name: .customLong("remote-cache"),
        help: ArgumentHelp(
            "Share task outputs through a Bazel HTTP cache (http://HOST[:PORT][/PATH]) or a Remote Execution "
                + "API cache (grpc://HOST:PORT[/INSTANCE]) at URL, or 'off'. Default: "
                + "$STASK_REMOTE_CACHE, then the Taskfile's remote_cache. Credentials: $STASK_REMOTE_CACHE_TOKEN, "
                + "or $STASK_REMOTE_CACHE_USER and $STASK_REMOTE_CACHE_PASSWORD.",
            valueName: "URL"))
    var remoteCache: String?

    @Option(
        name: .customLong("remote-cache-upload"),
        help: ArgumentHelp("Upload successful tasks to the remote cache (false: read only).", valueName: "BOOL"))
    var remoteCacheUpload = true

    @Option(
        name: .customLong("remote-executor"),
        help: ArgumentHelp(
            "Run tasks on a Remote Execution API cluster (grpc://HOST:PORT[/INSTANCE]), or 'off'. Default: "
                + "$STASK_REMOTE_EXECUTOR, then the Taskfile's remote.executor. A task with 'remote: false' "
                + "runs here.",
            valueName: "URL"))
    var remoteExecutor: String?

    @Option(
        name: .customLong("remote-instance"),
        help: ArgumentHelp("The cluster's instance name (default: the URL's path, else empty).", valueName: "NAME"))
    var remoteInstance: String?

    @Option(
        name: .customLong("remote-jobs"),
        help: ArgumentHelp(
            "How many tasks may run on the cluster at once (default: the Taskfile's remote.jobs, else 16).",
            valueName: "N"))
    var remoteJobs: Int?

    @Flag(
        name: .customLong("remote-only"),
        help: "Fail a task the cluster cannot run instead of running it here.")
    var remoteOnly = false

    @Flag(name: .customLong("watch"), help: "Build, then rebuild on every change until Ctrl-C.")
    var watch = false

    @Option(
        name: .customLong("watch-debounce"),
        help: ArgumentHelp(
            "With --watch: build once no change came for this long (default 50ms).", valueName: "DURATION"))
    var watchDebounce = "50ms"

    @Flag(
        name: .customLong("watch-restart"),
        help: "With --watch: a change during a build stops its commands and builds again at once.")
    var watchRestart = false

    @Argument(help: ArgumentHelp("Targets to build and NAME=value variables.", valueName: "TARGET|NAME=value"))
    var words: [String] = []

    /// The values read from the command line.
    var request: BuildRequest {
        BuildRequest(
            taskfile: project.taskfile, directory: project.directory, cpu: cpu, io: io, budget: budget,
            keepGoing: keepGoing, dryRun: dryRun, shard: shard, shardPlan: shardPlan, trace: trace,
            progress: progress, noWait: noWait, remoteCache: remoteCache, remoteCacheUpload: remoteCacheUpload,
            remoteExecutor: remoteExecutor, remoteInstance: remoteInstance, remoteJobs: remoteJobs,
            remoteOnly: remoteOnly,
            watch: watch, watchDebounce: watchDebounce, watchRestart: watchRestart, words: words)
    }

    func validate() throws {
        try request.validate()
    }

    mutating func run() async throws {
        try await request.run()
    }
}
