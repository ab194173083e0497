/// The instances one build considers: the selected part of the graph, in dependency order, with dense
/// local indices and the edges between them.
///
/// Local index `i` is `graph.instances[indices[i]]`; every dependency of a local index has a smaller one.
struct BuildPlan: Sendable {
    let graph: BuildGraph
    /// Graph indices of the selected instances, in graph (topological) order.
    let indices: [Int]
    /// Dependencies of each local index, as local indices.
    let dependencies: [[Int]]
    /// Dependents of each local index, as local indices.
    let dependents: [[Int]]

    /// Selects `targets` (see `BuildGraph.selectIndices(targets:)`), then keeps only shard `shard` of every
    /// sharded task, dropping what depends on a dropped shard.
    ///
    /// - Throws: `TaskfileError.unknownTarget`.
    init(graph: BuildGraph, targets: [String], shard: ShardSelection?) throws {
        self.graph = graph
        var selected = try graph.selectIndices(targets: targets)
        if let shard {
            var dropped = Set<Int>()
            selected = selected.filter { index in
                let instance = graph.instances[index]
                if let position = instance.shard, position.index % shard.count != shard.index {
                    dropped.insert(index)
                    return false
                }
                if graph.dependencies(of: index).contains(where: dropped.contains) {
                    dropped.insert(index)
                    return false
                }
                return true
            }
        }
        self.indices = selected
        if selected.count == graph.instances.count && selected.elementsEqual(graph.instances.indices) {
            // The whole graph in its order: local indices are graph indices, and the graph's edge lists are
            // the plan's (shared, not rebuilt: at 100,000 targets the lists are some 6 MB).
            dependencies = graph.dependencyLists
            dependents = graph.dependentLists
            return
        }
        var localByGraph: [Int: Int] = [:]
        localByGraph.reserveCapacity(selected.count)
        for (local, index) in selected.enumerated() { localByGraph[index] = local }
        var dependencies: [[Int]] = []
        var dependents = [[Int]](repeating: [], count: selected.count)
        dependencies.reserveCapacity(selected.count)
        for (local, index) in selected.enumerated() {
            let list = graph.dependencies(of: index).compactMap { localByGraph[$0] }
            dependencies.append(list)
            for dependency in list { dependents[dependency].append(local) }
        }
        self.dependencies = dependencies
        self.dependents = dependents
    }

    /// The number of selected instances.
    var count: Int { indices.count }

    /// The instance at a local index.
    func instance(_ local: Int) -> TaskInstance { graph.instances[indices[local]] }
}
