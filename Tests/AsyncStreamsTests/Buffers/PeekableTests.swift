import Testing

@testable import AsyncStreams

@Suite struct PeekableTests {
    private func head<Source: Peekable>(_ source: Source) -> Source.Element? { source.peek() }

    @Test func everySourceIsPeekableThroughTheProtocol() throws {
        #expect(head(SourceBufferObj([1, 2], oneShot: false)) == 1)
        #expect(head(SourceBufferObj([1, 2], oneShot: false, mode: .lifo)) == 2)
        #expect(head(PushPullBufferObj([3])) == 3)
        #expect(head(PushPullBufferObj([3]).source) == 3)
        let priority = PrioritySourceObj<Int>()
        try priority.enqueue(4, priority: 1)
        #expect(head(priority) == 4)
        let graph = try DependencyGraph.flowFixture([("k", [])])
        #expect(head(try DependencySourceObj(graph: graph, tasks: ["k": "task"])) == "task")
        let other = try DependencyGraph.flowFixture([("k", [])])
        #expect(head(try PriorityDependencySourceObj(graph: other, tasks: ["k": "task"])) == "task")
    }

    @Test func peekingNeverConsumes() {
        let source = SourceBufferObj([1], oneShot: false)
        for _ in 0..<3 { #expect(head(source) == 1) }
        #expect(source.count == 1)
    }
}
