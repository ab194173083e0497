import AsyncStreams

// MARK: - Final instances

extension GraphConstruction {
    /// Builds the final instances in topological order: working directory, commands, environment.
    ///
    /// Consumes `flat`: each planned instance is released as soon as its final instance is built, so the two
    /// lists never coexist whole.
    func assemble(
        _ flat: inout [PlannedInstance], dependencies: [[Int]], order: [Int]
    ) throws(TaskfileError) -> BuildGraph {
        var newIndex = [Int](repeating: 0, count: flat.count)
        for (position, old) in order.enumerated() { newIndex[old] = position }
        let baseEnvironment = try taskfileEnvironment()
        let settings = tasks.map(TaskSettings.init(definition:))
        var instances: [TaskInstance] = []
        instances.reserveCapacity(flat.count)
        var remapped: [[Int]] = []
        remapped.reserveCapacity(flat.count)
        for old in order {
            let planned = flat[old]
            flat[old] = .consumed
            instances.append(try instance(planned, baseEnvironment: baseEnvironment, settings: settings[planned.task]))
            remapped.append(dependencies[old].map { newIndex[$0] }.sorted())
        }
        flat = []
        return BuildGraph(
            taskfile: taskfile, projectDirectory: project, budget: budget, instances: instances,
            dependencies: remapped, fileObservations: files.observations, listingDigests: files.listingDigests)
    }

    private func taskfileEnvironment() throws(TaskfileError) -> [String: String] {
        var environment: [String: String] = [:]
        for variable in taskfile.env {
            environment[variable.name] = try expander.expand(
                variable.value, ExpansionContext(instance: taskfile.displayPath), mode: .environment)
        }
        return environment
    }

    private func instance(
        _ planned: PlannedInstance, baseEnvironment: [String: String], settings: TaskSettings
    ) throws(TaskfileError) -> TaskInstance {
        let definition = tasks[planned.task]
        var context = ExpansionContext(
            instance: planned.id, item: planned.items.first, items: planned.items, shard: planned.shard,
            inputs: planned.declaredInputs, outputs: planned.outputs)

        if let dir = definition.dir {
            let text = try expander.expand(dir, context, mode: .path)
            let path = ProjectPath.resolve(text, project: project)
            guard ProjectPath.isInside(path) else {
                throw .outsideProject(dir.location, instance: planned.id, key: "dir", path: text)
            }
            context.directory = path
        }
        let usesJUnit =
            definition.run.contains { $0.contains { $0 == .junit } }
            || definition.env.contains { $0.value.contains { $0 == .junit } }
        if usesJUnit { context.junit = Self.junitPath(for: planned.id) }
        var depfile: String?
        if let template = definition.depfile {
            let text = try expander.expand(template, context, mode: .path)
            let path = ProjectPath.resolve(text, project: project)
            guard ProjectPath.isInside(path), path != "." else {
                throw .outsideProject(template.location, instance: planned.id, key: "depfile", path: text)
            }
            if ProjectPath.isInStateDirectory(path) {
                throw .outputInStateDirectory(template.location, instance: planned.id, key: "depfile", path: path)
            }
            let directory = ProjectPath.parent(ofAbsolute: ProjectPath.join(project, path))
            if let escape = outputDirectories.escape(ofDirectory: directory) {
                throw .outsideProjectThroughLink(
                    template.location, instance: planned.id, key: "depfile", path: text, link: escape.link,
                    destination: escape.destination)
            }
            depfile = path
        }

        var environment = baseEnvironment
        for variable in definition.env {
            environment[variable.name] = try expander.expand(variable.value, context, mode: .environment)
        }
        if let shard = planned.shard {
            environment["STASK_SHARD_INDEX"] = String(shard.index)
            environment["STASK_SHARD_COUNT"] = String(shard.count)
            environment["TEST_SHARD_INDEX"] = String(shard.index)
            environment["TEST_TOTAL_SHARDS"] = String(shard.count)
        }

        var groups: [TaskInstance.CommandGroup] = []
        if !definition.run.isEmpty {
            let perItem = planned.shard != nil && definition.run.contains { $0.contains(where: \.isItemDerived) }
            if perItem {
                for item in planned.items {
                    var itemContext = context
                    itemContext.item = item
                    groups.append(.init(item: item, commands: try commands(definition.run, itemContext)))
                }
            } else {
                let item = planned.shard == nil ? planned.items.first : nil
                groups.append(.init(item: item, commands: try commands(definition.run, context)))
            }
        }
        // A `foreach` instance's inputs are often exactly its items: one array then, not two equal ones.
        let inputs =
            planned.inputs.elementsEqual(planned.items) { $0.path == $1 }
            ? planned.items : planned.inputs.map(\.path)
        return TaskInstance(
            id: planned.id, items: planned.items, shard: planned.shard, commandGroups: groups, inputs: inputs,
            outputs: planned.outputs, environment: environment, directory: context.directory,
            junitPath: context.junit, depfile: depfile, settings: settings)
    }

    private func commands(_ run: [Template], _ context: ExpansionContext) throws(TaskfileError) -> [String] {
        var result: [String] = []
        result.reserveCapacity(run.count)
        for template in run { result.append(try expander.expand(template, context, mode: .command)) }
        return result
    }

    /// `.stask/junit/<id with unsafe characters replaced>-<stable hash of the id>.xml`.
    static func junitPath(for id: String) -> String {
        var safe = ""
        for scalar in id.unicodeScalars {
            let isSafe =
                (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || scalar == "-" || scalar == "_" || scalar == "."
            safe.unicodeScalars.append(isSafe ? scalar : "_")
        }
        let hash = HashShardPlanner.stableHash(id) & 0xffff_ffff
        let hex = String(hash, radix: 16)
        return ".stask/junit/\(safe.prefix(80))-\(String(repeating: "0", count: 8 - hex.count))\(hex).xml"
    }
}
