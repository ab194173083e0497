import Foundation

/// What `stask list` shows: every task of the Taskfile with its description, instances and files.
public struct TaskListing: Sendable, Hashable {
    /// One task.
    public struct Entry: Sendable, Hashable {
        /// The task's name.
        public var name: String
        /// Its `desc`, if any.
        public var description: String?
        /// How many instances it expands to (`foreach` items, shards), 0 when a `foreach` matched nothing.
        public var instanceCount: Int
        /// The inputs of all its instances (project-relative, without duplicates, in graph order).
        public var inputs: [String]
        /// The declared outputs of all its instances.
        public var outputs: [String]
    }

    /// The tasks in Taskfile order.
    public var entries: [Entry]

    /// Lists the tasks of `graph`.
    ///
    /// - Complexity: O(*n* + *f*) in instances and files named.
    public init(graph: BuildGraph) {
        entries = graph.taskfile.tasks.map { task in
            let indices = graph.instances(ofTask: task.name)
            var inputs: [String] = []
            var seen = Set<String>()
            var outputs: [String] = []
            for index in indices {
                let instance = graph.instances[index]
                for input in instance.inputs where seen.insert(input).inserted { inputs.append(input) }
                outputs += instance.outputs
            }
            return Entry(
                name: task.name, description: task.desc, instanceCount: indices.count, inputs: inputs,
                outputs: outputs)
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
    public var text: String {
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
    public static let jsonSchemaVersion = 1

    /// What `stask list --json` prints, one object (schema ``jsonSchemaVersion``), tasks in Taskfile
    /// order:
    ///
    /// ```json
    /// {"schema": 1, "tasks": [{"name": "compile", "description": "Compile one C file", "instances": 2,
    ///   "inputs": ["src/a.c", "src/b.c"], "outputs": ["build/a.o", "build/b.o"]}]}
    /// ```
    ///
    /// A task without `desc` has no `description` key.
    public var jsonText: String {
        let tasks: [[String: Any]] = entries.map { entry in
            var object: [String: Any] = [
                "name": entry.name, "instances": entry.instanceCount, "inputs": entry.inputs, "outputs": entry.outputs,
            ]
            if let description = entry.description { object["description"] = description }
            return object
        }
        let object: [String: Any] = ["schema": Self.jsonSchemaVersion, "tasks": tasks]
        // Only strings, numbers and arrays of them: serialisation cannot fail.
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private static func names(_ paths: [String]) -> String {
        let shown = paths.prefix(10).joined(separator: ", ")
        return paths.count > 10 ? "\(shown) … and \(paths.count - 10) more" : shown
    }
}
