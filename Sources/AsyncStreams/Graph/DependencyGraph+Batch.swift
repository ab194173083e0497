extension DependencyGraph {
    /// Adds a batch of nodes given in any order, atomically.
    ///
    /// The whole batch is validated before anything changes. Entries are then added dependencies
    /// first; among entries whose dependencies are all placed, the one listed earliest goes first, so a
    /// batch that is already in topological order is added exactly in input order. Dependencies may name
    /// nodes already in the graph. ``onReady`` fires for each node that starts ready, in insertion order,
    /// after the whole batch is in.
    ///
    /// ```swift
    /// try graph.addAll([("save", ["parse"]), ("parse", ["fetch"]), ("fetch", [])])
    /// graph.topologicalSort()  // ["fetch", "parse", "save"]
    /// ```
    ///
    /// - Parameter nodes: pairs of a new key and its dependencies.
    /// - Throws: ``GraphError``, leaving the graph unchanged:
    ///   ``GraphError/Code/duplicateKey`` when a key is already in the graph or repeated in the batch;
    ///   ``GraphError/Code/missingDependency`` when a dependency is neither in the graph nor in the batch;
    ///   ``GraphError/Code/cycle`` when the batch contains a cycle. ``GraphError/cycle`` then names it in
    ///   full, starting at its earliest-listed key and following dependencies:
    ///   `{a: [b], b: [c], c: [a]}` gives `["a", "b", "c", "a"]`, message `dependency cycle: a -> b -> c -> a`.
    /// - Complexity: O(*n* + *e*) when the batch is already in topological order,
    ///   O(*n* log *n* + *e*) otherwise, for *n* entries with *e* dependencies in total.
    public func addAll(_ nodes: some Sequence<(key: Key, dependencies: [Key])>) throws(GraphError) {
        let batch = Array(nodes)
        if batch.isEmpty { return }

        var position: [Key: Int32] = [:]
        position.reserveCapacity(batch.count)
        for (offset, entry) in batch.enumerated() {
            if indexByKey[entry.key] != nil { throw .duplicate(entry.key) }
            if position.updateValue(Int32(offset), forKey: entry.key) != nil { throw .duplicate(entry.key) }
        }

        // References: a non-negative value is a node index in the graph; a negative value `~p` is the
        // batch entry at position `p`.
        var references: [[Int32]] = []
        references.reserveCapacity(batch.count)
        var isOrdered = true
        for (offset, entry) in batch.enumerated() {
            var resolved: [Int32] = []
            resolved.reserveCapacity(entry.dependencies.count)
            for dependency in entry.dependencies {
                if let local = position[dependency] {
                    if local >= Int32(offset) { isOrdered = false }
                    resolved.append(~local)
                } else if let node = indexByKey[dependency] {
                    resolved.append(node)
                } else {
                    throw .missing(dependency, of: entry.key)
                }
            }
            references.append(DependencyGraphCore.unique(resolved))
        }

        let order: [Int32]
        if isOrdered {
            order = Array(0..<Int32(batch.count))
        } else {
            let sorted = DependencyGraphCore.batchOrder(count: batch.count, references: references)
            guard sorted.order.count == batch.count else {
                let cycle = DependencyGraphCore.cyclePositions(references: references, waiting: sorted.waiting)
                throw .cycle(cycle.map { batch[$0].key })
            }
            order = sorted.order
        }

        // Apply: nothing below can throw.
        var placed = [Int32](repeating: -1, count: batch.count)
        var newlyReady: [Int32] = []
        for offset in order {
            let dependencies = references[Int(offset)].map { $0 >= 0 ? $0 : placed[Int(~$0)] }
            let node = insert(batch[Int(offset)].key, dependencies: dependencies)
            placed[Int(offset)] = node
            if core.states[Int(node)] == .ready { newlyReady.append(node) }
        }
        fireReady(newlyReady)
    }

    /// Adds a batch written as a literal, such as `["save": ["parse"], "parse": []]`, in any order.
    ///
    /// Same behaviour as the sequence form of `addAll`; the literal's order is the input order.
    /// - Throws: ``GraphError`` as the sequence form of `addAll` does; the graph is unchanged.
    public func addAll(_ nodes: KeyValuePairs<Key, [Key]>) throws(GraphError) {
        try addAll(nodes.lazy.map { (key: $0.key, dependencies: $0.value) })
    }

    /// Adds a batch of unlabelled `(key, dependencies)` pairs, such as `[("b", ["a"]), ("a", [])]`.
    ///
    /// Same behaviour as the sequence form of `addAll`.
    /// - Throws: ``GraphError`` as the sequence form of `addAll` does; the graph is unchanged.
    public func addAll(_ nodes: [(Key, [Key])]) throws(GraphError) {
        try addAll(nodes.lazy.map { (key: $0.0, dependencies: $0.1) })
    }
}
