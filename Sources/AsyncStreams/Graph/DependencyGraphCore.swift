/// The key-free heart of ``DependencyGraph``: node states, edges and views over dense `Int32` indices.
///
/// Not generic on purpose: the graph is used from other modules, where generic code runs unspecialised
/// (every array access goes through metadata and value witnesses). Keeping the state machine here makes
/// each operation a handful of plain array accesses; the generic wrapper only maps keys to indices.
@usableFromInline
struct DependencyGraphCore {
    @usableFromInline private(set) var states: [NodeState] = []
    /// Changes on every state transition; see `TransitionLog`.
    private(set) var stamps: [UInt32] = []
    /// For a pending node: how many of its dependencies are not yet completed.
    private var remaining: [Int32] = []
    private(set) var dependencyLists: [[Int32]] = []
    private(set) var dependentLists: [NodeList] = []

    private(set) var readyLog = TransitionLog()
    private(set) var runningLog = TransitionLog()
    private(set) var completedNodes: [Int32] = []
    private(set) var abortedCount = 0

    var count: Int { states.count }

    // MARK: - Mutations

    /// Appends a node whose dependencies are valid, distinct indices, in the state they imply.
    mutating func insert(dependencies: [Int32]) -> Int32 {
        precondition(states.count < Int(Int32.max), "DependencyGraph is limited to Int32.max nodes")
        let node = Int32(states.count)
        var unfinished: Int32 = 0
        var hasAbortedDependency = false
        for dependency in dependencies {
            dependentLists[Int(dependency)].append(node)
            switch states[Int(dependency)] {
            case .completed: break
            case .aborted: hasAbortedDependency = true
            default: unfinished += 1
            }
        }
        states.append(.pending)
        stamps.append(0)
        remaining.append(unfinished)
        dependencyLists.append(dependencies)
        dependentLists.append(NodeList())
        if hasAbortedDependency {
            setState(node, .aborted)
        } else if unfinished == 0 {
            setState(node, .ready)
        }
        return node
    }

    /// Changes a node's state and keeps the views and counters in step.
    @usableFromInline
    mutating func setState(_ node: Int32, _ new: NodeState) {
        let index = Int(node)
        let old = states[index]
        states[index] = new
        stamps[index] &+= 1
        switch old {
        case .ready: readyLog.noteRemoval(stamps: stamps)
        case .running: runningLog.noteRemoval(stamps: stamps)
        default: break
        }
        switch new {
        case .ready: readyLog.append(node: node, stamp: stamps[index])
        case .running: runningLog.append(node: node, stamp: stamps[index])
        case .completed: completedNodes.append(node)
        case .aborted: abortedCount += 1
        case .pending, .failed: break
        }
    }

    /// `running → completed`; returns the dependents that became ready, in insertion order.
    @usableFromInline
    mutating func complete(_ node: Int32) -> [Int32] {
        setState(node, .completed)
        var unlocked: [Int32] = []
        for dependent in dependentLists[Int(node)] where states[Int(dependent)] == .pending {
            remaining[Int(dependent)] -= 1
            if remaining[Int(dependent)] == 0 {
                setState(dependent, .ready)
                unlocked.append(dependent)
            }
        }
        return unlocked
    }

    /// Aborts a non-terminal node and its transitive dependents breadth-first; returns them root first.
    mutating func abort(_ root: Int32) -> [Int32] {
        if states[Int(root)].isTerminal { return [] }
        var order: [Int32] = [root]
        setState(root, .aborted)
        var head = 0
        while head < order.count {
            let node = order[head]
            head += 1
            for dependent in dependentLists[Int(node)] where !states[Int(dependent)].isTerminal {
                setState(dependent, .aborted)
                order.append(dependent)
            }
        }
        return order
    }

    // MARK: - Queries

    var readyNodes: [Int32] { readyLog.liveNodes(stamps: stamps) }
    var runningNodes: [Int32] { runningLog.liveNodes(stamps: stamps) }
    var readyCount: Int { readyLog.liveCount }
    var runningCount: Int { runningLog.liveCount }
    @usableFromInline
    var isDone: Bool { completedNodes.count + abortedCount == states.count }

    /// Whether the dependency edges contain a cycle, by an iterative depth-first search.
    func hasCycle() -> Bool {
        // 0 = unvisited, 1 = on the current path, 2 = finished.
        var color = [UInt8](repeating: 0, count: states.count)
        var stack: [(node: Int32, next: Int)] = []
        for root in 0..<states.count where color[root] == 0 {
            color[root] = 1
            stack.append((Int32(root), 0))
            while let top = stack.last {
                let list = dependencyLists[Int(top.node)]
                if top.next == list.count {
                    color[Int(top.node)] = 2
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let dependency = Int(list[top.next])
                if color[dependency] == 1 { return true }
                if color[dependency] == 0 {
                    color[dependency] = 1
                    stack.append((Int32(dependency), 0))
                }
            }
        }
        return false
    }

    /// Removes repeated indices, keeping the first occurrence.
    static func unique(_ indices: [Int32]) -> [Int32] {
        if indices.count < 2 { return indices }
        if indices.count <= 16 {
            var result: [Int32] = []
            result.reserveCapacity(indices.count)
            for index in indices where !result.contains(index) { result.append(index) }
            return result
        }
        var seen = Set<Int32>(minimumCapacity: indices.count)
        return indices.filter { seen.insert($0).inserted }
    }
}
