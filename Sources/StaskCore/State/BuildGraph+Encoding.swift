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
