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
    package func shardPlans(_ options: BuildOptions, tasks: [String] = []) throws -> [ShardPlan] {
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
                shardPlanner: try shardPlanner(taskfile, options: options, itemDurations: state.itemDurations),
                staleOutputs: recordedOutputs)
        ).build(taskfile)
        let wanted = tasks.isEmpty ? sharded : sharded.filter(tasks.contains)
        let timing = ShardTimingFile.load(stateDirectory: stateDirectory, fileSystem: fileSystem)
        return Self.shardPlans(of: graph, tasks: wanted, imported: options.shardPlans, timing: timing.tasks) {
            state.itemDurations[$0] ?? [:]
        }
    }

    /// The splits of `tasks` (sharded `foreach` tasks) in `graph`, with estimates from the recorded
    /// durations (`history`, by task) and `imported` plans, and what `timing` says of their sources.
    static func shardPlans(
        of graph: BuildGraph, tasks: [String], imported: [ShardPlan], timing: [String: ShardTiming] = [:],
        history: (String) -> [String: Double]
    ) -> [ShardPlan] {
        tasks.map { name in
            let assignment = split(of: name, in: graph)
            let history = history(name)
            let plan = imported.first { $0.task == name }
            let estimates = history.merging(plan?.estimates ?? [:]) { recorded, _ in recorded }
            let timing = timing[name]
            let measured = timing?.measuredItems.filter { history[$0] != nil } ?? Set()
            return ShardPlan(
                task: name, assignment: assignment, estimates: estimates,
                knownItemCount: assignment.joined().filter { history[$0] != nil }.count, measuredItems: measured,
                unattributed: timing?.unattributed ?? UnattributedTestCases())
        }
    }

    /// Where a build saves the splits it used, so the next build can keep them (a `ShardPlanFile`).
    static let shardPlansFileName = "shard-plans.json"

    /// The splits the last build saved; empty when there are none or the file is unreadable (it is only
    /// a hint: losing it costs a fresh plan, never a wrong build).
    static func savedShardPlans(stateDirectory: String, fileSystem: any FileSystem) -> [ShardPlan] {
        let path = ProjectPath.join(stateDirectory, shardPlansFileName)
        guard let bytes = try? fileSystem.readFile(atPath: path),
            let file = try? ShardPlanFile(decoding: bytes, path: path)
        else { return [] }
        return file.plans
    }

    /// Saves the splits of `graph`'s sharded `foreach` tasks for the next build, when they changed.
    ///
    /// - Throws: `EncodingError` for an estimate that is not finite; `FileSystemError` when the file cannot be
    ///   written.
    func saveShardPlans(_ graph: BuildGraph, stateDirectory: String, store: BuildStateStore) throws {
        let tasks = graph.taskfile.tasks.filter { $0.shards != nil && $0.foreach != nil }.map(\.name)
        guard !tasks.isEmpty else { return }
        let plans = Self.shardPlans(of: graph, tasks: tasks, imported: []) { store.itemDurations(forTask: $0) }
        let saved = Self.savedShardPlans(stateDirectory: stateDirectory, fileSystem: fileSystem)
        let split = { (plans: [ShardPlan]) in plans.map { [[$0.task]] + $0.shards.map(\.items) } }
        guard split(saved) != split(plans) else { return }
        let path = ProjectPath.join(stateDirectory, Self.shardPlansFileName)
        try fileSystem.writeFile(atPath: path, contents: try ShardPlanFile(plans: plans).encoded())
    }

    /// At the end of a build that ran shards: one warning per task whose JUnit reports had test cases
    /// naming no item, and the tasks' ``ShardTiming`` saved to `.stask/shard-timing.json`.
    func finishShardRuns(
        _ log: ShardRunLog, graph: BuildGraph, stateDirectory: String, reporter: any ProgressReporter
    ) {
        let runs = log.runs
        guard !runs.isEmpty else { return }
        for (task, cases) in log.unattributedByTask {
            reporter.report(.warning(Self.unattributedWarning(task: task, cases)))
        }
        var file = ShardTimingFile.load(stateDirectory: stateDirectory, fileSystem: fileSystem)
        for run in runs {
            file.tasks[run.task, default: ShardTiming()].record(
                shard: run.shard, of: run.shardCount, items: run.items, run.learned)
        }
        let items = Self.shardedTaskItems(graph).mapValues(Set.init)
        file.tasks = file.tasks.filter { items[$0.key] != nil }
        for (task, timing) in file.tasks { file.tasks[task] = timing.keeping(items[task] ?? []) }
        do {
            try file.save(stateDirectory: stateDirectory, fileSystem: fileSystem)
        } catch {
            reporter.report(.warning("cannot save the shard timing for 'stask shards': \(error)"))
        }
    }

    /// Every item of each sharded task of `graph`, by task name, in shard order.
    static func shardedTaskItems(_ graph: BuildGraph) -> [String: [String]] {
        var items: [String: [String]] = [:]
        for instance in graph.instances where instance.shard != nil {
            items[instance.taskName, default: []] += instance.items
        }
        return items
    }

    /// `test: 3 test cases (1.500 s) in JUnit reports name no item of their shard, …`.
    static func unattributedWarning(task: String, _ cases: UnattributedTestCases) -> String {
        let count = cases.count == 1 ? "1 test case" : "\(cases.count) test cases"
        let examples = cases.examples.map { "'\($0)'" }.joined(separator: ", ")
        return "\(task): \(count) (\(ShardPlan.format(cases.seconds))) in JUnit reports name no item of their shard"
            + " (e.g. \(examples)); their time is counted for no item (see 'stask shards \(task)')"
    }

    /// The planner for a build: imported plans (checked against the Taskfile) first, then
    /// longest-processing-time-first over the recorded per-item durations, keeping the last build's split
    /// while it stays within 10% of a fresh plan, and as it is for the tasks of `keeping`
    /// (``LongestProcessingTimeShardPlanner``).
    ///
    /// - Throws: `ShardPlanError.notShardedTask`, `.shardCountMismatch`.
    func shardPlanner(
        _ taskfile: Taskfile, options: BuildOptions, itemDurations: [String: [String: Double]],
        keeping: Set<String> = []
    ) throws -> any ShardPlanner {
        var durations: [String: [String: Double]] = [:]
        for task in taskfile.tasks {
            if let items = itemDurations[task.name], !items.isEmpty { durations[task.name] = items }
        }
        let isSharded = taskfile.tasks.contains { $0.shards != nil && $0.foreach != nil }
        let previous =
            isSharded
            ? Self.savedShardPlans(
                stateDirectory: ProjectPath.join(taskfile.directory, ".stask"), fileSystem: fileSystem) : []
        let planner = LongestProcessingTimeShardPlanner(durations: durations, previous: previous, keeping: keeping)
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

    /// The build's plan, with the last build's split of each sharded task kept as it is unless the task runs
    /// anyway, and what `check` found of it.
    ///
    /// A split planned anew from the durations the last run recorded changes the shards' commands, and so
    /// would run every shard again although nothing changed. So the plan is first made keeping every sharded
    /// task's previous split (``LongestProcessingTimeShardPlanner/keeping``) and checked; the tasks some
    /// instance of which runs anyway (an input, the command or an output changed, a dependency runs, the
    /// task is `always`) are planned from history, as ``shardPlanner(_:options:itemDurations:keeping:)``
    /// plans, and when that moves an item the plan is made and checked again (the graph built twice: only
    /// when a sharded task runs and its split changes). With `--shard I/N` or an imported plan no split is
    /// kept this way: every machine of a CI matrix must compute the same split from the same history,
    /// whatever its own outputs are.
    ///
    /// - Parameters:
    ///   - makePlan: Makes the plan, keeping the previous splits of the given tasks.
    ///   - check: Checks a plan; returns its result and, by plan position, whether the instance would run.
    /// - Throws: What `makePlan` and ``shardPlanner(_:options:itemDurations:keeping:)`` throw.
    func planKeepingSplits<Checked>(
        _ taskfile: Taskfile, options: BuildOptions, itemDurations: [String: [String: Double]],
        makePlan: (_ keeping: Set<String>) throws -> BuildPlan,
        check: (BuildPlan) -> (result: Checked, runs: [Bool])
    ) throws -> (plan: BuildPlan, result: Checked) {
        let keeping: Set<String> =
            options.shard == nil && options.shardPlans.isEmpty
            ? Set(taskfile.tasks.filter { $0.shards != nil && $0.foreach != nil }.map(\.name)) : []
        let plan = try makePlan(keeping)
        let checked = check(plan)
        guard !keeping.isEmpty else { return (plan, checked.result) }
        var running = Set<String>()
        for local in 0..<plan.count where checked.runs[local] {
            let instance = plan.instance(local)
            if instance.shard != nil, keeping.contains(instance.taskName) { running.insert(instance.taskName) }
        }
        guard !running.isEmpty else { return (plan, checked.result) }
        let replanning = keeping.subtracting(running)
        let planner = try shardPlanner(taskfile, options: options, itemDurations: itemDurations, keeping: replanning)
        let isMoved = running.contains { task in
            let current = Self.split(of: task, in: plan.graph)
            let items = current.joined().sorted(by: ProjectPath.precedes)
            return planner.assign(items: items, shardCount: current.count, task: task) != current
        }
        guard isMoved else { return (plan, checked.result) }
        let replanned = try makePlan(replanning)
        return (replanned, check(replanned).result)
    }

    /// The items of each shard of `task` in `graph`, by shard index (empty for a shard without instance).
    static func split(of task: String, in graph: BuildGraph) -> [[String]] {
        let count = graph.taskfile.tasks.first { $0.name == task }?.shards ?? 1
        var assignment = [[String]](repeating: [], count: count)
        for index in graph.instances(ofTask: task) {
            let instance = graph.instances[index]
            if let shard = instance.shard { assignment[shard.index] = instance.items }
        }
        return assignment
    }
}
