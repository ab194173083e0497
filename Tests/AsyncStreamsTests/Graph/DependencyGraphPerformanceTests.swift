import AsyncStreams
import Testing

@Suite struct DependencyGraphPerformanceTests {
    /// Builds a million-node graph (a chain of layers with fan-in) and drains it through the API.
    @Test func millionNodeGraphBuildsAndDrainsQuickly() throws {
        let count = 1_000_000
        let clock = ContinuousClock()
        let start = clock.now
        let graph = DependencyGraph<Int>()
        for key in 0..<count {
            let dependencies = key >= 2 ? [key / 2, key - 1] : []
            try graph.addNode(key, dependencies: dependencies)
        }
        var queue = graph.ready
        var head = 0
        var done = 0
        while head < queue.count {
            let key = queue[head]
            head += 1
            try graph.start(key)
            queue.append(contentsOf: try graph.complete(key))
            done += 1
        }
        let drained = clock.now
        #expect(done == count)
        #expect(graph.isDone)
        #expect(drained - start < .seconds(60))  // debug build on a shared machine; release is ~5x faster
    }

    /// A large shuffled batch goes through the sorting path of `addAll` and comes out topologically.
    @Test func largeShuffledBatchIsSortedQuickly() throws {
        var random = SplitMix64(seed: 77)
        let count = 100_000
        var batch = (0..<count).map { key in
            (key: "n\(key)", dependencies: key == 0 ? [] : ["n\(Int.random(in: 0..<key, using: &random))"])
        }
        batch.shuffle(using: &random)
        let clock = ContinuousClock()
        let start = clock.now
        let graph = DependencyGraph<String>()
        try graph.addAll(batch)
        #expect(clock.now - start < .seconds(30))
        #expect(graph.count == count)
        #expect(graph.ready == ["n0"])
        var position: [String: Int] = [:]
        for (index, key) in graph.topologicalSort().enumerated() { position[key] = index }
        for entry in batch {
            for dependency in entry.dependencies { #expect(position[dependency]! < position[entry.key]!) }
        }
    }
}
