import AsyncStreams

/// A stored graph (``BuildGraph/encoded()``) decoded without the Taskfile it was built from: every instance
/// but its task's settings, which ``bound(to:projectDirectory:budget:)`` takes from the Taskfile. The two
/// halves let an edit decode the graph and the Taskfile at once.
struct StoredGraph: Sendable {
    /// The instances, each with ``unbound`` for settings until bound.
    private var instances: [TaskInstance]
    /// Each instance's task, by its position in the Taskfile.
    private let tasks: [Int]
    private let dependencies: [[Int]]

    /// The settings of an instance not yet bound to its task; never seen outside this type.
    private static let unbound = TaskSettings(
        taskName: "", cost: TaskSettings.defaultCost, priority: 0, retry: .none, timeout: nil, always: false,
        location: SourceLocation(file: "", line: 0, column: 0))

    /// Decodes the payload of a ``GraphCacheFile``.
    ///
    /// - Throws: `StateDecodingError` when the bytes are not such an encoding (a shard or dependency out of
    ///   range, a dependency that does not come first): never a crash, whatever they hold.
    init(decoding bytes: UnsafeRawBufferPointer) throws(StateDecodingError) {
        var reader = StateBinaryReader(bytes)
        // Every instance takes at least a dozen bytes: a count beyond that is damage, not a reason to allocate.
        let count = try reader.count(limit: reader.remaining / 12)
        var instances: [TaskInstance] = []
        var tasks: [Int] = []
        instances.reserveCapacity(count)
        tasks.reserveCapacity(count)
        for _ in 0..<count {
            tasks.append(try reader.count(limit: Int(Int32.max)))
            let id = try reader.inlineString()
            let items = try Self.list(&reader)
            var shard: TaskInstance.ShardPosition?
            if try Self.flag(&reader) {
                let index = try reader.count(limit: Int(Int32.max))
                let shardCount = try reader.count(limit: Int(Int32.max))
                guard index < shardCount else { throw StateDecodingError(detail: "a shard out of range") }
                shard = TaskInstance.ShardPosition(index: index, count: shardCount)
            }
            var groups: [TaskInstance.CommandGroup] = []
            switch try reader.byte() {
            case 0:
                break
            case 1:
                let item = try Self.optional(&reader)
                groups = [TaskInstance.CommandGroup(item: item, commands: [try reader.inlineString()])]
            case 2:
                let groupCount = try reader.count(limit: reader.remaining)
                for _ in 0..<groupCount {
                    let item = try Self.optional(&reader)
                    groups.append(TaskInstance.CommandGroup(item: item, commands: try Self.list(&reader)))
                }
            default:
                throw StateDecodingError(detail: "an unknown kind of commands")
            }
            let inputs = try Self.list(&reader)
            let outputs = try Self.list(&reader)
            let variableCount = try reader.count(limit: reader.remaining / 2)
            var environment: [String: String] = [:]
            environment.reserveCapacity(variableCount)
            for _ in 0..<variableCount { environment[try reader.inlineString()] = try reader.inlineString() }
            let directory = try reader.inlineString()
            let junitPath = try Self.optional(&reader)
            let depfile = try Self.optional(&reader)
            instances.append(
                TaskInstance(
                    id: id, items: items, shard: shard, commandGroups: groups, inputs: inputs, outputs: outputs,
                    environment: environment, directory: directory, junitPath: junitPath, depfile: depfile,
                    settings: Self.unbound))
        }
        var dependencies: [[Int]] = []
        dependencies.reserveCapacity(count)
        for index in 0..<count {
            let listCount = try reader.count(limit: index)
            var list: [Int] = []
            list.reserveCapacity(listCount)
            for _ in 0..<listCount {
                let dependency = try reader.count(limit: index)
                guard dependency < index else { throw StateDecodingError(detail: "a dependency after its dependent") }
                list.append(dependency)
            }
            dependencies.append(list)
        }
        guard reader.isAtEnd else { throw StateDecodingError(detail: "trailing bytes after the graph") }
        self.instances = instances
        self.tasks = tasks
        self.dependencies = dependencies
    }

    /// The graph, its instances given the settings of their tasks in `taskfile`, as graph construction gives
    /// them.
    ///
    /// - Throws: `StateDecodingError` when an instance's task is not in `taskfile`.
    consuming func bound(
        to taskfile: Taskfile, projectDirectory: String, budget: ResourceCost
    ) throws(StateDecodingError) -> BuildGraph {
        var settings = [TaskSettings?](repeating: nil, count: taskfile.tasks.count)
        for (index, task) in tasks.enumerated() {
            guard task < taskfile.tasks.count else { throw StateDecodingError(detail: "a task out of range") }
            let taskSettings = settings[task] ?? TaskSettings(definition: taskfile.tasks[task])
            settings[task] = taskSettings
            instances[index].bind(to: taskSettings)
        }
        return BuildGraph(
            taskfile: taskfile, projectDirectory: projectDirectory, budget: budget, instances: instances,
            dependencies: dependencies)
    }

    private static func list(_ reader: inout StateBinaryReader) throws(StateDecodingError) -> [String] {
        let count = try reader.count(limit: reader.remaining)
        var strings: [String] = []
        strings.reserveCapacity(count)
        for _ in 0..<count { strings.append(try reader.inlineString()) }
        return strings
    }

    private static func optional(_ reader: inout StateBinaryReader) throws(StateDecodingError) -> String? {
        try flag(&reader) ? try reader.inlineString() : nil
    }

    private static func flag(_ reader: inout StateBinaryReader) throws(StateDecodingError) -> Bool {
        switch try reader.byte() {
        case 0: false
        case 1: true
        default: throw StateDecodingError(detail: "an optional's flag is neither 0 nor 1")
        }
    }
}
