import AsyncStreams

/// An expanded graph in a compact binary form, the payload of ``GraphCacheFile``: what a build that starts
/// from the no-op stamp's record of changed files decodes instead of expanding the Taskfile again.
///
/// Written by hand, as `Taskfile.encoded()` is, for the same reason: at 10,000 instances decoding must
/// cost a few milliseconds. What the Taskfile holds is not written: each instance names its task by its
/// position in the Taskfile, whose settings (cost, retry, timeout and the rest) are made again from it as
/// graph construction makes them, and the budget and the Taskfile come from the caller.
///
/// Layout: the instance count, then each instance (task position, id, items, shard, commands, inputs,
/// outputs, environment sorted by name, directory, `{{junit}}` path, depfile), then each instance's
/// dependencies (a count, then positions). An optional is a byte (0 absent, 1 present) before its value.
extension BuildGraph {
    /// The graph's instances and edges encoded; ``decoded(from:taskfile:projectDirectory:budget:)`` gives
    /// back an equal graph (without ``fileObservations``). `nil` when an instance's task is not in the
    /// Taskfile by its name (never, for a graph built from it).
    func encoded() -> [UInt8]? {
        var taskPositions: [String: Int] = [:]
        for (position, task) in taskfile.tasks.enumerated() where taskPositions[task.name] == nil {
            taskPositions[task.name] = position
        }
        var out = StateBinaryWriter(capacity: 64 + instances.count * 96)
        out.varint(instances.count)
        for instance in instances {
            guard let task = taskPositions[instance.taskName] else { return nil }
            out.varint(task)
            out.inlineString(instance.id)
            Self.list(instance.items, into: &out)
            if let shard = instance.shard {
                out.byte(1)
                out.varint(shard.index)
                out.varint(shard.count)
            } else {
                out.byte(0)
            }
            switch instance.storedCommands {
            case .none:
                out.byte(0)
            case .single(let item, let command):
                out.byte(1)
                Self.optional(item, into: &out)
                out.inlineString(command)
            case .groups(let groups):
                out.byte(2)
                out.varint(groups.count)
                for group in groups {
                    Self.optional(group.item, into: &out)
                    Self.list(group.commands, into: &out)
                }
            }
            Self.list(instance.inputs, into: &out)
            Self.list(instance.outputs, into: &out)
            out.varint(instance.environment.count)
            for (name, value) in instance.environment.sorted(by: { $0.key < $1.key }) {
                out.inlineString(name)
                out.inlineString(value)
            }
            out.inlineString(instance.directory)
            Self.optional(instance.junitPath, into: &out)
            Self.optional(instance.depfile, into: &out)
        }
        for list in dependencyLists {
            out.varint(list.count)
            for dependency in list { out.varint(dependency) }
        }
        return out.bytes
    }

    /// Decodes what ``encoded()`` wrote for a graph of `taskfile`.
    ///
    /// - Throws: `StateDecodingError` when the bytes are not such an encoding, or do not fit `taskfile` (a
    ///   task position, shard or dependency out of range, a dependency that does not come first): never a
    ///   crash, whatever they hold.
    static func decoded(
        from bytes: UnsafeRawBufferPointer, taskfile: Taskfile, projectDirectory: String, budget: ResourceCost
    ) throws(StateDecodingError) -> BuildGraph {
        try StoredGraph(decoding: bytes).bound(to: taskfile, projectDirectory: projectDirectory, budget: budget)
    }

    private static func list(_ strings: [String], into out: inout StateBinaryWriter) {
        out.varint(strings.count)
        for string in strings { out.inlineString(string) }
    }

    private static func optional(_ string: String?, into out: inout StateBinaryWriter) {
        guard let string else { return out.byte(0) }
        out.byte(1)
        out.inlineString(string)
    }
}

/// A stored graph (``BuildGraph/encoded()``) decoded without the Taskfile it was built from: every instance
/// but its task's settings, which ``bound(to:projectDirectory:budget:)`` takes from the Taskfile. The two
/// halves let an edit decode the graph and the Taskfile at once.
struct StoredGraph: Sendable {
    /// The instances, each with ``unbound`` for settings until bound.
    private let instances: [TaskInstance]
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
    func bound(
        to taskfile: Taskfile, projectDirectory: String, budget: ResourceCost
    ) throws(StateDecodingError) -> BuildGraph {
        var settings = [TaskSettings?](repeating: nil, count: taskfile.tasks.count)
        var bound: [TaskInstance] = []
        bound.reserveCapacity(instances.count)
        for (instance, task) in zip(instances, tasks) {
            guard task < taskfile.tasks.count else { throw StateDecodingError(detail: "a task out of range") }
            let taskSettings = settings[task] ?? TaskSettings(definition: taskfile.tasks[task])
            settings[task] = taskSettings
            bound.append(instance.with(settings: taskSettings))
        }
        return BuildGraph(
            taskfile: taskfile, projectDirectory: projectDirectory, budget: budget, instances: bound,
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
