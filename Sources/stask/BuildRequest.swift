import ArgumentParser
import Foundation
import StaskCore
import StaskPosix

/// What `stask build` was asked to do: the values of its command line, read by ArgumentParser
/// (``BuildCommand``) or, for the common command lines, by ``QuickCommandLine``.
struct BuildRequest: Hashable {
    var taskfile: String?
    var directory: String?
    var cpu: Int?
    var io: Int?
    var budget: [String] = []
    var keepGoing = false
    var dryRun = false
    var shard: String?
    var shardPlan: String?
    var trace: String?
    var progress: ProgressMode = .auto
    var noWait = false
    var remoteCache: String?
    var remoteCacheUpload = true
    var remoteExecutor: String?
    var remoteInstance: String?
    var remoteJobs: Int?
    var remoteOnly = false
    var watch = false
    var watchDebounce = "50ms"
    var watchRestart = false
    var words: [String] = []

    /// The directory to work in, absolute.
    var absoluteDirectory: String {
        ProjectOptions.absolute(directory)
    }

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

    func run() async throws {
        var options = try makeOptions()
        if let shardPlan {
            let path = shardPlan.hasPrefix("/") ? shardPlan : absoluteDirectory + "/" + shardPlan
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
        let summary = try await BuildRunner(options: options, reporters: progress.makeReporters()).run()
        if let signal = summary.interruptingSignal { throw BuildFailure.interrupted(signal: signal) }
        if !summary.isSuccess { throw BuildFailure.tasksFailed }
    }

    /// The engine's options from the command line.
    ///
    /// - Throws: `ValidationError` for a malformed `--budget`, `--shard`, variable or count.
    func makeOptions() throws -> BuildOptions {
        var options = BuildOptions(directory: absoluteDirectory, taskfilePath: taskfile)
        try options.add(words: words)
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
            option: remoteCache, environment: ProcessEnvironment.value("STASK_REMOTE_CACHE"))
        options.isRemoteCacheUploadEnabled = remoteCacheUpload
        options.remoteExecutor = try Self.remoteExecutorSelection(
            option: remoteExecutor, environment: ProcessEnvironment.value("STASK_REMOTE_EXECUTOR"))
        if let remoteJobs {
            guard remoteJobs > 0 else { throw ValidationError("--remote-jobs \(remoteJobs): must be at least 1") }
            options.remoteJobs = remoteJobs
        }
        options.remoteInstance = remoteInstance
        options.isRemoteOnly = remoteOnly
        if remoteOnly, options.remoteExecutor == .off {
            throw ValidationError("--remote-only with the remote executor off: nothing could run")
        }
        return options
    }

    /// `--remote-executor`, else a non-empty `STASK_REMOTE_EXECUTOR`, else the Taskfile's choice.
    ///
    /// - Throws: `ValidationError` naming the option or the variable when the URL is unusable.
    static func remoteExecutorSelection(option: String?, environment: String?) throws -> RemoteExecutorSelection {
        try selection(
            option: option, named: "--remote-executor", environment: environment, variable: "STASK_REMOTE_EXECUTOR",
            otherwise: .fromTaskfile, parse: RemoteExecutorSelection.init(parsing:))
    }

    /// `--remote-cache`, else a non-empty `STASK_REMOTE_CACHE`, else the Taskfile's choice.
    ///
    /// - Throws: `ValidationError` naming the option or the variable when the URL is unusable.
    static func remoteCacheSelection(option: String?, environment: String?) throws -> RemoteCacheSelection {
        try selection(
            option: option, named: "--remote-cache", environment: environment, variable: "STASK_REMOTE_CACHE",
            otherwise: .fromTaskfile, parse: RemoteCacheSelection.init(parsing:))
    }

    /// The option's value, else the variable's when it is not empty, parsed; `otherwise` when neither is set.
    ///
    /// - Throws: `ValidationError` naming the option or the variable when `parse` refuses the value.
    private static func selection<Selection>(
        option: String?, named optionName: String, environment: String?, variable: String, otherwise: Selection,
        parse: (String) throws -> Selection
    ) throws -> Selection {
        let (text, source): (String, String)
        if let option {
            (text, source) = (option, optionName)
        } else if let environment, !environment.isEmpty {
            (text, source) = (environment, variable)
        } else {
            return otherwise
        }
        do {
            return try parse(text)
        } catch {
            throw ValidationError("\(source): \(error)")
        }
    }
}
