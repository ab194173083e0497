extension DependencyGraph {
    // MARK: - Views

    /// The ready nodes, in the order they (last) became ready.
    ///
    /// A node that failed and became ready again appears at the position of its latest transition.
    /// - Complexity: O(*r*), where *r* is the number of ready transitions since the view was last
    ///   compacted (at most about twice the number of ready nodes, plus a small constant).
    public var ready: [Key] { core.readyNodes.map { keys[Int($0)] } }

    /// The running nodes, in the order they started.
    /// - Complexity: O(*r*), as for ``ready``.
    public var running: [Key] { core.runningNodes.map { keys[Int($0)] } }

    /// The completed nodes, in completion order.
    /// - Complexity: O(*c*), where *c* is the number of completed nodes.
    public var completed: [Key] { core.completedNodes.map { keys[Int($0)] } }

    // MARK: - Counts

    /// The number of nodes.
    /// - Complexity: O(1).
    public var count: Int { keys.count }

    /// The number of ready nodes.
    /// - Complexity: O(1).
    public var readyCount: Int { core.readyCount }

    /// The number of running nodes.
    /// - Complexity: O(1).
    public var runningCount: Int { core.runningCount }

    /// The number of completed nodes.
    /// - Complexity: O(1).
    public var completedCount: Int { core.completedNodes.count }

    /// The number of aborted nodes.
    /// - Complexity: O(1).
    public var abortedCount: Int { core.abortedCount }

    /// The number of pending nodes (waiting for a dependency).
    /// - Complexity: O(1).
    public var pendingCount: Int { count - readyCount - runningCount - completedCount - abortedCount }

    /// Whether every node is completed or aborted. An empty graph is done.
    /// - Complexity: O(1).
    public var isDone: Bool { core.isDone }

    // MARK: - Per-node queries

    /// Whether `key` is in the graph.
    /// - Complexity: O(1).
    public func contains(_ key: Key) -> Bool { indexByKey[key] != nil }

    /// The state of a node. Never `failed`, which is transient.
    ///
    /// - Throws: ``GraphError`` with code ``GraphError/Code/unknownKey`` for an absent key.
    /// - Complexity: O(1).
    public func state(of key: Key) throws(GraphError) -> NodeState {
        core.states[Int(try lookUp(key))]
    }

    /// The direct dependencies of a node, in the order given when it was added (repeats removed).
    ///
    /// - Throws: ``GraphError`` with code ``GraphError/Code/unknownKey`` for an absent key.
    /// - Complexity: O(*d*), where *d* is the number of dependencies.
    public func dependencies(of key: Key) throws(GraphError) -> [Key] {
        core.dependencyLists[Int(try lookUp(key))].map { keys[Int($0)] }
    }

    /// The direct dependents of a node, in the order they were added.
    ///
    /// - Throws: ``GraphError`` with code ``GraphError/Code/unknownKey`` for an absent key.
    /// - Complexity: O(*e*), where *e* is the number of dependents.
    public func dependents(of key: Key) throws(GraphError) -> [Key] {
        core.dependentLists[Int(try lookUp(key))].map { keys[Int($0)] }
    }

    // MARK: - Whole-graph queries

    /// Every key, dependencies before dependents.
    ///
    /// Insertion order is already topological (a node's dependencies exist before it is added, and
    /// `addAll` inserts dependencies first), so this is the insertion order.
    /// - Complexity: O(*n*).
    public func topologicalSort() -> [Key] { keys }

    /// Whether the graph contains a cycle, by a full depth-first search.
    ///
    /// Always `false` for a graph built through this API; kept as a checkable invariant.
    /// - Complexity: O(*n* + *e*).
    public func hasCycle() -> Bool { core.hasCycle() }
}
