/// The books of every node of one capacity tree: limits, availability and change subscribers.
///
/// A pure struct (no locks, no tasks). ``CapacityTree`` guards one instance with a `Mutex`, so any
/// operation here is atomic across all levels of the tree. Nodes are addressed by dense index; a
/// node's parent always has a smaller index.
///
/// Invariant after every operation: for each node and tracked key, `0 ≤ available ≤ limit`.
struct CapacityTreeState {
    struct Node {
        /// Parent index, or -1 for a root.
        var parent: Int
        var children: [Int] = []
        var limits: [String: Double]
        var available: [String: Double]
        /// `false` for a quota level: a release leaves its availability alone.
        var restoresOnRelease: Bool
        var subscribers: [UInt64: AsyncStream<Void>.Continuation] = [:]
    }

    private(set) var nodes: [Node] = []
    private var nextSubscriberID: UInt64 = 0
    private var subscriberTotal = 0

    // MARK: - Structure

    /// Adds a node; limits must already be validated.
    mutating func addNode(limits: [String: Double], parent: Int?, restoresOnRelease: Bool) -> Int {
        let index = nodes.count
        nodes.append(
            Node(parent: parent ?? -1, limits: limits, available: limits, restoresOnRelease: restoresOnRelease)
        )
        if let parent { nodes[parent].children.append(index) }
        return index
    }

    // MARK: - Acquire

    /// Whether every positive amount of `cost` fits at `node` and every ancestor that tracks its key.
    /// The cost must have no negative amount.
    func fits(_ cost: ResourceCost, at node: Int) -> Bool {
        for (name, amount) in cost.amounts where amount > 0 {
            var level = node
            while level >= 0 {
                if let have = nodes[level].available[name], have < amount { return false }
                level = nodes[level].parent
            }
        }
        return true
    }

    /// Takes `cost` at `node` and every ancestor. Precondition: `fits(cost, at: node)`.
    mutating func take(_ cost: ResourceCost, at node: Int) {
        for (name, amount) in cost.amounts where amount > 0 {
            var level = node
            while level >= 0 {
                if let index = nodes[level].available.index(forKey: name) {
                    nodes[level].available.values[index] -= amount
                }
                level = nodes[level].parent
            }
        }
    }

    /// Takes `cost` if it fits; returns whether it did.
    mutating func tryTake(_ cost: ResourceCost, at node: Int) -> Bool {
        guard fits(cost, at: node) else { return false }
        take(cost, at: node)
        return true
    }

    // MARK: - Returning capacity

    /// Returns `cost` at `node` and every ancestor that restores on release, clamping at each limit.
    /// Non-positive amounts are ignored.
    /// - Returns: the highest level whose availability grew, or -1.
    mutating func release(_ cost: ResourceCost, at node: Int) -> Int {
        var highest = -1
        var highestDepth = -1
        for (name, amount) in cost.amounts where amount > 0 {
            var level = node
            var depth = 0
            while level >= 0 {
                if nodes[level].restoresOnRelease, adjust(name, by: amount, at: level), depth > highestDepth {
                    highest = level
                    highestDepth = depth
                }
                level = nodes[level].parent
                depth += 1
            }
        }
        return highest
    }

    /// Adds `delta` to a tracked key, clamped to `0...limit`. Returns whether availability grew.
    private mutating func adjust(_ name: String, by delta: Double, at level: Int) -> Bool {
        guard let index = nodes[level].available.index(forKey: name) else { return false }
        let limit = nodes[level].limits[name] ?? 0
        let have = nodes[level].available.values[index]
        let new = min(limit, max(0, have + delta))
        nodes[level].available.values[index] = new
        return new > have
    }

    /// Moves `estimated − actual` back into availability at `node` and every ancestor (quota levels
    /// included), clamped to `0...limit`. Amounts must be non-negative.
    /// - Returns: the highest level whose availability grew, or -1.
    mutating func reconcile(estimated: ResourceCost, actual: ResourceCost, at node: Int) -> Int {
        var highest = -1
        var highestDepth = -1
        let names = Set(estimated.amounts.keys).union(actual.amounts.keys)
        for name in names {
            let delta = estimated[name] - actual[name]
            if delta == 0 { continue }
            var level = node
            var depth = 0
            while level >= 0 {
                if adjust(name, by: delta, at: level), depth > highestDepth {
                    highest = level
                    highestDepth = depth
                }
                level = nodes[level].parent
                depth += 1
            }
        }
        return highest
    }

    // MARK: - Local changes

    /// Applies new limits for the given keys only; validated by the caller.
    mutating func setLimits(_ limits: [String: Double], at node: Int) {
        for (name, limit) in limits {
            if let old = nodes[node].limits[name] {
                let have = nodes[node].available[name] ?? old
                let delta = limit - old
                nodes[node].available[name] = delta >= 0 ? min(limit, have + delta) : max(0, have + delta)
            } else {
                nodes[node].available[name] = limit
            }
            nodes[node].limits[name] = limit
        }
    }

    /// Refills every key to its limit.
    mutating func refill(at node: Int) {
        nodes[node].available = nodes[node].limits
    }

    /// Adds `amount` to each tracked key, up to `min(cap ?? limit, limit)`, never lowering a key.
    mutating func increment(_ amount: ResourceCost, cap: ResourceCost?, at node: Int) {
        for (name, add) in amount.amounts where add > 0 {
            guard let index = nodes[node].available.index(forKey: name) else { continue }
            let limit = nodes[node].limits[name] ?? 0
            let ceiling = min(limit, cap?.amounts[name] ?? limit)
            let have = nodes[node].available.values[index]
            nodes[node].available.values[index] = max(have, min(ceiling, have + add))
        }
    }

    // MARK: - Queries

    /// Whether no positive amount exceeds the limit of `node` or any ancestor tracking its key.
    func withinLimits(_ cost: ResourceCost, at node: Int) -> Bool {
        for (name, amount) in cost.amounts where amount > 0 {
            var level = node
            while level >= 0 {
                if let limit = nodes[level].limits[name], limit < amount { return false }
                level = nodes[level].parent
            }
        }
        return true
    }

    /// This level's keys, each at the minimum availability over the chain; `nil` if any is 0.
    func peek(at node: Int) -> ResourceCost? {
        var result = nodes[node].available
        for (name, have) in result {
            var effective = have
            var level = nodes[node].parent
            while level >= 0 {
                if let other = nodes[level].available[name] { effective = min(effective, other) }
                level = nodes[level].parent
            }
            if effective <= 0 { return nil }
            result[name] = effective
        }
        return ResourceCost(result)
    }

    // MARK: - Subscribers

    mutating func subscribe(
        _ continuation: AsyncStream<Void>.Continuation,
        at node: Int
    ) -> UInt64 {
        nextSubscriberID &+= 1
        nodes[node].subscribers[nextSubscriberID] = continuation
        subscriberTotal += 1
        return nextSubscriberID
    }

    mutating func unsubscribe(_ id: UInt64, at node: Int) {
        if nodes[node].subscribers.removeValue(forKey: id) != nil { subscriberTotal -= 1 }
    }

    /// Appends the subscribers of `node` and all its descendants to `targets`.
    func collectSubscribers(inSubtreeOf node: Int, into targets: inout [AsyncStream<Void>.Continuation]) {
        if subscriberTotal == 0 || node < 0 { return }
        targets.append(contentsOf: nodes[node].subscribers.values)
        for child in nodes[node].children {
            collectSubscribers(inSubtreeOf: child, into: &targets)
        }
    }
}
