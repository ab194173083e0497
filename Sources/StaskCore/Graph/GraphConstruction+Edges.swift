import AsyncStreams

// MARK: - Inputs, edges, order

extension GraphConstruction {
    /// Resolves the inputs of one planned instance: its items, the matches of `inputs:`, the outputs
    /// of its `deps:`.
    mutating func resolveInputs(task: Int, instance position: Int) throws(TaskfileError) {
        var instance = planned[task][position]
        let definition = tasks[task]
        let ownSet = instance.outputs.count > 8 ? Set(instance.outputs) : []
        let own = instance.outputs
        func isOwn(_ path: String) -> Bool { ownSet.isEmpty ? own.contains(path) : ownSet.contains(path) }
        var seen: Set<String> = []
        var inputs: [(path: String, location: SourceLocation)] = []
        var declared: [String] = []
        var declaredSeen: Set<String> = []
        func add(_ path: String, _ location: SourceLocation) {
            if seen.insert(path).inserted { inputs.append((path, location)) }
        }
        for item in instance.items { add(item, definition.location(of: .foreach)) }
        for template in definition.inputs {
            for context in contexts(for: instance, template: template) {
                let text = try expander.expand(template, context, mode: .inputPattern)
                let location = template.location
                if Glob.isPattern(text) {
                    for match in try files.checked(location, { () throws(FileSystemError) in try files.expand(text) })
                    where !isOwn(match) {
                        if declaredSeen.insert(match).inserted { declared.append(match) }
                        add(match, location)
                    }
                    continue
                }
                let path = ProjectPath.resolve(Glob.unescaped(text), project: project)
                if try !files.checked(location, { () throws(FileSystemError) in try files.isFile(path) }) {
                    if try files.checked(location, { () throws(FileSystemError) in try files.isDirectory(path) }) {
                        throw .inputIsDirectory(location, instance: instance.id, path: path)
                    }
                    throw .missingInput(location, instance: instance.id, path: path)
                }
                if declaredSeen.insert(path).inserted { declared.append(path) }
                add(path, location)
            }
        }
        for dep in definition.deps {
            guard let depTask = taskIndex[dep.value] else { continue }
            for other in planned[depTask] {
                for output in other.outputs { add(output, dep.location) }
            }
        }
        instance.inputs = inputs
        instance.declaredInputs = declared
        planned[task][position] = instance
    }

    /// The first flat index of each task's instances.
    var taskOffsets: [Int] {
        var offsets: [Int] = []
        var total = 0
        for instances in planned {
            offsets.append(total)
            total += instances.count
        }
        return offsets
    }

    /// The dependencies of each flat instance, ascending, without duplicates; with `discovered`, also on the
    /// producers of its recorded discovered inputs (``GraphBuilder/Options/discoveredInputs``).
    func edges(
        _ flat: [PlannedInstance], producers: [String: Int], discovered: Bool
    ) throws(TaskfileError) -> [[Int]] {
        let offsets = taskOffsets
        var result: [[Int]] = []
        result.reserveCapacity(flat.count)
        for (index, instance) in flat.enumerated() {
            var dependencies: [Int] = []
            for (path, location) in instance.inputs {
                guard let producer = producers[path] else { continue }
                if producer == index { throw .dependencyCycle(location, cycle: [instance.id, instance.id]) }
                dependencies.append(producer)
            }
            for dep in tasks[instance.task].deps {
                guard let depTask = taskIndex[dep.value] else { continue }
                for position in planned[depTask].indices {
                    let other = offsets[depTask] + position
                    if other == index { throw .dependencyCycle(dep.location, cycle: [instance.id, instance.id]) }
                    dependencies.append(other)
                }
            }
            if discovered, tasks[instance.task].depfile != nil {
                for path in options.discoveredInputs(instance.id) {
                    if let producer = producers[path], producer != index { dependencies.append(producer) }
                }
            }
            dependencies.sort()
            var unique: [Int] = []
            unique.reserveCapacity(dependencies.count)
            for dependency in dependencies where unique.last != dependency { unique.append(dependency) }
            result.append(unique)
        }
        return result
    }

    /// Flat indices in an order where dependencies come first, otherwise flat order (depth-first, post-order).
    ///
    /// - Throws: `TaskfileError.dependencyCycle` naming the cycle in full.
    func topologicalOrder(_ flat: [PlannedInstance], dependencies: [[Int]]) throws(TaskfileError) -> [Int] {
        var state = [UInt8](repeating: 0, count: flat.count)  // 0 new, 1 on the stack, 2 done
        var order: [Int] = []
        order.reserveCapacity(flat.count)
        var stack: [(node: Int, next: Int)] = []
        for root in flat.indices where state[root] == 0 {
            state[root] = 1
            stack.append((root, 0))
            while let (node, next) = stack.last {
                let list = dependencies[node]
                if next < list.count {
                    stack[stack.count - 1].next += 1
                    let dependency = list[next]
                    switch state[dependency] {
                    case 0:
                        state[dependency] = 1
                        stack.append((dependency, 0))
                    case 1:
                        let start = stack.firstIndex { $0.node == dependency } ?? 0
                        throw cycleError(stack[start...].map(\.node), flat)
                    default:
                        break
                    }
                } else {
                    stack.removeLast()
                    state[node] = 2
                    order.append(node)
                }
            }
        }
        return order
    }

    /// The error for a cycle (each node depends on the next, the last on the first), rotated to start
    /// at its earliest instance.
    private func cycleError(_ nodes: [Int], _ flat: [PlannedInstance]) -> TaskfileError {
        let start = nodes.indices.min { nodes[$0] < nodes[$1] } ?? 0
        let rotated = Array(nodes[start...] + nodes[..<start])
        let first = flat[rotated[0]]
        let second = flat[rotated.count > 1 ? rotated[1] : rotated[0]]
        var location = tasks[first.task].location
        let secondOutputs = Set(second.outputs)
        if let input = first.inputs.first(where: { secondOutputs.contains($0.path) }) {
            location = input.location
        } else if let dep = tasks[first.task].deps.first(where: { $0.value == tasks[second.task].name }) {
            location = dep.location
        }
        return .dependencyCycle(location, cycle: (rotated + [rotated[0]]).map { flat[$0].id })
    }
}
