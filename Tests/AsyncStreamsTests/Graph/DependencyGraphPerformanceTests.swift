import AsyncStreams
import Testing

/// Scale tests: correctness at sizes where an O(n) step per operation would make the test hang. They
/// assert no wall-clock figure (performance is measured by `AsyncStreamsBenchmark`); the time limit only
/// turns such a hang into a failure. The long loops yield now and then, so that they do not hold one of
/// the cooperative pool's threads (two on a two-core machine) for their whole run.
@Suite(.timeLimit(.minutes(3))) struct DependencyGraphPerformanceTests {
    /// Builds a million-node graph (a chain of layers with fan-in) and drains it through the API.
    @Test func millionNodeGraphBuildsAndDrains() async throws {
        let count = 1_000_000
        let graph = DependencyGraph<Int>()
        for key in 0..<count {
            let dependencies = key >= 2 ? [key / 2, key - 1] : []
            try graph.addNode(key, dependencies: dependencies)
            if key % 10_000 == 0 { await Task.yield() }
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
            if done % 10_000 == 0 { await Task.yield() }
        }
        #expect(done == count)
        #expect(graph.isDone)
    }

    /// A large shuffled batch goes through the sorting path of `addAll` and comes out topologically.
    @Test func largeShuffledBatchIsSortedTopologically() throws {
        var random = SplitMix64(seed: 77)
        let count = 100_000
        var batch = (0..<count).map { key in
            (key: "n\(key)", dependencies: key == 0 ? [] : ["n\(Int.random(in: 0..<key, using: &random))"])
        }
        batch.shuffle(using: &random)
        let graph = DependencyGraph<String>()
        try graph.addAll(batch)
        #expect(graph.count == count)
        #expect(graph.ready == ["n0"])
        var position: [String: Int] = [:]
        for (index, key) in graph.topologicalSort().enumerated() { position[key] = index }
        for entry in batch {
            for dependency in entry.dependencies { #expect(position[dependency]! < position[entry.key]!) }
        }
    }
}
