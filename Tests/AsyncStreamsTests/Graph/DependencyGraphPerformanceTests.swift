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
        let built = clock.now
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
        print("build \(built - start), drain \(drained - built)")
        #expect(drained - start < .seconds(30))
    }
}
