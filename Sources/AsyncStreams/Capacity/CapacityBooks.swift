/// The resource books of one capacity tree: for every node, the limit and the amount still available of
/// each resource it tracks, and the parent chain an acquisition or a release walks.
///
/// A pure struct (no locks, no tasks, no waiters): ``CapacityTreeState`` pairs it with the subscriber
/// registry, and ``CapacityTree`` guards both with one `Mutex`. Nodes are addressed by dense index; a
/// node's parent always has a smaller index.
///
/// Resource names are interned once per tree, and limits and availability live in two flat arrays
/// indexed by `node * stride + resource`, so a check or update hashes each key of a cost once, whatever
/// the depth of the chain, and touches no reference-counted storage per level (this is the runners'
/// hot path). An untracked resource has a NaN limit; limits themselves are always finite. Adding a new
/// resource name re-lays out the arrays, which is rare.
///
/// Invariant after every operation: for each node and tracked resource, `0 ≤ available ≤ limit`.
struct CapacityBooks {
    /// Parent index by node, -1 for a root.
    private(set) var parents: [Int] = []
    /// `false` for a quota level: a release leaves its availability alone.
    private var restoresOnRelease: [Bool] = []
    /// Flat books: `limit[node * stride + resource]`; NaN when untracked.
    private var limit: [Double] = []
    private var available: [Double] = []
    private var stride = 0

    private var resourceNumbers: [String: Int] = [:]
    private var resourceNames: [String] = []

    var nodeCount: Int { parents.count }

    // MARK: - Structure

    /// Adds a node and returns its index; limits must already be validated, and `parent` must exist.
    mutating func addNode(limits: [String: Double], parent: Int?, restoresOnRelease restores: Bool) -> Int {
        let index = parents.count
        parents.append(parent ?? -1)
        restoresOnRelease.append(restores)
        limit.append(contentsOf: repeatElement(.nan, count: stride))
        available.append(contentsOf: repeatElement(.nan, count: stride))
        setLimits(limits, at: index)
        return index
    }

    /// The number of a resource name, adding a column to the books for a new one.
    private mutating func number(of name: String) -> Int {
        if let number = resourceNumbers[name] { return number }
        let number = resourceNames.count
        resourceNumbers[name] = number
        resourceNames.append(name)
        let newStride = stride + 1
        var newLimit = [Double](repeating: .nan, count: parents.count * newStride)
        var newAvailable = newLimit
        for node in 0..<parents.count {
            for resource in 0..<stride {
                newLimit[node * newStride + resource] = limit[node * stride + resource]
                newAvailable[node * newStride + resource] = available[node * stride + resource]
            }
        }
        limit = newLimit
        available = newAvailable
        stride = newStride
        return number
    }

    private func isTracked(_ slot: Int) -> Bool { !limit[slot].isNaN }

    /// The tracked resources of a node as a name → value map.
    private func dictionary(_ values: [Double], of node: Int) -> [String: Double] {
        var result: [String: Double] = [:]
        for resource in 0..<stride where isTracked(node * stride + resource) {
            result[resourceNames[resource]] = values[node * stride + resource]
        }
        return result
    }

    func limits(at node: Int) -> [String: Double] { dictionary(limit, of: node) }
    func available(at node: Int) -> [String: Double] { dictionary(available, of: node) }

    /// `(name, limit, available)` for every resource tracked at `node`.
    func books(at node: Int) -> [(name: String, limit: Double, available: Double)] {
        (0..<stride).filter { isTracked(node * stride + $0) }.map {
            (resourceNames[$0], limit[node * stride + $0], available[node * stride + $0])
        }
    }

    // MARK: - Acquire

    /// Whether `amount` of `resource` fits at `node` and every ancestor tracking it.
    private func fits(_ amount: Double, of resource: Int, at node: Int) -> Bool {
        var level = node
        while level >= 0 {
            let slot = level * stride + resource
            if isTracked(slot) && available[slot] < amount { return false }
            level = parents[level]
        }
        return true
    }

    private mutating func take(_ amount: Double, of resource: Int, at node: Int) {
        var level = node
        while level >= 0 {
            let slot = level * stride + resource
            if isTracked(slot) { available[slot] -= amount }
            level = parents[level]
        }
    }

    /// Whether every positive amount of `cost` fits at `node` and every ancestor that tracks its key.
    /// The cost must have no negative amount.
    func fits(_ cost: ResourceCost, at node: Int) -> Bool {
        for (name, amount) in cost.amounts where amount > 0 {
            guard let resource = resourceNumbers[name] else { continue }
            if !fits(amount, of: resource, at: node) { return false }
        }
        return true
    }

    /// Takes `cost` if it fits at `node` and every ancestor; returns whether it did. All or nothing.
    mutating func tryTake(_ cost: ResourceCost, at node: Int) -> Bool {
        let amounts = cost.amounts
        if amounts.count == 1, let (name, amount) = amounts.first {
            guard amount > 0, let resource = resourceNumbers[name] else { return true }
            guard fits(amount, of: resource, at: node) else { return false }
            take(amount, of: resource, at: node)
            return true
        }
        return withUnsafeTemporaryAllocation(of: (resource: Int, amount: Double).self, capacity: amounts.count) {
            buffer in
            var count = 0
            for (name, amount) in amounts where amount > 0 {
                guard let resource = resourceNumbers[name] else { continue }
                if !fits(amount, of: resource, at: node) { return false }
                buffer[count] = (resource, amount)
                count += 1
            }
            for entry in buffer[..<count] { take(entry.amount, of: entry.resource, at: node) }
            return true
        }
    }

