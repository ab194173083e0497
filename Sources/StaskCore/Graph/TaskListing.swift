/// What `stask list` shows: every task of the Taskfile with its description, instances and files.
package struct TaskListing: Sendable, Hashable {
    /// One task.
    package struct Entry: Sendable, Hashable {
        /// The task's name.
        package var name: String
        /// Its `desc`, if any.
        package var description: String?
        /// How many instances it expands to (`foreach` items, shards), 0 when a `foreach` matched nothing.
        package var instanceCount: Int
        /// The inputs of all its instances (project-relative, without duplicates, in graph order).
        package var inputs: [String]
        /// The declared outputs of all its instances.
        package var outputs: [String]
        /// The largest peak resident memory among its instances' last successful runs, in bytes (the
        /// learned `mem` cost); `nil` when none was measured.
        package var peakMemory: UInt64? = nil
    }

    /// The tasks in Taskfile order.
    package var entries: [Entry]

    /// Lists the tasks of `graph`.
    ///
    /// - Complexity: O(*n* + *f*) in instances and files named.
    /// `peakMemory` gives an instance's learned peak memory from the build state (`nil` when unknown).
    package init(graph: BuildGraph, peakMemory: (String) -> UInt64? = { _ in nil }) {
        entries = graph.taskfile.tasks.map { task in
            let indices = graph.instances(ofTask: task.name)
            var inputs: [String] = []
            var seen = Set<String>()
            var outputs: [String] = []
            var peak: UInt64?
            for index in indices {
                let instance = graph.instances[index]
                if let memory = peakMemory(instance.id) { peak = max(peak ?? 0, memory) }
                for input in instance.inputs where seen.insert(input).inserted { inputs.append(input) }
                outputs += instance.outputs
            }
            return Entry(
                name: task.name, description: task.desc, instanceCount: indices.count, inputs: inputs,
                outputs: outputs, peakMemory: peak)
        }
    }

    /// The text `stask list` prints:
    ///
    /// ```
    /// compile  Compile one C file (2 instances)
    ///     outputs: build/a.o, build/b.o
    /// ```
    ///
    /// At most ten files are named per line, then `… and N more`.
    package var text: String {
        let width = entries.map(\.name.count).max() ?? 0
        var text = ""
        for entry in entries {
            let padding = String(repeating: " ", count: width - entry.name.count)
            let count = entry.instanceCount == 1 ? "1 instance" : "\(entry.instanceCount) instances"
            let description = entry.description.map { "\($0) " } ?? ""
            text += "\(entry.name)\(padding)  \(description)(\(count))\n"
            if !entry.outputs.isEmpty { text += "    outputs: \(Self.names(entry.outputs))\n" }
        }
        return text
    }

    /// The version of the JSON form written by ``jsonText``.
    package static let jsonSchemaVersion = 1

    /// What `stask list --json` prints, one object (schema ``jsonSchemaVersion``), tasks in Taskfile
    /// order:
    ///
    /// ```json
    /// {"schema": 1, "tasks": [{"name": "compile", "description": "Compile one C file", "instances": 2,
    ///   "inputs": ["src/a.c", "src/b.c"], "outputs": ["build/a.o", "build/b.o"]}]}
    /// ```
    ///
    /// A task without `desc` has no `description` key; `peak_memory_bytes`, the largest peak resident
    /// memory of its instances' last successful runs (its learned `mem` cost), is there only once measured.
    package var jsonText: String {
        let tasks: [JSONValue] = entries.map { entry in
            var object: [String: JSONValue] = [
                "name": .string(entry.name), "instances": .int(entry.instanceCount),
                "inputs": .strings(entry.inputs), "outputs": .strings(entry.outputs),
            ]
            if let description = entry.description { object["description"] = .string(description) }
            if let peak = entry.peakMemory { object["peak_memory_bytes"] = .int(Int(clamping: peak)) }
            return .object(object)
        }
        let object: JSONValue = ["schema": .int(Self.jsonSchemaVersion), "tasks": .array(tasks)]
        return object.text + "\n"
    }

    private static func names(_ paths: [String]) -> String {
        let shown = paths.prefix(10).joined(separator: ", ")
        return paths.count > 10 ? "\(shown) … and \(paths.count - 10) more" : shown
    }
}
