// MARK: - --dry-run

extension BuildEngine {
    /// One instance a build would run, and why.
    public struct PlannedRun: Sendable, Hashable {
        /// The instance id.
        public var id: String
        /// The first reason it would run: `never built`, `always`, `a dependency will run`, `its inputs,
        /// command or environment changed`, `output 'x' is missing or was modified`.
        public var reason: String
    }

    /// What `build` would run, in dependency order, without running anything or changing any state:
    /// no lock is taken, `.stask/` is only read, and the stat cache is not saved.
    ///
    /// - Throws: `TaskfileError` when the Taskfile or a target is wrong.
    public func dryRun(_ options: BuildOptions) throws -> [PlannedRun] {
        let taskfile = try loadTaskfile(options)
        let stateDirectory = ProjectPath.join(taskfile.directory, ".stask")
        let state = BuildStateStore.load(directory: stateDirectory, fileSystem: fileSystem).state
        let plan = try makePlan(taskfile, options: options, state: state)
        let checker = UpToDateChecker(
            projectDirectory: plan.graph.projectDirectory, fileSystem: fileSystem,
            digests: FileDigestCache(entries: state.statCache, fileSystem: fileSystem),
            record: { state.validRecord(for: $0) })
        var runs = [Bool](repeating: false, count: plan.count)
        var planned: [PlannedRun] = []
        var memo: [String: ContentDigest?] = [:]
        for local in 0..<plan.count {
            let instance = plan.instance(local)
            let dependencyRuns = plan.dependencies[local].contains { runs[$0] }
            let key = checker.keyInputs(for: instance, memo: &memo).actionKey
            if let reason = checker.reasonToRun(instance, actionKey: key, dependencyRuns: dependencyRuns) {
                runs[local] = true
                planned.append(PlannedRun(id: instance.id, reason: reason))
            }
        }
        return planned
    }
}
