// MARK: - --dry-run and explain

extension BuildEngine {
    /// One instance a build would run, and why.
    package struct PlannedRun: Sendable, Hashable {
        /// The instance id.
        package var id: String
        /// The first reason it would run, structured.
        package var cause: RebuildReason
        /// ``cause`` as one line of text: `never built`, `input 'a.c' changed (1f2e3d4c → 5a6b7c8d)`, …
        package var reason: String { cause.description }
    }

    /// What `build` would run, in dependency order, without running anything or changing any state:
    /// no lock is taken, `.stask/` is only read, and the stat cache is not saved.
    ///
    /// The reasons are those of ``explain(_:)``: the same check the build's pre-pass makes.
    ///
    /// - Throws: `TaskfileError` when the Taskfile or a target is wrong.
    package func dryRun(_ options: BuildOptions) throws -> [PlannedRun] {
        let evaluation = try evaluateReadOnly(options)
        return evaluation.explanations.compactMap { explanation in
            explanation.reason.map { PlannedRun(id: explanation.id, cause: $0) }
        }
    }

    /// Why each instance named by the targets of `options` would run, or that it is up to date, without
    /// running anything or changing any state (like ``dryRun(_:)``).
    ///
    /// The named instances are reported in graph order; their dependencies are checked (a dependency
    /// that will run is a reason) but not reported. No targets means the default targets with everything
    /// they depend on.
    ///
    /// - Throws: `TaskfileError` when the Taskfile or a target is wrong.
    package func explain(_ options: BuildOptions) throws -> [Explanation] {
        let evaluation = try evaluateReadOnly(options)
        guard !options.targets.isEmpty else { return evaluation.explanations }
        var named = Set<Int>()
        for target in options.targets {
            named.formUnion(try evaluation.plan.graph.resolve(target, location: nil))
        }
        return zip(evaluation.plan.indices, evaluation.explanations).compactMap { index, explanation in
            named.contains(index) ? explanation : nil
        }
    }

    /// The selected instances of `options` checked in dependency order against the recorded state,
    /// read-only; shard splits are kept or planned anew as a build would
    /// (``planKeepingSplits(_:options:itemDurations:makePlan:check:)``).
    func evaluateReadOnly(_ options: BuildOptions) throws -> (plan: BuildPlan, explanations: [Explanation]) {
        let taskfile = try loadTaskfile(options)
        let stateDirectory = ProjectPath.join(taskfile.directory, ".stask")
        let state = BuildStateStore.load(directory: stateDirectory, fileSystem: fileSystem).state
        let (plan, explanations) = try planKeepingSplits(
            taskfile, options: options, itemDurations: state.itemDurations,
            makePlan: { try makePlan(taskfile, options: options, state: state, keeping: $0) },
            check: { (plan: BuildPlan) -> (result: [Explanation], runs: [Bool]) in
                let checked = explaining(plan, taskfile: taskfile, state: state)
                return (checked, checked.map { $0.reason != nil })
            })
        return (plan, explanations)
    }

    /// Why each instance of `plan` would run, in plan order, against `state`.
    private func explaining(_ plan: BuildPlan, taskfile: Taskfile, state: BuildState) -> [Explanation] {
        // A cache of its own, so that the counts of inputs trusted and hashed are this plan's.
        let digests = FileDigestCache(entries: state.statCache, fileSystem: fileSystem)
        var checker = UpToDateChecker(
            projectDirectory: plan.graph.projectDirectory, fileSystem: fileSystem, digests: digests,
            record: { state.validRecord(for: $0) })
        checker.variablesByTask = taskfile.referencedVariables
        checker.recordIncludingInvalidated = { state.records[$0] }
        var runs = [Bool](repeating: false, count: plan.count)
        var explanations: [Explanation] = []
        explanations.reserveCapacity(plan.count)
        for local in 0..<plan.count {
            let instance = plan.instance(local)
            let runningDependency = plan.dependencies[local].first { runs[$0] }.map { plan.instance($0).id }
            let before = digests.statistics
            let current = checker.keyInputs(for: instance)
            let after = digests.statistics
            let reason = checker.reason(instance, current: current, runningDependency: runningDependency)
            runs[local] = reason != nil
            var explanation = Explanation(
                id: instance.id, reason: reason, inputCount: instance.inputs.count,
                trustedInputs: after.trusted - before.trusted, hashedInputs: after.hashed - before.hashed)
            explanation.peakMemory = state.records[instance.id].flatMap { $0.peakMemory == 0 ? nil : $0.peakMemory }
            explanations.append(explanation)
        }
        return explanations
    }
}

// MARK: - graph

extension BuildEngine {
    /// The whole graph of the Taskfile, for `stask graph`; reads the Taskfile, the file tree and the build
    /// state, writes nothing.
    ///
    /// - Throws: `TaskfileError` when the Taskfile or its graph is wrong.
    package func graph(_ options: BuildOptions) throws -> BuildGraph {
        try graphWithDiscoveredInputs(options).graph
    }

    /// ``graph(_:)`` and the discovered inputs each instance's last recorded run listed in its depfile (by
    /// instance id; empty for an instance without).
    package func graphWithDiscoveredInputs(
        _ options: BuildOptions
    ) throws -> (graph: BuildGraph, discoveredInputs: @Sendable (String) -> [String]) {
        let taskfile = try loadTaskfile(options)
        let state = BuildStateStore.load(
            directory: ProjectPath.join(taskfile.directory, ".stask"), fileSystem: fileSystem
        )
        .state
        let discovered: @Sendable (String) -> [String] = {
            state.validRecord(for: $0)?.discoveredInputs.map(\.path) ?? []
        }
        var graphOptions = GraphBuilder.Options(budgetOverrides: options.budgetOverrides, cpuCount: cpuCount)
        graphOptions.defaultMemoryBudget = availableMemory()
        graphOptions.discoveredInputs = discovered
        let graph = try GraphBuilder(fileSystem: fileSystem, options: graphOptions).build(taskfile)
        return (graph, discovered)
    }
}
