import DequeModule

/// The pure books of one legacy ``CapacitySource`` tree: per-node counters and FIFO waiter queues.
///
/// No locks and no tasks. Invariant after every operation: `0 ≤ current ≤ max` at every node, and no
/// queued waiter could be granted (its chain is exhausted somewhere), so waiters are served strictly in
/// arrival order among those that can proceed.
struct CapacitySourceStateMachine<Waiter, Listener> {
    struct Node {
        var parent: Int
        var children: [Int] = []
        var max: Int
        var current: Int
        var waiters: Deque<(ticket: UInt64, waiter: Waiter)> = []
        var listener: Listener
    }

    /// A waiter to resume with the capacity left at its node after its acquisition.
    struct Grant {
        var waiter: Waiter
        var remaining: Int
    }

    private(set) var nodes: [Node] = []
    private var nextTicket: UInt64 = 0

    mutating func addNode(max: Int, parent: Int?, listener: Listener) -> Int {
        let index = nodes.count
        nodes.append(Node(parent: parent ?? -1, max: max, current: max, listener: listener))
        if let parent { nodes[parent].children.append(index) }
        return index
    }

    /// A ticket that orders waiters globally.
    mutating func makeTicket() -> UInt64 {
        nextTicket &+= 1
        return nextTicket
    }

    /// Whether `node` and every ancestor have at least one unit.
    func hasCapacity(_ node: Int) -> Bool {
        var level = node
        while level >= 0 {
            if nodes[level].current <= 0 { return false }
            level = nodes[level].parent
        }
        return true
    }

    /// Takes one unit along the chain; returns what is left at `node`.
    private mutating func take(_ node: Int) -> Int {
        var level = node
        while level >= 0 {
            nodes[level].current -= 1
            level = nodes[level].parent
        }
        return nodes[node].current
    }

    /// Takes a unit at once if possible (and nobody is queued ahead at this node).
    mutating func tryAcquire(_ node: Int) -> Int? {
        guard nodes[node].waiters.isEmpty, hasCapacity(node) else { return nil }
        return take(node)
    }

    /// Takes a unit at once, or queues `waiter`. Returns the remaining capacity when granted.
    mutating func acquire(_ node: Int, ticket: UInt64, waiter: Waiter) -> Int? {
        if let remaining = tryAcquire(node) { return remaining }
        nodes[node].waiters.append((ticket, waiter))
        return nil
    }

    /// Removes a queued waiter (cancellation). Returns it if it was still queued.
    mutating func cancel(_ node: Int, ticket: UInt64) -> Waiter? {
        guard let index = nodes[node].waiters.firstIndex(where: { $0.ticket == ticket }) else { return nil }
        return nodes[node].waiters.remove(at: index).waiter
    }

    /// Returns one unit along the chain (clamped at each maximum), then grants queued waiters in the
    /// subtree of the highest level that grew, oldest ticket first, while their chains have capacity.
    /// - Returns: the grants to resume, and the highest level that grew (-1 if none).
    mutating func release(_ node: Int) -> (grants: [Grant], highest: Int) {
        var highest = -1
        var level = node
        while level >= 0 {
            if nodes[level].current < nodes[level].max {
                nodes[level].current += 1
                highest = level
            }
            level = nodes[level].parent
        }
        if highest < 0 { return ([], -1) }
        var candidates: [Int] = []
        collectWaiting(inSubtreeOf: highest, into: &candidates)
        var grants: [Grant] = []
        while true {
            var best = -1
            var bestTicket = UInt64.max
            for candidate in candidates {
                guard let head = nodes[candidate].waiters.first, head.ticket < bestTicket else { continue }
                if hasCapacity(candidate) {
                    best = candidate
                    bestTicket = head.ticket
                }
            }
            if best < 0 { break }
            let waiter = nodes[best].waiters.removeFirst().waiter
            grants.append(Grant(waiter: waiter, remaining: take(best)))
        }
        return (grants, highest)
    }

    private func collectWaiting(inSubtreeOf node: Int, into result: inout [Int]) {
        if !nodes[node].waiters.isEmpty { result.append(node) }
        for child in nodes[node].children { collectWaiting(inSubtreeOf: child, into: &result) }
    }

    /// The listeners of `node` and all its descendants.
    func listeners(inSubtreeOf node: Int, into result: inout [Listener]) {
        if node < 0 { return }
        result.append(nodes[node].listener)
        for child in nodes[node].children { listeners(inSubtreeOf: child, into: &result) }
    }
}
