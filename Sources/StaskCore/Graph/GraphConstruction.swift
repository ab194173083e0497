import AsyncStreams

/// An instance while the graph is being built: identity, items and outputs first, inputs later.
struct PlannedInstance {
    let task: Int
    let id: String
    let items: [String]
    let shard: TaskInstance.ShardPosition?

    /// What an assembled instance's place in the working list is left holding.
    static let consumed = PlannedInstance(task: 0, id: "", items: [], shard: nil)
    var outputs: [String] = []
    var outputLocations: [SourceLocation] = []
    /// The matches of `inputs:`, for `{{input}}`/`{{inputs}}`.
    var declaredInputs: [String] = []
    /// Every input with the location of what named it (an input pattern, a `deps:` entry, `foreach`).
    var inputs: [(path: String, location: SourceLocation)] = []
}

/// The working state of one ``GraphBuilder/build(_:)`` call.
struct GraphConstruction {
    let taskfile: Taskfile
    let options: GraphBuilder.Options
    let project: String
    let tasks: [TaskDefinition]
    let taskIndex: [String: Int]
    let expander: TemplateExpander
    let files: FileIndex
    /// Which output directories lead out of the project through a symbolic link.
    let outputDirectories: OutputDirectoryCheck
    var budget: ResourceCost = .zero
    /// Planned instances by task.
    var planned: [[PlannedInstance]]
    /// `foreach` items by task.
    var items: [[String]]

    init(taskfile: Taskfile, fileSystem: any FileSystem, options: GraphBuilder.Options) {
        self.taskfile = taskfile
        self.options = options
        project = taskfile.directory
        tasks = taskfile.tasks
        var taskIndex: [String: Int] = [:]
        for (index, task) in tasks.enumerated() where taskIndex[task.name] == nil { taskIndex[task.name] = index }
        self.taskIndex = taskIndex
        expander = TemplateExpander(variables: taskfile.variableValues)
        files = FileIndex(fileSystem: fileSystem, project: project, ignored: options.staleOutputs)
        outputDirectories = OutputDirectoryCheck(fileSystem: fileSystem, project: project)
        planned = Array(repeating: [], count: tasks.count)
        items = Array(repeating: [], count: tasks.count)
    }

    mutating func run() throws(TaskfileError) -> BuildGraph {
        try checkDependencies()
        try checkOutputTemplates()
        budget = try GraphBuilder(fileSystem: files.fileSystem, options: options).budgetTyped(for: taskfile)
        try checkCosts()
        try planAll()
        try checkDuplicateOutputs()
        try checkOutputLinks()
        for task in tasks.indices {
            for instance in planned[task].indices { try resolveInputs(task: task, instance: instance) }
        }
        // From here on nothing is looked up on disk, and the planned instances live on in `flat` alone: at
        // 100,000 targets each working table dropped here is several megabytes off the build's peak.
        files.releaseLookupTables()
        var flat = planned.flatMap { $0 }
        let producers = producerIndex()
        let hasDepfiles = tasks.contains { $0.depfile != nil }
        var dependencies = try edges(flat, producers: producers, discovered: hasDepfiles)
        if !hasDepfiles { planned = [] }
        let order: [Int]
        do {
            order = try topologicalOrder(flat, dependencies: dependencies)
        } catch {
            // A discovered input recorded by an earlier build must not make a cycle of a graph that has none.
            guard hasDepfiles else { throw error }
            let declared = try edges(flat, producers: producers, discovered: false)
            guard declared != dependencies else { throw error }
            dependencies = declared
            order = try topologicalOrder(flat, dependencies: dependencies)
        }
        planned = []
        return try assemble(&flat, dependencies: dependencies, order: order)
    }

    // MARK: - Checks before expansion

    private func checkDependencies() throws(TaskfileError) {
        for task in tasks {
            for dep in task.deps where taskIndex[dep.value] == nil {
                throw .unknownDependency(
                    dep.location, task: task.name, dependency: dep.value,
                    suggestion: Suggestion.closest(to: dep.value, in: tasks.map(\.name)))
            }
        }
    }

    private func checkOutputTemplates() throws(TaskfileError) {
        for task in tasks {
            for output in task.outputs {
                for segment in output.segments {
                    if case .literal(let text) = segment, Glob.isPattern(text) {
                        throw .outputIsGlob(output.location, task: task.name, text: output.text)
                    }
                }
            }
        }
    }

