/// A directed acyclic graph of task keys with a per-node state machine.
///
/// The graph runs no code: it tracks which nodes are pending, ready, running, completed or aborted, and
/// fires ``onReady`` and ``onComplete`` synchronously inside the mutating call.
///
/// ```swift
/// let graph = DependencyGraph<String>()
/// graph.onReady = { key in print("ready:", key) }
/// try graph.addAll([("link", ["compile"]), ("compile", [])])  // prints "ready: compile"
/// try graph.start("compile")
/// let unlocked = try graph.complete("compile")                 // ["link"]; prints "ready: link"
/// ```
///
/// ## State machine
///
/// | From | Event | To |
/// |---|---|---|
/// | (new) | added with every dependency completed (or none) | `ready` (fires `onReady`) |
/// | (new) | added with some dependency not completed | `pending` |
/// | (new) | added with some dependency aborted | `aborted` (no callback) |
/// | `pending` | its last unfinished dependency completes | `ready` (fires `onReady`) |
/// | `ready` | ``start(_:)`` | `running` |
/// | `running` | ``complete(_:)`` | `completed` (fires `onComplete`, then `onReady` of dependents) |
/// | `running` | ``fail(_:)`` | `ready` (fires `onReady` again) |
/// | `pending`, `ready`, `running` | ``abort(_:)`` | `aborted`, with every transitive dependent |
///
/// `completed` and `aborted` are terminal: no operation leaves them. `failed` is never observed.
///
/// Edge cases:
/// - A node added with an **aborted** dependency is aborted at once (it could never become ready);
///   no callback fires for it and `addNode` does not throw.
/// - ``start(_:)``, ``complete(_:)`` and ``fail(_:)`` on a node in the wrong state throw
///   ``GraphError/Code/invalidTransition``; every call naming an absent key throws
///   ``GraphError/Code/unknownKey``.
/// - ``abort(_:)`` on a node that is already completed or aborted returns `[]`.
/// - Nodes may be added at any time, including while others run.
///
/// ## Callbacks
///
/// Callbacks run after the graph has been fully updated, so they see a consistent graph and may call
/// back into it (for example to ``start(_:)`` the node that just became ready). `onReady(k)` is skipped
/// if a callback that ran earlier in the same call already moved `k` out of `ready`.
///
/// ## Concurrency
///
/// Not `Sendable`: exactly one isolation domain owns a graph (a source's lock, an actor, or one task),
/// and callbacks run in that domain.
///
/// ## Performance
///
/// Nodes are stored densely and addressed by integer index internally; a key is hashed once per call.
/// Building and draining a graph of a million nodes takes a few seconds at most.
public final class DependencyGraph<Key: Hashable & Sendable> {
    /// Called synchronously when a node becomes ready: on insertion, when its last dependency
    /// completes, and again after ``fail(_:)``.
    public var onReady: ((Key) -> Void)?

    /// Called synchronously when a node completes, before `onReady` of any dependent it unlocked.
    public var onComplete: ((Key) -> Void)?

    /// Key ↔ dense index; everything else lives in the non-generic core.
    @usableFromInline var indexByKey: [Key: Int32] = [:]
    @usableFromInline var keys: [Key] = []
    @usableFromInline var core = DependencyGraphCore()

    /// Creates an empty graph.
    public init() {}

    // MARK: - Adding nodes

    /// Adds a node that depends on `dependencies`.
    ///
    /// The node starts `ready` (and ``onReady`` fires before this returns) when it has no dependencies
    /// or all of them are completed; `aborted` when any dependency is aborted; `pending` otherwise.
    /// Repeated entries in `dependencies` count once.
    ///
    /// - Parameters:
    ///   - key: the new node's key; must not be in the graph.
    ///   - dependencies: keys already in the graph.
    /// - Throws: ``GraphError`` with code ``GraphError/Code/duplicateKey`` when `key` exists,
    ///   ``GraphError/Code/cycle`` when `key` depends on itself (`["x", "x"]`), or
    ///   ``GraphError/Code/missingDependency`` when a dependency is absent. The graph is unchanged.
    /// - Complexity: O(*d*) amortised, where *d* is the number of dependencies.
    public func addNode(_ key: Key, dependencies: [Key] = []) throws(GraphError) {
        if indexByKey[key] != nil { throw .duplicate(key) }
        if dependencies.contains(key) { throw .cycle([key, key]) }
        var resolved: [Int32] = []
        resolved.reserveCapacity(dependencies.count)
        for dependency in dependencies {
            guard let index = indexByKey[dependency] else { throw .missing(dependency, of: key) }
            resolved.append(index)
        }
        let node = insert(key, dependencies: DependencyGraphCore.unique(resolved))
        if core.states[Int(node)] == .ready { fireReady([node]) }
    }

    // MARK: - Transitions

    /// Moves a ready node to `running`.
    ///
    /// - Throws: ``GraphError`` with code ``GraphError/Code/unknownKey`` or, when the node is not
    ///   ready, ``GraphError/Code/invalidTransition``. No state changes.
    /// - Complexity: amortised O(1).
    public func start(_ key: Key) throws(GraphError) {
        let node = try lookUp(key)
        try expect(node, in: .ready, for: "start")
        core.setState(node, .running)
    }

