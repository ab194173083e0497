import Synchronization
import Testing

@testable import AsyncStreams

/// The listeners the pool loop registers instead of watcher tasks (see `ChangeListening`).
@Suite struct ChangeListeningTests {
    final class Counter: Sendable {
        private let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
        func increment() { count.withLock { $0 += 1 } }
    }

    @Test func graphSourceListenerFiresWhenTasksBecomeAvailableAndAtFinish() throws {
        let graph = DependencyGraph<String>()
        try graph.addNode("a")
        try graph.addNode("b", dependencies: ["a"])
        let source = try PriorityDependencySourceObj(graph: graph, tasks: ["a": 1, "b": 2])
        let counter = Counter()
        let stop = source.listenForChanges { counter.increment() }
        #expect(source.take { _ in true } == 1)
        #expect(counter.value == 0)  // taking makes nothing available
        try source.complete("a")  // b becomes available
        #expect(counter.value == 1)
        #expect(source.take { _ in true } == 2)
        try source.complete("b")  // the source finishes: called again (the notify and the finish may both call)
        #expect(counter.value > 1)
        stop()
    }

    @Test func dependencySourceListenerStopsAfterUnregistering() throws {
        let graph = DependencyGraph<String>()
        try graph.addNode("a")
        let source = try DependencySourceObj(graph: graph, tasks: ["a": 1, "b": 2])
        let counter = Counter()
        let stop = source.listenForChanges { counter.increment() }
        try source.addNode("b", task: 2)
        #expect(counter.value == 1)
        stop()
        try source.addNode("c", task: 3)
        #expect(counter.value == 1)
    }

    @Test func capacityListenerFiresWhenASiblingReleases() throws {
        let parent = try ResourceCapacitySource(limits: ["capacity": 2])
        let left = try ResourceCapacitySource(limits: ["capacity": 2], parent: parent)
        let right = try ResourceCapacitySource(limits: ["capacity": 2], parent: parent)
        let counter = Counter()
        let stop = try #require(left.listenForChanges { counter.increment() })
        #expect(right.acquireIfAvailable(["capacity": 2]))
        #expect(counter.value == 0)  // acquiring never signals
        right.release(["capacity": 2])  // the parent grew: the whole subtree is woken
        #expect(counter.value == 1)
        stop()
        #expect(right.acquireIfAvailable(["capacity": 1]))
        right.release(["capacity": 1])
        #expect(counter.value == 1)
    }
}
