import StaskCore

/// Runs one build for the `build` command: the engine, plus signal handling and the status-line timer.
struct BuildRunner {
    var options: BuildOptions
    var reporter: any ProgressReporter

    func run() async throws -> BuildSummary {
        try await BuildEngine().run(options, reporter: reporter)
    }
}
