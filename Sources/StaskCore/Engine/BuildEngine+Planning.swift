import AsyncStreams

// MARK: - Loading and planning

extension BuildEngine {
    /// Reads and parses the Taskfile of `options` (see `parse(_:options:)`).
    func loadTaskfile(_ options: BuildOptions) throws -> Taskfile {
        try parse(readTaskfile(options), options: options)
    }

    /// The graph of `taskfile` with the targets of `options` selected; `state` supplies per-item durations
    /// for shard planning and the outputs of earlier builds (which globs must not match on disk).
    ///
    /// - Throws: `TaskfileError`; `ShardPlanError` for an imported shard plan that does not fit.
    /// The previous shard splits of the tasks of `keeping` are kept as they are
    /// (``planKeepingSplits(_:options:itemDurations:makePlan:check:)`` decides which).
    func makePlan(
        _ taskfile: Taskfile, options: BuildOptions, state: BuildState, keeping: Set<String> = []
    ) throws -> BuildPlan {
        var recordedOutputs = Set<String>()
        for record in state.records.values { recordedOutputs.formUnion(record.outputDigests.keys) }
        return try makePlan(
            taskfile, options: options, itemDurations: state.itemDurations, recordedOutputs: recordedOutputs,
            discoveredInputs: { state.validRecord(for: $0)?.discoveredInputs.map(\.path) ?? [] }, keeping: keeping)
    }

    /// `makePlan(_:options:state:keeping:)` over an open store, every shard split planned from history (a
    /// watch session's plan).
    func makePlan(_ taskfile: Taskfile, options: BuildOptions, store: BuildStateStore) throws -> BuildPlan {
        try makePlan(
            taskfile, options: options, itemDurations: store.allItemDurations,
            recordedOutputs: store.recordedOutputPaths,
            discoveredInputs: { store.record(for: $0)?.discoveredInputs.map(\.path) ?? [] })
    }

    /// `makePlan(_:options:state:keeping:)` from the two parts of the state it reads (a build gets them from
    /// the store without decoding the whole state).
    func makePlan(
        _ taskfile: Taskfile, options: BuildOptions, itemDurations: [String: [String: Double]],
        recordedOutputs: Set<String>, discoveredInputs: @escaping @Sendable (String) -> [String],
        keeping: Set<String> = []
    ) throws -> BuildPlan {
        var graphOptions = graphOptions(options)
        graphOptions.shardPlanner = try shardPlanner(
            taskfile, options: options, itemDurations: itemDurations, keeping: keeping)
        graphOptions.staleOutputs = recordedOutputs
        graphOptions.discoveredInputs = discoveredInputs
        let graph = try GraphBuilder(fileSystem: fileSystem, options: graphOptions).build(taskfile)
        return try BuildPlan(graph: graph, targets: options.targets, shard: options.shard)
    }

    /// Which selected instances are up to date, in dependency order, before anything runs, and every file
    /// examined to decide it (with its metadata and digest). Files graph construction already examined are
    /// not examined again (``KnownMetadata``).
    ///
    /// - Parameter knownUpToDate: By plan position, instances known up to date without examining anything
    ///   (a watch session's, or the incremental path's; see `execute(_:plan:…)`).
    /// - Parameter examined: Files already examined in this build, taken as they are (the no-op stamp's,
    ///   checked at its start); the result's `examined` holds them too.
    func prePass(
        _ plan: BuildPlan, checker: UpToDateChecker, knownUpToDate: [Bool]? = nil,
        examined: UpToDateChecker.Memo? = nil
    ) -> (upToDate: [Bool], examined: UpToDateChecker.Memo) {
        var checker = checker
        var upToDate = [Bool](repeating: false, count: plan.count)
        var memo = examined ?? UpToDateChecker.Memo()
        var isReserved = examined != nil
        for local in 0..<plan.count {
            // Before the instance is even looked at: at 100,000 targets a watch session's pre-pass is this flag.
            // (A session never knows an `always` instance up to date.)
            if let knownUpToDate, knownUpToDate[local], plan.dependencies[local].allSatisfy({ upToDate[$0] }) {
                upToDate[local] = true
                continue
            }
            let instance = plan.instance(local)
            guard !instance.always, plan.dependencies[local].allSatisfy({ upToDate[$0] }) else { continue }
            // Without a record the instance cannot be up to date: its inputs are hashed when it runs, in
            // parallel with the other tasks, not here one after the other.
            guard checker.record(instance.id) != nil else { continue }
            if !isReserved {
                isReserved = true
                // Only now: a build from scratch examines nothing here and needs no index of the graph's files.
                // Not in a watch session, whose graph may have been built several builds ago.
                if knownUpToDate == nil {
                    checker.knownMetadata = prefetchedMetadata(plan, from: local)
                }
                // Some instance has a record, so most probably all do (a full build from scratch has none and
                // reserves nothing). An upper bound: an output is usually another instance's input as well.
                memo.reserveCapacity(
                    (0..<plan.count).reduce(0) { $0 + plan.instance($1).inputs.count + plan.instance($1).outputs.count }
                )
            }
            let key = checker.keyInputs(for: instance, memo: &memo).actionKey
            upToDate[local] = checker.isUpToDate(instance, actionKey: key, memo: &memo)
        }
        return (upToDate, memo)
    }