    private func checkCosts() throws(TaskfileError) {
        // The machine's memory is a default, not a promise the Taskfile made: a step that needs more runs
        // alone (the scheduler charges it the whole budget).
        let isMemoryBudgetDefault =
            taskfile.budget[MemorySyntax.resource] == nil && options.budgetOverrides[MemorySyntax.resource] == nil
        for task in tasks {
            let cost = task.cost ?? ["cpu": 1]
            for name in cost.names {
                if name == MemorySyntax.resource && isMemoryBudgetDefault { continue }
                guard let total = budget.amounts[name], cost[name] > total else { continue }
                throw .costExceedsBudget(
                    task.costLocations[name] ?? task.location(of: .cost), task: task.name, resource: name,
                    cost: cost[name], budget: total)
            }
        }
    }

    // MARK: - Instances and foreach

    /// Plans every task's instances. `foreach` globs match files on disk and the outputs of other
    /// tasks, which depend on those tasks' own items: expansion repeats until no task's items change.
    /// After the first round, a task is re-examined only when outputs changed below one of its
    /// patterns' literal base directories.
    private mutating func planAll() throws(TaskfileError) {
        let foreachTasks = tasks.indices.filter { tasks[$0].foreach != nil }
        for task in tasks.indices where tasks[task].foreach == nil {
            planned[task] = try plan(task: task, items: [])
        }
        var bases: [Int: [String]] = [:]
        for task in foreachTasks {
            var list: [String] = []
            for pattern in tasks[task].foreach ?? [] {
                let text = try expander.expand(
                    pattern, ExpansionContext(instance: tasks[task].name), mode: .inputPattern)
                list.append(
                    Glob.isPattern(text)
                        ? Glob(text, project: project).base
                        : ProjectPath.resolve(Glob.unescaped(text), project: project))
            }
            bases[task] = list
        }
        var rounds = 0
        var previouslyChanged: [Int] = []
        var touched: [String]?  // outputs that changed in the last round; `nil` before the first
        var isIndexCurrent = false
        while !foreachTasks.isEmpty {
            files.setOutputs(planned.lazy.flatMap { $0 }.flatMap(\.outputs))
            var changed: [Int] = []
            var nowTouched: [String] = []
            for task in foreachTasks {
                if let touched, !Self.mayMatch(bases[task] ?? [], touched) { continue }
                let matches = try foreachMatches(task: task)
                if matches != items[task] {
                    nowTouched += planned[task].lazy.flatMap(\.outputs)
                    items[task] = matches
                    planned[task] = try plan(task: task, items: matches)
                    nowTouched += planned[task].lazy.flatMap(\.outputs)
                    changed.append(task)
                }
            }
            if changed.isEmpty {
                isIndexCurrent = true
                break
            }
            rounds += 1
            if rounds > foreachTasks.count + 1 {
                let involved = Set(changed + previouslyChanged).sorted()
                throw .foreachDoesNotSettle(
                    tasks[involved[0]].location(of: .foreach), tasks: involved.map { tasks[$0].name })
            }
            previouslyChanged = changed
            touched = nowTouched
        }
        if !isIndexCurrent { files.setOutputs(planned.lazy.flatMap { $0 }.flatMap(\.outputs)) }
    }

    /// Whether any of `paths` lies below one of `bases` (so a glob starting there may match it).
    private static func mayMatch(_ bases: [String], _ paths: [String]) -> Bool {
        guard !paths.isEmpty else { return false }
        for base in bases {
            if base == "." { return true }
            let prefix = base + "/"
            if paths.contains(where: { $0 == base || $0.hasPrefix(prefix) }) { return true }
        }
        return false
    }