    // MARK: - Returning capacity

    /// Adds `delta` to a tracked resource, clamped to `0...limit`. Returns whether availability grew.
    private mutating func adjust(_ resource: Int, by delta: Double, at level: Int) -> Bool {
        let slot = level * stride + resource
        guard isTracked(slot) else { return false }
        let have = available[slot]
        let new = min(limit[slot], max(0, have + delta))
        available[slot] = new
        return new > have
    }

    /// Applies `delta` of `resource` along the chain from `node`, skipping non-restoring levels unless
    /// `everyLevel`. Returns the depth and index of the highest level that grew.
    private mutating func propagate(
        _ delta: Double,
        of resource: Int,
        from node: Int,
        everyLevel: Bool,
        highest: inout (depth: Int, node: Int)
    ) {
        var level = node
        var depth = 0
        while level >= 0 {
            if everyLevel || restoresOnRelease[level], adjust(resource, by: delta, at: level), depth > highest.depth {
                highest = (depth, level)
            }
            level = parents[level]
            depth += 1
        }
    }

    /// Returns `cost` at `node` and every ancestor that restores on release, clamping at each limit.
    /// Non-positive amounts are ignored.
    /// - Returns: the highest level whose availability grew, or -1.
    mutating func release(_ cost: ResourceCost, at node: Int) -> Int {
        var highest = (depth: -1, node: -1)
        for (name, amount) in cost.amounts where amount > 0 {
            guard let resource = resourceNumbers[name] else { continue }
            propagate(amount, of: resource, from: node, everyLevel: false, highest: &highest)
        }
        return highest.node
    }

    /// Moves `estimated − actual` back into availability at `node` and every ancestor (quota levels
    /// included), clamped to `0...limit`. Amounts must be non-negative.
    /// - Returns: the highest level whose availability grew, or -1.
    mutating func reconcile(estimated: ResourceCost, actual: ResourceCost, at node: Int) -> Int {
        var highest = (depth: -1, node: -1)
        for name in Set(estimated.amounts.keys).union(actual.amounts.keys) {
            let delta = estimated[name] - actual[name]
            guard delta != 0, let resource = resourceNumbers[name] else { continue }
            propagate(delta, of: resource, from: node, everyLevel: true, highest: &highest)
        }
        return highest.node
    }

    // MARK: - Local changes

    /// Applies new limits for the given keys only; validated by the caller.
    mutating func setLimits(_ limits: [String: Double], at node: Int) {
        for (name, newLimit) in limits {
            let resource = number(of: name)  // may widen `stride`, so read it afterwards
            let slot = node * stride + resource
            if isTracked(slot) {
                let have = available[slot]
                let delta = newLimit - limit[slot]
                available[slot] = delta >= 0 ? min(newLimit, have + delta) : max(0, have + delta)
            } else {
                available[slot] = newLimit
            }
            limit[slot] = newLimit
        }
    }

    /// Refills every resource to its limit.
    mutating func refill(at node: Int) {
        for slot in (node * stride)..<((node + 1) * stride) { available[slot] = limit[slot] }
    }

    /// Adds `amount` to each tracked resource, up to `min(cap ?? limit, limit)`, never lowering one.
    mutating func increment(_ amount: ResourceCost, cap: ResourceCost?, at node: Int) {
        for (name, add) in amount.amounts where add > 0 {
            guard let resource = resourceNumbers[name] else { continue }
            let slot = node * stride + resource
            guard isTracked(slot) else { continue }
            let ceiling = min(limit[slot], cap?.amounts[name] ?? limit[slot])
            let have = available[slot]
            available[slot] = max(have, min(ceiling, have + add))
        }
    }

    // MARK: - Queries

    /// Whether no positive amount exceeds the limit of `node` or any ancestor tracking its key.
    func withinLimits(_ cost: ResourceCost, at node: Int) -> Bool {
        for (name, amount) in cost.amounts where amount > 0 {
            guard let resource = resourceNumbers[name] else { continue }
            var level = node
            while level >= 0 {
                let slot = level * stride + resource
                if isTracked(slot) && limit[slot] < amount { return false }
                level = parents[level]
            }
        }
        return true
    }

    /// This level's resources, each at the minimum availability over the chain; `nil` if any is 0.
    func peek(at node: Int) -> ResourceCost? {
        var result: [String: Double] = [:]
        for resource in 0..<stride where isTracked(node * stride + resource) {
            var effective = available[node * stride + resource]
            var level = parents[node]
            while level >= 0 {
                let slot = level * stride + resource
                if isTracked(slot) { effective = min(effective, available[slot]) }
                level = parents[level]
            }
            if effective <= 0 { return nil }
            result[resourceNames[resource]] = effective
        }
        return ResourceCost(result)
    }
}