    /// What the pre-pass of `plan` needs examined from position `first` on, taken all at once: graph
    /// construction's observations, and the metadata of every other input and output of those instances
    /// (``KnownMetadata/prefetching(_:fileSystem:projectDirectory:)``), which the walk would otherwise `stat`
    /// one after another. (The inputs a depfile listed, a few headers shared by many instances, are still
    /// examined by the walk.) Paths the walk may not reach (an instance whose dependency turns out stale) cost a
    /// `stat` in parallel for nothing; most builds that get here find nearly everything up to date.
    private func prefetchedMetadata(_ plan: BuildPlan, from first: Int) -> KnownMetadata {
        let known = KnownMetadata(plan.graph.fileObservations)
        var seen = Set<ExactPath>()
        var paths: [String] = []
        for local in first..<plan.count {
            let instance = plan.instance(local)
            guard !instance.always else { continue }
            for path in instance.inputs where !known.contains(path) && seen.insert(ExactPath(path)).inserted {
                paths.append(path)
            }
            for path in instance.outputs where !known.contains(path) && seen.insert(ExactPath(path)).inserted {
                paths.append(path)
            }
        }
        return known.prefetching(paths, fileSystem: fileSystem, projectDirectory: plan.graph.projectDirectory)
    }

    /// About how many files the `scheduled` instances hash when they run: their outputs, and their inputs
    /// that no instance produces (sources; a source shared by several instances counts once each).
    func filesHashed(by scheduled: [Int], in plan: BuildPlan) -> Int {
        var count = 0
        for local in scheduled {
            let instance = plan.instance(local)
            count += instance.outputs.count
            for input in instance.inputs where plan.graph.producer(of: input) == nil { count += 1 }
        }
        return count
    }

    /// What the scheduler needs of each scheduled instance, by plan position (arrays, not dictionaries: they
    /// live as long as the build, 16 bytes an instance instead of some 80), from one look at its record:
    ///
    /// - `estimates`: recorded moving averages; an instance never run gets the median of the known ones, or
    ///   1 s; zero for instances not scheduled.
    /// - `memoryCharges`: the `mem` each is charged: its declared `cost.mem`, else the peak resident memory
    ///   of its last successful run, else nothing; at most the whole `mem` budget, so a step that needs more
    ///   than the machine has runs alone instead of never. Empty when the budget has no `mem`.
    func schedulingFigures(
        _ plan: BuildPlan, scheduled: [Int], store: BuildStateStore
    ) -> (estimates: [Duration], memoryCharges: [Double]) {
        let memoryLimit = plan.graph.budget.amounts[MemorySyntax.resource]
        var charges = memoryLimit == nil ? [] : [Double](repeating: 0, count: plan.count)
        var known = [Duration?](repeating: nil, count: plan.count)
        var knownSeconds: [Double] = []
        for local in scheduled {
            let instance = plan.instance(local)
            let history = store.runHistory(for: instance.id)
            if let estimate = history?.estimatedDuration {
                known[local] = estimate
                knownSeconds.append(InstanceExecutor.seconds(estimate))
            }
            if let memoryLimit {
                let learned = history.map { Double($0.peakMemory) } ?? 0
                charges[local] = min(instance.cost.amounts[MemorySyntax.resource] ?? learned, memoryLimit)
            }
        }
        let fallback = Duration.seconds(CriticalPath.defaultEstimate(known: knownSeconds))
        var estimates = [Duration](repeating: .zero, count: plan.count)
        for local in scheduled { estimates[local] = known[local] ?? fallback }
        return (estimates, charges)
    }
}
