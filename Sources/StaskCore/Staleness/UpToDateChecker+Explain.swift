// MARK: - Why an instance would run

extension UpToDateChecker {
    /// Why `instance` would run, or `nil` when it is up to date: the one answer behind `stask explain`
    /// and `--dry-run` (see ``RebuildReason`` for the order of the checks).
    ///
    /// `nil` exactly when ``isUpToDate(_:actionKey:)`` holds and no dependency runs, which is the
    /// pre-pass's rule, so explanations never disagree with builds.
    ///
    /// - Parameters:
    ///   - current: What goes into the action key now (``keyInputs(for:)``).
    ///   - runningDependency: The id of a dependency that will run, if any.
    func reason(
        _ instance: TaskInstance, current: ActionKeyInputs, runningDependency: String?
    ) -> RebuildReason? {
        if instance.always { return .always }
        guard let record = record(instance.id) else {
            return recordIncludingInvalidated(instance.id) == nil ? .neverBuilt : .lastRunFailed
        }
        if record.actionKey != current.actionKey {
            return Self.difference(recorded: record.keyInputs, current: current) ?? .actionKeyChanged
        }
        for input in record.discoveredInputs {
            guard let now = discoveredDigest(of: input.path) else {
                return .discoveredInputDisappeared(path: input.path)
            }
            if now != input.digest { return .discoveredInputChanged(path: input.path, old: input.digest, new: now) }
        }
        for output in instance.outputs {
            guard let now = currentDigest(of: output) else { return .outputMissing(path: output) }
            guard let recorded = record.outputDigests[output] else { return .actionKeyChanged }
            if now != recorded { return .outputModified(path: output, old: recorded, new: now) }
        }
        if let runningDependency { return .dependencyWillRebuild(id: runningDependency) }
        return nil
    }

    /// The first difference between two sets of key inputs, in the order vars, commands, environment,
    /// directory, inputs (by path), declared outputs; `nil` when none of those differ.
    ///
    /// A var is named only when both sides know it with different values: a var that appears or disappears
    /// comes with a command (or path) that changed, which is reported instead.
    static func difference(recorded: ActionKeyInputs, current: ActionKeyInputs) -> RebuildReason? {
        for name in current.variables.keys.sorted() {
            if let old = recorded.variables[name], let new = current.variables[name], old != new {
                return .variableChanged(name: name, old: old, new: new)
            }
        }
        for index in 0..<max(recorded.commands.count, current.commands.count) {
            let old = index < recorded.commands.count ? recorded.commands[index] : nil
            let new = index < current.commands.count ? current.commands[index] : nil
            if old != new { return .commandChanged(index: index, old: old, new: new) }
        }
        for name in Set(recorded.environment.keys).union(current.environment.keys).sorted()
        where recorded.environment[name] != current.environment[name] {
            return .environmentChanged(name: name, old: recorded.environment[name], new: current.environment[name])
        }
        if recorded.directory != current.directory {
            return .directoryChanged(old: recorded.directory, new: current.directory)
        }
        for path in Set(recorded.inputDigests.keys).union(current.inputDigests.keys).sorted() {
            switch (recorded.inputDigests[path], current.inputDigests[path]) {
            case (nil, _?): return .inputAppeared(path: path)
            case (_?, nil): return .inputDisappeared(path: path)
            case (let old?, let new?) where old != new: return .inputChanged(path: path, old: old, new: new)
            default: continue
            }
        }
        if recorded.outputPaths.sorted() != current.outputPaths.sorted() {
            return .declaredOutputsChanged(old: recorded.outputPaths, new: current.outputPaths)
        }
        return nil
    }
}

// MARK: - Vars the templates use

extension Taskfile {
    /// Task name → the value of every var its templates use (`run`, `inputs`, `outputs`, `foreach`, `dir`,
    /// `depfile`, the task's `env` and the Taskfile's `env`), recorded with each run for `stask explain`.
    ///
    /// - Complexity: O(*t*) in the total size of the templates.
    package var referencedVariables: [String: [String: String]] {
        let values = variableValues
        let sharedNames = sharedVariableNames
        var result: [String: [String: String]] = [:]
        for task in tasks {
            let used = Self.referencedVariables(of: task, sharedNames: sharedNames, values: values)
            if !used.isEmpty { result[task.name] = used }
        }
        return result
    }

    /// The vars the Taskfile's `env` uses, which every task's commands see.
    var sharedVariableNames: Set<String> {
        var names = Set<String>()
        for variable in env { names.formUnion(Self.variableNames(in: variable.value)) }
        return names
    }

    /// The value of every var `task`'s templates use (one entry of ``referencedVariables``).
    static func referencedVariables(
        of task: TaskDefinition, sharedNames: Set<String>, values: [String: String]
    ) -> [String: String] {
        var names = sharedNames
        var templates = task.run + task.inputs + task.outputs + (task.foreach ?? []) + task.env.map(\.value)
        if let dir = task.dir { templates.append(dir) }
        if let depfile = task.depfile { templates.append(depfile) }
        for template in templates { names.formUnion(variableNames(in: template)) }
        var used: [String: String] = [:]
        for name in names { if let value = values[name] { used[name] = value } }
        return used
    }

    private static func variableNames(in template: Template) -> [String] {
        template.placeholders.compactMap { entry in
            if case .variable(let name) = entry.placeholder { name } else { nil }
        }
    }
}