    /// Moves a running node to `completed` and returns the dependents that became ready.
    ///
    /// ``onComplete`` fires first, then ``onReady`` for each newly ready dependent in the returned order.
    ///
    /// - Returns: the dependents whose last unfinished dependency was `key`, in the order they were
    ///   added to the graph.
    /// - Throws: ``GraphError`` with code ``GraphError/Code/unknownKey`` or, when the node is not
    ///   running, ``GraphError/Code/invalidTransition``. No state changes.
    /// - Complexity: O(*e*) amortised, where *e* is the number of direct dependents.
    @discardableResult
    public func complete(_ key: Key) throws(GraphError) -> [Key] {
        try completeNode(key).map { keys[Int($0)] }
    }

    /// Moves a running node back to `ready` for a retry and fires ``onReady`` again.
    ///
    /// The node passes through `failed` instantly: ``state(of:)`` reports `ready` once this returns,
    /// and the node joins the end of the ``ready`` view.
    ///
    /// - Throws: ``GraphError`` with code ``GraphError/Code/unknownKey`` or, when the node is not
    ///   running, ``GraphError/Code/invalidTransition``. No state changes.
    /// - Complexity: amortised O(1).
    public func fail(_ key: Key) throws(GraphError) {
        try failNode(key)
    }

    /// Aborts a node and all its transitive dependents.
    ///
    /// Valid from `pending`, `ready` and `running`. Dependents are visited breadth-first; completed and
    /// already aborted nodes are skipped (a completed node never changes). No callback fires.
    ///
    /// - Returns: every key aborted by this call, root first, in breadth-first order; `[]` when `key`
    ///   was already completed or aborted.
    /// - Throws: ``GraphError`` with code ``GraphError/Code/unknownKey``.
    /// - Complexity: O(*n* + *e*) over the aborted nodes and their edges.
    @discardableResult
    public func abort(_ key: Key) throws(GraphError) -> [Key] {
        core.abort(try lookUp(key)).map { keys[Int($0)] }
    }

    // MARK: - Index-based transitions (for the graph sources)

    /// ``complete(_:)`` returning node indices, so a caller that works on indices materialises no keys.
    ///
    /// `@inlinable` with ``startNode(_:)``: the graph sources' hot path, specialised in the client.
    @inlinable
    @discardableResult
    func completeNode(_ key: Key) throws(GraphError) -> [Int32] {
        let node = try lookUp(key)
        try expect(node, in: .running, for: "complete")
        let unlocked = core.complete(node)
        onComplete?(key)
        fireReady(unlocked)
        return unlocked
    }

    /// ``fail(_:)`` returning the node's index.
    @discardableResult
    func failNode(_ key: Key) throws(GraphError) -> Int32 {
        let node = try lookUp(key)
        try expect(node, in: .running, for: "fail")
        core.setState(node, .ready)
        if onReady != nil { fireReady([node]) }
        return node
    }

    /// Moves a node known to be ready to `running` (no lookup, no check beyond a precondition).
    @inlinable
    func startNode(_ node: Int32) {
        precondition(core.states[Int(node)] == .ready, "a node taken from the queue is not ready")
        core.setState(node, .running)
    }

    // MARK: - Internals

    /// Appends a node whose dependencies are valid, distinct indices; fires nothing.
    @discardableResult
    func insert(_ key: Key, dependencies: [Int32]) -> Int32 {
        let node = core.insert(dependencies: dependencies)
        indexByKey[key] = node
        keys.append(key)
        return node
    }

    /// Calls `onReady` for each node still in the state it entered `ready` with.
    @usableFromInline
    func fireReady(_ nodes: [Int32]) {
        guard let onReady, !nodes.isEmpty else { return }
        let expected = nodes.map { core.stamps[Int($0)] }
        for (node, stamp) in zip(nodes, expected) where core.stamps[Int(node)] == stamp {
            onReady(keys[Int(node)])
        }
    }

    @inlinable
    func lookUp(_ key: Key) throws(GraphError) -> Int32 {
        guard let node = indexByKey[key] else { throw .unknown(key) }
        return node
    }

    @inlinable
    func expect(_ node: Int32, in required: NodeState, for action: String) throws(GraphError) {
        guard core.states[Int(node)] == required else {
            throw invalidTransition(node, required: required, action: action)
        }
    }

    @usableFromInline
    func invalidTransition(_ node: Int32, required: NodeState, action: String) -> GraphError {
        GraphError(
            code: .invalidTransition,
            message: "cannot \(action) node '\(keys[Int(node)])': it is \(core.states[Int(node)]), not \(required)"
        )
    }
}

// MARK: - Error construction

extension GraphError {
    static func duplicate(_ key: some Hashable) -> GraphError {
        GraphError(code: .duplicateKey, message: "duplicate node '\(key)': a node with this key already exists")
    }

    static func missing(_ dependency: some Hashable, of key: some Hashable) -> GraphError {
        GraphError(
            code: .missingDependency,
            message: "node '\(key)' depends on unknown node '\(dependency)'"
        )
    }

    @usableFromInline
    static func unknown(_ key: some Hashable) -> GraphError {
        GraphError(code: .unknownKey, message: "unknown node '\(key)'")
    }

    static func cycle(_ path: [some Hashable]) -> GraphError {
        let names = path.map { String(describing: $0) }
        return GraphError(
            code: .cycle,
            message: "dependency cycle: " + names.joined(separator: " -> "),
            cycle: names
        )
    }
}
