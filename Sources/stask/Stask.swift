import ArgumentParser
import Foundation
import StaskCore
import StaskPosix

/// The `stask` command: a make-like build tool driven by a Taskfile.
///
/// `build` is the default subcommand, so `stask`, `stask app` and `stask build app` are the same.
/// The other subcommands: `explain`, `graph`, `list`, `clean`, `shards`, `watch` and `worker`.
struct Stask: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stask",
        abstract: "A make-like build tool: content hashes, parallel under budgets, critical path first.",
        discussion: """
            Exit status: 0 success, 1 a task failed, 2 a usage or Taskfile error, \
            130 interrupted (SIGINT), 143 terminated (SIGTERM).
            """,
        version: "0.1.0",
        subcommands: [
            BuildCommand.self, ListCommand.self, CleanCommand.self, ExplainCommand.self, GraphCommand.self,
            ShardsCommand.self, WatchCommand.self, WorkerCommand.self,
        ],
        defaultSubcommand: BuildCommand.self
    )

    /// Runs the command line (``run(_:)``) on the concurrency runtime's threads while the calling thread, the
    /// process's main thread, waits for it; `--version` is answered before those threads start.
    ///
    /// An `async` entry point would park the main thread in `dispatch_main`, which ends it with
    /// `pthread_exit`; in the statically linked release binary that thread's unwinding first sorts the frame
    /// descriptions of the whole binary, some 300 million instructions on a second core while the build
    /// runs. A main thread that waits and then returns never unwinds.
    static func runAndWait() {
        AllocatorTuning.apply()
        // The signal handlers run on this thread, as they would while an async main waits in `sigsuspend`.
        InterruptMonitor.acceptSignalsOnThisThread()
        let arguments = movingLeadingOptions(expandingAttachedJobs(Array(CommandLine.arguments.dropFirst())))
        if QuickCommandLine.read(arguments) == .version {
            // Before the concurrency runtime's threads start, which would be more than half of its cost.
            print(configuration.version)
            return
        }
        let finished = DispatchSemaphore(value: 0)
        // Detached on purpose: the program's whole run, owned by this thread, which waits for it; nothing
        // could cancel it but the signal handlers, which cancel the build inside instead.
        Task.detached {
            await run(arguments)
            finished.signal()
        }
        finished.wait()
    }

    /// Parses the command line (`arguments`, the words after the program's name as `runAndWait` prepared
    /// them), runs the command, and turns any error into a message and an exit status.
    static func run(_ arguments: [String]) async {
        do {
            if case .build(let request)? = QuickCommandLine.read(arguments), (try? request.validate()) != nil {
                try await request.run()
                return
            }
            var command = try await asyncParseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: exitCode(reporting: error))
        }
    }

    /// `-j2` as make and ninja accept it, rewritten to `-j 2` for ArgumentParser (words after `--` are left alone).
    static func expandingAttachedJobs(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var isAfterSeparator = false
        for word in arguments {
            if word == "--" { isAfterSeparator = true }
            if !isAfterSeparator, word.count > 2, word.hasPrefix("-j"), Int(word.dropFirst(2)) != nil {
                result += ["-j", String(word.dropFirst(2))]
            } else {
                result.append(word)
            }
        }
        return result
    }

    /// The one place that maps errors to exit statuses; prints the error's message to standard error.
    ///
    /// - 0: help or version requested (printed by ArgumentParser).
    /// - 1: a task failed (the build already reported it), or stask itself could not do its work (an I/O
    ///   error, another stask holding the lock with `--no-wait`).
    /// - 2: a usage error, a Taskfile error (`Taskfile:3:5: error: ...`) or an unusable shard plan; nothing ran.
    /// - 128 + signal: the build was interrupted (130 for SIGINT, 143 for SIGTERM).
    static func exitCode(reporting error: any Error) -> any Error {
        switch error {
        case let failure as BuildFailure:
            switch failure {
            case .tasksFailed: return ExitCode(1)
            case .interrupted(let signal): return ExitCode(128 + signal)
            }
        case let code as ExitCode:
            return code
        case let error as UsageError:
            StandardError.write("stask: error: \(error)\n")
            return ExitCode(2)
        case let error as ShardPlanError:
            StandardError.write("stask: error: \(error)\n")
            return ExitCode(2)
        default:
            break
        }
        if let location = locatedMessage(error) {
            StandardError.write(location + "\n")
            return ExitCode(2)
        }
        let parserCode = Self.exitCode(for: error)
        if parserCode == .success {
            // --help, --version: ArgumentParser prints them and exits 0.
            return error
        }
        if parserCode == .validationFailure {
            StandardError.write("stask: error: \(Self.message(for: error))\n")
            StandardError.write("Usage: see 'stask --help' or 'stask build --help'\n")
            return ExitCode(2)
        }
        StandardError.write("stask: error: \(error)\n")
        return ExitCode(1)
    }

    /// The compiler-style message of a Taskfile or graph error (exit status 2), or `nil` for other errors:
    /// `Taskfile:3:5: error: ...` when the error has a location, `stask: error: ...` otherwise.
    private static func locatedMessage(_ error: any Error) -> String? {
        (error as? TaskfileError)?.compilerStyleMessage
    }
}

/// The ways a build ends unsuccessfully without being an error of stask itself.
enum BuildFailure: Error, CustomStringConvertible {
    /// At least one task failed or was aborted; the build's output already said which.
    case tasksFailed
    /// SIGINT or SIGTERM stopped the build.
    case interrupted(signal: Int32)

    var description: String {
        switch self {
        case .tasksFailed: "build failed"
        case .interrupted(let signal): "interrupted by signal \(signal)"
        }
    }
}

/// A command-line word that could not be understood; exit status 2.
struct UsageError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
