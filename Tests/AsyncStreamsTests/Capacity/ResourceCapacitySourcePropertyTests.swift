import AsyncStreams
import Testing

/// A random tree: a root, two children, and two grandchildren under each child.
private struct RandomTree {
    var nodes: [ResourceCapacitySource] = []
    /// For each node, itself and its descendants.
    var subtrees: [[Int]] = []

    init(using random: inout SplitMix64) throws {
        let parents = [-1, 0, 0, 1, 1, 2, 2]
        for parent in parents {
            var limits = ResourceCost.zero
            for name in ["a", "b", "c"] where Int.random(in: 0..<4, using: &random) > 0 {
                limits[name] = Double(Int.random(in: 0...12, using: &random))
            }
            nodes.append(try ResourceCapacitySource(limits: limits, parent: parent < 0 ? nil : nodes[parent]))
        }
        subtrees = parents.indices.map { node in
            parents.indices.filter { candidate in
                var level = candidate
                while level >= 0 {
                    if level == node { return true }
                    level = parents[level]
                }
                return false
            }
        }
    }

    var books: [[ResourceCost]] { nodes.map { [$0.limits, $0.available] } }

    func checkBounds() {
        for node in nodes {
            let limits = node.limits
            for (name, have) in node.available.amounts {
                #expect(have >= 0 && have <= limits[name], "\(name): \(have) outside 0...\(limits[name])")
            }
        }
    }
}

private func randomCost(using random: inout SplitMix64, allowNegative: Bool) -> ResourceCost {
    var cost = ResourceCost.zero
    for name in ["a", "b", "c", "untracked"] where Int.random(in: 0..<2, using: &random) == 0 {
        cost[name] = Double(Int.random(in: 0...5, using: &random))
    }
    if allowNegative && Int.random(in: 0..<8, using: &random) == 0 { cost["b"] = -1 }
    return cost
}

/// Seeded random operation sequences checking the capacity trees' invariants: availability stays within
/// `0...limit` at every level, and a call that throws changes nothing.
@Suite struct ResourceCapacitySourcePropertyTests {
    @Test(arguments: [7, 11, 99, 1234, 0xC0FFEE] as [UInt64])
    func availabilityStaysWithinLimitsAndThrowingCallsMutateNothing(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let tree = try RandomTree(using: &random)
        var held: [(node: Int, cost: ResourceCost)] = []
        var throwingCalls = 0
        for _ in 0..<600 {
            let index = Int.random(in: 0..<tree.nodes.count, using: &random)
            let node = tree.nodes[index]
            let before = tree.books
            do {
                switch Int.random(in: 0..<10, using: &random) {
                case 0, 1, 2:
                    let cost = randomCost(using: &random, allowNegative: true)
                    let result = node.tryAcquire(cost)
                    if result.isAccepted { held.append((index, cost)) } else { #expect(tree.books == before) }
                case 3:
                    let cost = randomCost(using: &random, allowNegative: true)
                    try node.acquireImmediate(cost)
                    held.append((index, cost))
                case 4, 5:
                    if let pick = held.indices.randomElement(using: &random) {
                        let (owner, cost) = held.remove(at: pick)
                        tree.nodes[owner].release(cost)
                    }
                case 6:
                    node.release(randomCost(using: &random, allowNegative: false))  // over-release
                case 7:
                    var limits = randomCost(using: &random, allowNegative: true)
                    limits.amounts["untracked"] = nil
                    try node.setLimits(limits)
                case 8:
                    if Int.random(in: 0..<2, using: &random) == 0 {
                        node.reset()
                    } else {
                        try node.increment(randomCost(using: &random, allowNegative: true))
                    }
                default:
                    try node.reconcile(
                        estimated: randomCost(using: &random, allowNegative: true),
                        actual: randomCost(using: &random, allowNegative: false)
                    )
                }
            } catch {
                throwingCalls += 1
                #expect(tree.books == before, "a throwing call changed the books (seed \(seed))")
            }
            tree.checkBounds()
        }
        #expect(throwingCalls > 0)
    }

    @Test(arguments: [5, 17, 4242] as [UInt64])
    func inFlightEqualsHeldCostsInPoolMode(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let tree = try RandomTree(using: &random)
        var held: [(node: Int, cost: ResourceCost)] = []
        for _ in 0..<600 {
            if Int.random(in: 0..<3, using: &random) > 0 || held.isEmpty {
                let index = Int.random(in: 0..<tree.nodes.count, using: &random)
                let cost = randomCost(using: &random, allowNegative: false)
                if tree.nodes[index].tryAcquire(cost).isAccepted { held.append((index, cost)) }
            } else {
                let (owner, cost) = held.remove(at: Int.random(in: 0..<held.count, using: &random))
                tree.nodes[owner].release(cost)
            }
            for (index, node) in tree.nodes.enumerated() {
                let limits = node.limits
                let available = node.available
                for name in limits.names {
                    let inFlight = held.filter { tree.subtrees[index].contains($0.node) }.map { $0.cost[name] }
                    #expect(limits[name] - available[name] == inFlight.reduce(0, +))
                }
            }
        }
        for (owner, cost) in held { tree.nodes[owner].release(cost) }
        for node in tree.nodes { #expect(node.available == node.limits) }
    }
}