    /// The files a task's `foreach` patterns match, without its own outputs, sorted byte-wise.
    private func foreachMatches(task: Int) throws(TaskfileError) -> [String] {
        let definition = tasks[task]
        let own = Set(planned[task].lazy.flatMap(\.outputs))
        var result: [String] = []
        for pattern in definition.foreach ?? [] {
            let text = try expander.expand(pattern, ExpansionContext(instance: definition.name), mode: .inputPattern)
            let location = pattern.location
            let matches: [String]
            if Glob.isPattern(text) {
                matches = try files.checked(location) { () throws(FileSystemError) in try files.expand(text) }
            } else {
                let path = ProjectPath.resolve(Glob.unescaped(text), project: project)
                matches =
                    try files.checked(location) { () throws(FileSystemError) in try files.isFile(path) } ? [path] : []
            }
            result += own.isEmpty ? matches : matches.filter { !own.contains($0) }
        }
        if (definition.foreach?.count ?? 0) > 1 {
            result.sort(by: ProjectPath.precedes)
            result = result.enumerated().filter { $0.offset == 0 || result[$0.offset - 1] != $0.element }.map(\.element)
        }
        return result
    }

    /// The instances of one task for the given items, with their outputs.
    private func plan(task: Int, items: [String]) throws(TaskfileError) -> [PlannedInstance] {
        let definition = tasks[task]
        var result: [PlannedInstance] = []
        if let count = definition.shards {
            var groups: [[String]]
            if definition.foreach != nil {
                groups = options.shardPlanner.assign(items: items, shardCount: count, task: definition.name)
                precondition(
                    groups.count == count && groups.reduce(0, { $0 + $1.count }) == items.count
                        && Set(groups.joined()) == Set(items),
                    "ShardPlanner must return a partition of the items into \(count) shards")
            } else {
                groups = Array(repeating: [], count: count)
            }
            for (index, group) in groups.enumerated() where definition.foreach == nil || !group.isEmpty {
                let shard = TaskInstance.ShardPosition(index: index, count: count)
                result.append(
                    PlannedInstance(
                        task: task, id: TaskInstance.makeID(task: definition.name, shard: shard), items: group,
                        shard: shard))
            }
        } else if definition.foreach != nil {
            result = items.map {
                PlannedInstance(
                    task: task, id: TaskInstance.makeID(task: definition.name, item: $0), items: [$0], shard: nil)
            }
        } else {
            result = [PlannedInstance(task: task, id: definition.name, items: [], shard: nil)]
        }
        for index in result.indices { try planOutputs(&result[index], definition) }
        return result
    }

    /// Expands, resolves and checks the outputs of one instance.
    private func planOutputs(_ instance: inout PlannedInstance, _ definition: TaskDefinition) throws(TaskfileError) {
        var seen: Set<String> = []
        for template in definition.outputs {
            for context in contexts(for: instance, template: template) {
                let text = try expander.expand(template, context, mode: .path)
                let path = ProjectPath.resolve(text, project: project)
                guard ProjectPath.isInside(path), path != "." else {
                    throw .outsideProject(template.location, instance: instance.id, key: "output", path: text)
                }
                if ProjectPath.isInStateDirectory(path) {
                    throw .outputInStateDirectory(template.location, instance: instance.id, key: "output", path: path)
                }
                if seen.insert(path).inserted {
                    instance.outputs.append(path)
                    instance.outputLocations.append(template.location)
                }
            }
        }
    }

    /// The contexts a path template expands in: one per item when it uses an item placeholder and the
    /// instance has several items (a shard), else one.
    func contexts(for instance: PlannedInstance, template: Template) -> [ExpansionContext] {
        let base = ExpansionContext(
            instance: instance.id, item: instance.items.first, items: instance.items, shard: instance.shard)
        guard instance.items.count > 1, template.contains(where: \.isItemDerived) else { return [base] }
        return instance.items.map { item in
            var context = base
            context.item = item
            return context
        }
    }

    private func checkDuplicateOutputs() throws(TaskfileError) {
        var owner: [String: (id: String, location: SourceLocation)] = [:]
        for instance in planned.lazy.flatMap({ $0 }) {
            for (path, location) in zip(instance.outputs, instance.outputLocations) {
                if let other = owner[path] {
                    throw .duplicateOutput(
                        location, path: path, instance: instance.id, otherInstance: other.id,
                        otherLocation: other.location)
                }
                owner[path] = (instance.id, location)
            }
        }
    }

    /// Output path → flat instance index (tasks in order, instances in order within a task).
    private func producerIndex() -> [String: Int] {
        var result: [String: Int] = [:]
        var flat = 0
        for instances in planned {
            for instance in instances {
                for output in instance.outputs { result[output] = flat }
                flat += 1
            }
        }
        return result
    }
}
