import AsyncStreams

// MARK: - stask graph

extension BuildGraph {
    /// The version of the JSON form written by ``jsonText(targets:)``.
    package static let jsonSchemaVersion = 1

    /// Every instance (or, with `targets`, those and everything they depend on), and the files they read
    /// and write, as Graphviz dot: `dot -Tsvg` draws it.
    ///
    /// Data flows left to right: a file node (`shape=note`; source files white, outputs grey) points to
    /// every task instance reading it, an instance (`shape=box`, rounded) points to each file it writes.
    /// An instance that depends on another without reading one of its files (`deps:` alone) gets a
    /// dashed edge from the dependency. A discovered input (listed by the instance's last depfile, as
    /// `discoveredInputs` returns them by instance id) points to the instance with a dotted edge. Node ids
    /// are `t:<instance id>` and `f:<path>`, quoted.
    ///
    /// - Throws: `TaskfileError.unknownTarget`.
    /// - Complexity: O(*n* + *e* + *f*) over the selected instances, edges and files.
    package func dotText(
        targets: [String] = [], discoveredInputs: (String) -> [String] = { _ in [] }
    ) throws -> String {
        let selected = try exportedIndices(targets)
        let discovered = discoveredLists(selected, discoveredInputs)
        var lines = [
            "digraph stask {", "  rankdir=LR;", "  node [fontname=\"Helvetica\", fontsize=10];",
        ]
        var files: [String] = []
        var seenFiles = Set<String>()
        for index in selected {
            let instance = instances[index]
            for path in instance.inputs + instance.outputs + (discovered[index] ?? [])
            where seenFiles.insert(path).inserted {
                files.append(path)
            }
        }
        for path in files {
            let fill = producer(of: path) == nil ? "white" : "#e8e8e8"
            lines.append(
                "  \(Self.quoted("f:" + path)) [label=\(Self.quoted(path)), shape=note, style=filled, fillcolor=\"\(fill)\"];"
            )
        }
        for index in selected {
            let instance = instances[index]
            let style = instance.always ? "rounded,filled,bold" : "rounded,filled"
            lines.append(
                "  \(Self.quoted("t:" + instance.id)) [label=\(Self.quoted(instance.id)), shape=box, style=\"\(style)\", fillcolor=\"#dde7f5\"];"
            )
        }
        for index in selected {
            let instance = instances[index]
            let node = Self.quoted("t:" + instance.id)
            for path in instance.inputs { lines.append("  \(Self.quoted("f:" + path)) -> \(node);") }
            for path in discovered[index] ?? [] {
                lines.append("  \(Self.quoted("f:" + path)) -> \(node) [style=dotted];")
            }
            for path in instance.outputs { lines.append("  \(node) -> \(Self.quoted("f:" + path));") }
            let inputs = Set(instance.inputs)
            for dependency in dependencies(of: index)
            where !instances[dependency].outputs.contains(where: inputs.contains) {
                lines.append("  \(Self.quoted("t:" + instances[dependency].id)) -> \(node) [style=dashed];")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same graph as JSON, one object (schema ``jsonSchemaVersion``):
    ///
    /// ```json
    /// {"schema": 1,
    ///  "tasks": [{"id": "link", "task": "link", "inputs": ["build/a.o"], "outputs": ["build/app"],
    ///             "dependencies": ["compile[src/a.c]"], "always": false, "cost": {"cpu": 1}}],
    ///  "files": [{"path": "build/a.o", "producer": "compile[src/a.c]"}, {"path": "src/a.c"}]}
    /// ```
    ///
    /// `tasks` are in graph order (dependencies first); `files` are sorted by path, and a source file has
    /// no `producer`. A task with a `depfile:` also has `"depfile"` and `"discovered_inputs"` (what its last
    /// recorded run's depfile listed, from `discoveredInputs` by instance id), and a file known only that
    /// way is marked `"discovered": true`. Fields may be added within a schema version, never renamed or
    /// removed.
    ///
    /// - Throws: `TaskfileError.unknownTarget`.
    package func jsonText(
        targets: [String] = [], discoveredInputs: (String) -> [String] = { _ in [] }
    ) throws -> String {
        let selected = try exportedIndices(targets)
        let discovered = discoveredLists(selected, discoveredInputs)
        var discoveredOnly = Set<String>()
        var tasks: [JSONValue] = []
        var paths = Set<String>()
        for index in selected {
            let instance = instances[index]
            paths.formUnion(instance.inputs)
            paths.formUnion(instance.outputs)
            var task: [String: JSONValue] = [
                "id": .string(instance.id), "task": .string(instance.taskName), "inputs": .strings(instance.inputs),
                "outputs": .strings(instance.outputs),
                "dependencies": .strings(dependencies(of: index).map { instances[$0].id }),
                "always": .bool(instance.always), "cost": .object(instance.cost.amounts.mapValues(JSONValue.double)),
            ]
            if let depfile = instance.depfile {
                let list = discovered[index] ?? []
                task["depfile"] = .string(depfile)
                task["discovered_inputs"] = .strings(list)
                discoveredOnly.formUnion(list)
            }
            tasks.append(.object(task))
        }
        discoveredOnly.subtract(paths)
        paths.formUnion(discoveredOnly)
        let files: [JSONValue] = paths.sorted().map { path in
            var file: [String: JSONValue] = ["path": .string(path)]
            if let producer = producer(of: path) { file["producer"] = .string(instances[producer].id) }
            if discoveredOnly.contains(path) { file["discovered"] = .bool(true) }
            return .object(file)
        }
        let object: JSONValue = [
            "schema": .int(Self.jsonSchemaVersion), "tasks": .array(tasks), "files": .array(files),
        ]
        return object.text + "\n"
    }

    /// The discovered inputs of the selected instances that have a depfile, by graph index.
    private func discoveredLists(_ selected: [Int], _ discoveredInputs: (String) -> [String]) -> [Int: [String]] {
        var result: [Int: [String]] = [:]
        for index in selected where instances[index].depfile != nil {
            result[index] = discoveredInputs(instances[index].id)
        }
        return result
    }

    /// Every instance without targets, else the targets and what they depend on.
    private func exportedIndices(_ targets: [String]) throws -> [Int] {
        targets.isEmpty ? Array(instances.indices) : try selectIndices(targets: targets)
    }

    /// A dot string literal.
    private static func quoted(_ text: String) -> String {
        var result = "\""
        // By scalar, not by character: a quote followed by a combining mark is one character, yet still a quote.
        for scalar in text.unicodeScalars {
            if scalar == "\\" || scalar == "\"" { result.unicodeScalars.append("\\") }
            result.unicodeScalars.append(scalar)
        }
        return result + "\""
    }
}
