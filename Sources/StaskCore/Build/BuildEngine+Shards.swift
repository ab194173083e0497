// MARK: - Shard plans

extension BuildEngine {
    /// The shard plans of sharded `foreach` tasks, for `stask shards`: the same assignment `stask build`
    /// (and `stask build --shard I/N` on any machine with the same `.stask/` history) would use.
    ///
    /// Reads the Taskfile, the file tree and the build state; takes no lock and writes nothing.
    ///
    /// - Parameters:
    ///   - options: The project; ``BuildOptions/shardPlans`` are applied as in a build.
    ///   - tasks: The tasks to plan; empty for every sharded `foreach` task.
    /// - Returns: One plan per task, in Taskfile order.
    /// - Throws: `TaskfileError` when the Taskfile is wrong or a named task does not exist
    ///   (`.unknownTarget`); `ShardPlanError.taskNotSharded` for a task without `shards:` and `foreach:`,
    ///   other `ShardPlanError`s when an imported plan does not fit.
    public func shardPlans(_ options: BuildOptions, tasks: [String] = []) throws -> [ShardPlan] {
        let taskfile = try loadTaskfile(options)
        let stateDirectory = ProjectPath.join(taskfile.directory, ".stask")
        let state = BuildStateStore.load(directory: stateDirectory, fileSystem: fileSystem).state
        let sharded = taskfile.tasks.filter { $0.shards != nil && $0.foreach != nil }.map(\.name)
        for name in tasks where !sharded.contains(name) {
            guard taskfile.tasks.contains(where: { $0.name == name }) else {
                throw TaskfileError.unknownTarget(
                    nil, target: name, suggestion: Suggestion.closest(to: name, in: taskfile.tasks.map(\.name)))
            }
            throw ShardPlanError.taskNotSharded(task: name)
        }
        var recordedOutputs = Set<String>()
        for record in state.records.values { recordedOutputs.formUnion(record.outputDigests.keys) }
        let graph = try GraphBuilder(
            fileSystem: fileSystem,
            options: GraphBuilder.Options(
                budgetOverrides: options.budgetOverrides, cpuCount: cpuCount,
                shardPlanner: try shardPlanner(taskfile, options: options, state: state),
                staleOutputs: recordedOutputs)
        ).build(taskfile)
        let wanted = tasks.isEmpty ? sharded : sharded.filter(tasks.contains)
        return wanted.map { name in
            let count = taskfile.tasks.first { $0.name == name }?.shards ?? 1
            var assignment = [[String]](repeating: [], count: count)
            for index in graph.instances(ofTask: name) {
                let instance = graph.instances[index]
                if let shard = instance.shard { assignment[shard.index] = instance.items }
            }
            let history = state.itemDurations[name] ?? [:]
            let imported = options.shardPlans.first { $0.task == name }
            let estimates = history.merging(imported?.estimates ?? [:]) { recorded, _ in recorded }
            let items = assignment.joined()
            return ShardPlan(
                task: name, assignment: assignment, estimates: estimates,
                knownItemCount: items.filter { history[$0] != nil }.count)
        }
    }

    /// The planner for a build: imported plans (checked against the Taskfile) first, then
    /// longest-processing-time-first over the recorded per-item durations.
    ///
    /// - Throws: `ShardPlanError.notShardedTask`, `.shardCountMismatch`.
    func shardPlanner(_ taskfile: Taskfile, options: BuildOptions, state: BuildState) throws -> any ShardPlanner {
        var durations: [String: [String: Double]] = [:]
        for task in taskfile.tasks {
            if let items = state.itemDurations[task.name], !items.isEmpty { durations[task.name] = items }
        }
        let planner = LongestProcessingTimeShardPlanner(durations: durations)
        guard !options.shardPlans.isEmpty else { return planner }
        let path = options.shardPlanPath ?? "shard plan"
        for plan in options.shardPlans {
            guard let task = taskfile.tasks.first(where: { $0.name == plan.task }), let declared = task.shards,
                task.foreach != nil
            else {
                throw ShardPlanError.notShardedTask(path: path, task: plan.task)
            }
            guard declared == plan.shardCount else {
                throw ShardPlanError.shardCountMismatch(
                    path: path, task: plan.task, planned: plan.shardCount, declared: declared)
            }
        }
        return ImportedShardPlanner(plans: options.shardPlans, fallback: planner)
    }
}
