import AsyncStreams
import Testing

/// Everything observable about a graph, to check that a throwing call changed nothing.
private struct GraphSnapshot: Equatable {
    var order: [Int]
    var states: [NodeState]
    var ready: [Int]
    var running: [Int]
    var completed: [Int]
    var dependents: [[Int]]

    init(_ graph: DependencyGraph<Int>) throws {
        order = graph.topologicalSort()
        states = try order.map { try graph.state(of: $0) }
        ready = graph.ready
        running = graph.running
        completed = graph.completed
        dependents = try order.map { try graph.dependents(of: $0) }
    }
}

/// Random operation sequences over random graphs, checking the graph's invariants after every step.
@Suite struct DependencyGraphPropertyTests {
    @Test(arguments: [1, 2, 3, 42, 2024, 0xDEAD_BEEF] as [UInt64])
    func invariantsHoldAfterRandomOperations(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let graph = DependencyGraph<Int>()
        var readyEvents = 0
        graph.onReady = { _ in readyEvents += 1 }
        var nextKey = 0
        var failures = 0

        for _ in 0..<400 {
            let before = try GraphSnapshot(graph)
            let keys = graph.topologicalSort()
            let anyKey = keys.randomElement(using: &random) ?? 0
            do {
                switch Int.random(in: 0..<10, using: &random) {
                case 0, 1:
                    // A new node on random existing keys, sometimes a missing one or itself.
                    var dependencies = (0..<Int.random(in: 0...3, using: &random)).compactMap { _ in
                        keys.randomElement(using: &random)
                    }
                    let roll = Int.random(in: 0..<10, using: &random)
                    if roll == 0 { dependencies.append(-1) }
                    if roll == 1 { dependencies.append(nextKey) }
                    let key = roll == 2 && !keys.isEmpty ? anyKey : nextKey
                    nextKey += 1
                    try graph.addNode(key, dependencies: dependencies)
                case 2:
                    try graph.addAll(randomBatch(from: &nextKey, existing: keys, using: &random))
                case 3, 4:
                    try graph.start(graph.ready.randomElement(using: &random) ?? anyKey)
                case 5, 6:
                    try graph.complete(graph.running.randomElement(using: &random) ?? anyKey)
                case 7:
                    try graph.fail(graph.running.randomElement(using: &random) ?? anyKey)
                case 8:
                    if Int.random(in: 0..<4, using: &random) == 0 { try graph.abort(anyKey) }
                default:
                    try graph.start(anyKey)  // often an invalid transition
                }
            } catch {
                failures += 1
                #expect(try GraphSnapshot(graph) == before, "a throwing call changed the graph (seed \(seed))")
            }
            try checkConsistency(graph)
        }
        #expect(failures > 0)
        #expect(readyEvents > 0)
    }

    /// A batch in shuffled order; one batch in four contains a cycle.
    private func randomBatch(
        from nextKey: inout Int,
        existing: [Int],
        using random: inout SplitMix64
    ) -> [(key: Int, dependencies: [Int])] {
        let size = Int.random(in: 1...6, using: &random)
        let keys = (0..<size).map { nextKey + $0 }
        nextKey += size
        var batch = keys.enumerated().map { offset, key -> (key: Int, dependencies: [Int]) in
            let earlier = Array(keys[..<offset]) + existing
            let dependencies = (0..<Int.random(in: 0...2, using: &random)).compactMap { _ in
                earlier.randomElement(using: &random)
            }
            return (key, dependencies)
        }
        if size > 1 && Int.random(in: 0..<4, using: &random) == 0 {
            batch[0].dependencies.append(keys[size - 1])
        }
        batch.shuffle(using: &random)
        return batch
    }

    private func checkConsistency(_ graph: DependencyGraph<Int>) throws {
        #expect(!graph.hasCycle())
        let order = graph.topologicalSort()
        #expect(order.count == graph.count)
        var position: [Int: Int] = [:]
        for (index, key) in order.enumerated() { position[key] = index }
        var counts: [NodeState: Int] = [:]
        for key in order {
            let state = try graph.state(of: key)
            counts[state, default: 0] += 1
            let dependencyStates = try graph.dependencies(of: key).map { dependency -> NodeState in
                #expect(position[dependency]! < position[key]!)
                return try graph.state(of: dependency)
            }
            let allCompleted = dependencyStates.allSatisfy { $0 == .completed }
            switch state {
            case .ready, .running, .completed: #expect(allCompleted)
            case .pending: #expect(!allCompleted && !dependencyStates.contains(.aborted))
            case .aborted, .failed: #expect(state != .failed)
            }
        }
        #expect(graph.readyCount == counts[.ready, default: 0])
        #expect(graph.ready.count == graph.readyCount)
        #expect(graph.running.count == counts[.running, default: 0])
        #expect(graph.completed.count == counts[.completed, default: 0])
        #expect(graph.pendingCount == counts[.pending, default: 0])
        #expect(graph.isDone == (counts[.completed, default: 0] + counts[.aborted, default: 0] == graph.count))
    }
}
