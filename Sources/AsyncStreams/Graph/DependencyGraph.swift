// SKELETON: public API agreed between helpers; bodies are filled in by the graph implementation.
import OrderedCollections

/// A directed acyclic graph of task keys with a per-node state machine.
///
/// It runs no code; it tracks which nodes are pending, ready, running, completed or aborted, and fires
/// `onReady` / `onComplete` synchronously inside the mutating call.
///
/// Not `Sendable`: one isolation domain owns a graph (a source's lock, an actor, or one task).
public final class DependencyGraph<Key: Hashable & Sendable> {
    /// Called synchronously when a node becomes ready (on insertion, when its last dependency
    /// completes, and again after `fail`).
    public var onReady: ((Key) -> Void)?
    /// Called synchronously when a node completes, before `onReady` of any dependent.
    public var onComplete: ((Key) -> Void)?

    /// Creates an empty graph.
    public init() {}

    /// Adds a node. Throws `duplicateKey`, `missingDependency` or `cycle`, leaving the graph unchanged.
    public func addNode(_ key: Key, dependencies: [Key] = []) throws(GraphError) { preconditionFailure("skeleton") }

    /// Adds a batch in any order (topologically sorted first; ties keep input order), atomically:
    /// everything is validated first; a cycle inside the batch throws `cycle` naming it in full.
    /// Dependencies may name nodes already in the graph.
    public func addAll(_ nodes: some Sequence<(key: Key, dependencies: [Key])>) throws(GraphError) {
        preconditionFailure("skeleton")
    }

    /// `ready → running`; throws `invalidTransition` otherwise.
    public func start(_ key: Key) throws(GraphError) { preconditionFailure("skeleton") }

    /// `running → completed`. Returns the dependents that became ready, in insertion order.
    @discardableResult
    public func complete(_ key: Key) throws(GraphError) -> [Key] { preconditionFailure("skeleton") }

    /// `running → ready` for a retry; fires `onReady` again.
    public func fail(_ key: Key) throws(GraphError) { preconditionFailure("skeleton") }

    /// Aborts the node and all transitive dependents breadth-first, root first; skips completed and
    /// aborted nodes. Returns the keys aborted by this call (`[]` when the node was already terminal).
    @discardableResult
    public func abort(_ key: Key) throws(GraphError) -> [Key] { preconditionFailure("skeleton") }

    /// Ready nodes in the order they became ready.
    public var ready: [Key] { preconditionFailure("skeleton") }
    /// Running nodes in the order they started.
    public var running: [Key] { preconditionFailure("skeleton") }
    /// Completed nodes in completion order.
    public var completed: [Key] { preconditionFailure("skeleton") }
    /// The number of nodes.
    public var count: Int { preconditionFailure("skeleton") }
    /// Number of ready nodes, O(1).
    public var readyCount: Int { preconditionFailure("skeleton") }
    /// Whether every node is completed or aborted (an empty graph is done).
    public var isDone: Bool { preconditionFailure("skeleton") }
    /// Whether the key is in the graph.
    public func contains(_ key: Key) -> Bool { preconditionFailure("skeleton") }
    /// The state of a node; throws `unknownKey`.
    public func state(of key: Key) throws(GraphError) -> NodeState { preconditionFailure("skeleton") }
    /// Direct dependencies in insertion order; throws `unknownKey`.
    public func dependencies(of key: Key) throws(GraphError) -> [Key] { preconditionFailure("skeleton") }
    /// Direct dependents in insertion order; throws `unknownKey`.
    public func dependents(of key: Key) throws(GraphError) -> [Key] { preconditionFailure("skeleton") }
    /// Every key, dependencies before dependents.
    public func topologicalSort() -> [Key] { preconditionFailure("skeleton") }
    /// Full DFS cycle check; always false for a graph built through this API.
    public func hasCycle() -> Bool { preconditionFailure("skeleton") }
}
