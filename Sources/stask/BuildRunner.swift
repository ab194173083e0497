import StaskCore
import StaskPosix

/// Runs one build for the `build` command: the engine over the real file system and launcher, with
/// SIGINT/SIGTERM turned into an orderly stop and the terminal status line kept ticking.
struct BuildRunner {
    var options: BuildOptions
    var reporter: any ProgressReporter
    /// The reporter again when it is a terminal status line, which is ticked between events.
    var terminal: TerminalReporter?

    init(options: BuildOptions, reporters: (reporter: any ProgressReporter, terminal: TerminalReporter?)) {
        self.options = options
        (reporter, terminal) = reporters
    }

    func run() async throws -> BuildSummary {
        var local = BuildEngine.local()
        local.joinMakeJobserver(hasExplicitCPU: options.budgetOverrides["cpu"] != nil) {
            StandardError.write("stask: warning: \($0)\n")
        }
        let engine = local
        if options.dryRun {
            let planned = try engine.dryRun(options)
            var text = ""
            for run in planned { text += "would run \(run.id): \(run.reason)\n" }
            text += planned.isEmpty ? "stask: nothing to do\n" : "stask: \(planned.count) to run (dry run)\n"
            FileDescriptorSink(fileDescriptor: 1).write(Array(text.utf8))
            return BuildSummary()
        }
        let monitor = try InterruptMonitor()
        defer { monitor.uninstall() }
        guard let terminal else {
            return try await engine.run(options, reporter: reporter, interrupts: monitor.signals)
        }
        return try await withThrowingTaskGroup(of: BuildSummary?.self) { group in
            group.addTask {
                try await engine.run(options, reporter: terminal, interrupts: monitor.signals)
            }
            group.addTask {
                // Keeps the ETA and running times current between events; ends when the build does.
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(500))
                    terminal.tick()
                }
                return nil
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let summary = result { return summary }
            }
            preconditionFailure("the build task always returns a summary or throws")
        }
    }
}
