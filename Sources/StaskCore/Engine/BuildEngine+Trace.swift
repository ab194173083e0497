import AsyncStreams

// MARK: - `--trace`

extension BuildEngine {
    func traceRecorder(
        _ plan: BuildPlan, scheduled: [Int], store: BuildStateStore, origin: ContinuousClock.Instant,
        memoryLog: AttemptMemoryLog
    ) -> TraceRecorder {
        var costs: [String: [String: Double]] = [:]
        for local in scheduled { costs[plan.instance(local).id] = plan.instance(local).cost.amounts }
        return TraceRecorder(
            costs: costs, actionKey: { store.record(for: $0)?.actionKey.description },
            peakMemory: { memoryLog.latest($0) }, now: { ContinuousClock.now - origin })
    }

    /// Writes the trace file atomically (relative paths are relative to `options.directory`); a failure is
    /// a warning, not a failed build.
    func writeTrace(_ recorder: TraceRecorder, options: BuildOptions, reporter: any ProgressReporter) {
        guard let path = options.tracePath else { return }
        let absolute = ProjectPath.absolute(path, project: options.directory)
        do {
            try fileSystem.createDirectory(atPath: ProjectPath.parent(ofAbsolute: absolute))
            try fileSystem.writeFile(atPath: absolute, contents: recorder.traceJSON())
        } catch {
            reporter.report(.warning("cannot write the trace '\(path)': \(error)"))
        }
    }
}
