import ArgumentParser
import Foundation
import StaskCore
import StaskPosix

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

    func validate() throws {
        _ = try makeOptions()
        _ = try watchQuietPeriod()
        if watch && dryRun { throw ValidationError("--watch and --dry-run: a dry run builds nothing to watch") }
    }

    /// `--watch-debounce` as a duration.
    ///
    /// - Throws: `ValidationError` when it is not a duration such as `50ms` or `1s`.
    func watchQuietPeriod() throws -> Duration {
        guard let duration = DurationSyntax.parse(watchDebounce) else {
            throw ValidationError("--watch-debounce '\(watchDebounce)': expected a duration such as 50ms or 1s")
        }
        return duration
    }

    mutating func run() async throws {
        var options = try makeOptions()
        if let shardPlan {
            let path = shardPlan.hasPrefix("/") ? shardPlan : project.absoluteDirectory + "/" + shardPlan
            let bytes: [UInt8]
            do {
                bytes = try LocalFileSystem().readFile(atPath: path)
            } catch {
                throw ShardPlanError.unreadable(path: shardPlan, underlying: error)
            }
            options.shardPlans = try ShardPlanFile(decoding: bytes, path: shardPlan).plans
            options.shardPlanPath = shardPlan
        }
        if watch {
            let runner = WatchRunner(
                options: options, progress: progress, quietPeriod: try watchQuietPeriod(),
                restartsOnChange: watchRestart)
            if let signal = try await runner.run() { throw BuildFailure.interrupted(signal: signal) }
            return
        }
        let summary = try await BuildRunner(options: options, reporter: progress.makeReporter()).run()
        if let signal = summary.interruptingSignal { throw BuildFailure.interrupted(signal: signal) }
        if !summary.isSuccess { throw BuildFailure.tasksFailed }
    }

    /// The engine's options from the command line.
    ///
    /// - Throws: `ValidationError` for a malformed `--budget`, `--shard`, variable or count.
    func makeOptions() throws -> BuildOptions {
        var options = BuildOptions(directory: project.absoluteDirectory, taskfilePath: project.taskfile)
        for word in words {
            if let equals = word.firstIndex(of: "=") {
                let name = String(word[..<equals])
                guard Self.isVariableName(name) else {
                    throw ValidationError("'\(word)': a variable name is letters, digits and '_' (NAME=value)")
                }
                options.variables[name] = String(word[word.index(after: equals)...])
            } else {
                options.targets.append(word)
            }
        }
        for entry in budget {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let amount =
                parts.count == 2 && parts[0] == MemorySyntax.resource
                ? MemorySyntax.parse(String(parts[1])) : parts.count == 2 ? Double(parts[1]) : nil
            guard parts.count == 2, !parts[0].isEmpty, let amount, amount >= 0, amount.isFinite else {
                throw ValidationError(
                    "--budget '\(entry)': expected NAME=N with N a number >= 0 (for mem, an amount such as 16GB)")
            }
            options.budgetOverrides[String(parts[0])] = amount
        }
        if let cpu {
            guard cpu > 0 else { throw ValidationError("--cpu/-j \(cpu): must be at least 1") }
            options.budgetOverrides["cpu"] = Double(cpu)
        }
        if let io {
            guard io >= 0 else { throw ValidationError("--io \(io): must be 0 or more") }
            options.budgetOverrides["io"] = Double(io)
        }
        if let shard {
            guard let selection = ShardSelection(parsing: shard) else {
                throw ValidationError("--shard '\(shard)': expected I/N with 0 <= I < N, e.g. 0/4")
            }
            options.shard = selection
        }
        options.keepGoing = keepGoing
        options.dryRun = dryRun
        options.noWait = noWait
        options.tracePath = trace
        options.remoteCache = try Self.remoteCacheSelection(
            option: remoteCache, environment: ProcessInfo.processInfo.environment["STASK_REMOTE_CACHE"])
        options.isRemoteCacheUploadEnabled = remoteCacheUpload
        return options
    }

    /// `--remote-cache`, else a non-empty `STASK_REMOTE_CACHE`, else the Taskfile's choice.
    ///
    /// - Throws: `ValidationError` naming the option or the variable when the URL is unusable.
    static func remoteCacheSelection(option: String?, environment: String?) throws -> RemoteCacheSelection {
        let (text, source): (String, String)
        if let option {
            (text, source) = (option, "--remote-cache")
        } else if let environment, !environment.isEmpty {
            (text, source) = (environment, "STASK_REMOTE_CACHE")
        } else {
            return .fromTaskfile
        }
        do {
            return try RemoteCacheSelection(parsing: text)
        } catch {
            throw ValidationError("\(source): \(error)")
        }
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            $0 == "_" || $0.properties.isAlphabetic && $0.isASCII || ("0"..."9").contains($0)
        }
    }
}
