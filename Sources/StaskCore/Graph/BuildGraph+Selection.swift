// MARK: - Target selection

extension BuildGraph {
    /// The ids of the instances to build for `targets`, with everything they depend on, in graph order.
    ///
    /// A target is, tried in this order: an instance id (`app`, `compile[src/a.c]`, `test[shard 2/4]`),
    /// a task name (all its instances), or an output path (relative to the project directory, `./`
    /// allowed, or absolute inside it). No targets means the Taskfile's `default:` targets, or every
    /// instance when there is no `default:`.
    ///
    /// - Throws: `TaskfileError.unknownTarget` with a did-you-mean over task names, instance ids and
    ///   outputs (located at the `default:` entry when the target came from there).
    /// - Complexity: O(*n* + *e*) over the selected instances and their edges.
    package func select(targets: [String]) throws -> [String] {
        try selectIndices(targets: targets).map { instances[$0].id }
    }

    /// The indices of the instances to build for `targets`; see ``select(targets:)``.
    ///
    /// - Throws: `TaskfileError.unknownTarget`.
    package func selectIndices(targets: [String]) throws -> [Int] {
        var roots: [Int] = []
        if targets.isEmpty {
            if taskfile.defaultTargets.isEmpty { return Array(instances.indices) }
            for target in taskfile.defaultTargets {
                roots += try resolve(target.value, location: target.location)
            }
        } else {
            for target in targets { roots += try resolve(target, location: nil) }
        }
        var selected = Array(repeating: false, count: instances.count)
        var stack = roots
        while let index = stack.popLast() {
            if selected[index] { continue }
            selected[index] = true
            stack += dependencies(of: index)
        }
        return selected.indices.filter { selected[$0] }
    }

    /// The instances a single target names (without dependencies).
    func resolve(_ target: String, location: SourceLocation?) throws(TaskfileError) -> [Int] {
        if let index = index(of: target) { return [index] }
        if taskfile.task(named: target) != nil { return instances(ofTask: target) }
        if let open = target.firstIndex(of: "["), target.hasSuffix("]") {
            let task = String(target[..<open])
            let item = String(target[target.index(after: open)..<target.index(before: target.endIndex)])
            let normalized = TaskInstance.makeID(task: task, item: ProjectPath.resolve(item, project: projectDirectory))
            if let index = index(of: normalized) { return [index] }
            if taskfile.task(named: task) != nil {
                let candidates = instances(ofTask: task).lazy.map { instances[$0].id }
                throw .unknownTarget(
                    location, target: target, suggestion: Suggestion.closest(to: target, in: candidates))
            }
        }
        let path = ProjectPath.resolve(target, project: projectDirectory)
        if let index = producer(of: path) { return [index] }
        let candidates = taskfile.tasks.lazy.map(\.name) + instances.lazy.map(\.id) + producers.keys.sorted()
        throw .unknownTarget(location, target: target, suggestion: Suggestion.closest(to: target, in: candidates))
    }
}
