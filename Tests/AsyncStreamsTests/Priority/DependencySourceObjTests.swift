import Synchronization
import Testing

@testable import AsyncStreams

@Suite(.timeLimit(.minutes(1)))
struct DependencySourceObjTests {
    private func makeFanOut() throws -> DependencySourceObj<String, String> {
        let graph = try DependencyGraph.flowFixture([("a", []), ("b", ["a"]), ("c", ["a"])])
        return try DependencySourceObj(graph: graph, tasks: identityTasks(["a", "b", "c"]))
    }

    // MARK: - Behaviours

    @Test func firstPullYieldsRootAndMarksItRunning() async throws {
        let source = try makeFanOut()
        var pulls = source.makeAsyncIterator()
        #expect(await pulls.next() == "a")
        #expect(try source.withGraph { try $0.state(of: "a") } == .running)
    }

    @Test func completingRootQueuesDependentsInInsertionOrder() async throws {
        let source = try makeFanOut()
        var pulls = source.makeAsyncIterator()
        _ = await pulls.next()
        #expect(try source.complete("a") == ["b", "c"])
        #expect(await pulls.next() == "b")
        #expect(await pulls.next() == "c")
    }

    @Test func sourceTerminatesOnceEveryNodeCompleted() async throws {
        let source = try makeFanOut()
        var seen: [String] = []
        for await task in source {
            seen.append(task)
            try source.complete(task)
        }
        #expect(seen == ["a", "b", "c"])
        #expect(source.isFinished)
        #expect(source.withGraph { $0.isDone })
    }

    @Test func previouslyAssignedOnReadyStillFires() async throws {
        let graph = DependencyGraph<String>()
        let recorded = Mutex<[String]>([])
        graph.onReady = { key in recorded.withLock { $0.append(key) } }
        try graph.addAll([("a", []), ("b", ["a"]), ("c", ["a"])])
        let source = try DependencySourceObj(graph: graph, tasks: identityTasks(["a", "b", "c"]))
        _ = source.take(where: { _ in true })
        try source.complete("a")
        #expect(recorded.withLock { $0 } == ["a", "b", "c"])
        #expect(source.queueSize == 2, "the source still queues what the earlier callback saw")
    }

    @Test func constructionThrowsWhenAnyNodeLacksATask() throws {
        let readyError = try #require(throws: SourceError.self) {
            let ready = try DependencyGraph.flowFixture([("a", [])])
            _ = try DependencySourceObj(graph: ready, tasks: [String: String]())
        }
        #expect(readyError.code == .missingTask)
        #expect(readyError.key == "a")

        let pendingError = try #require(throws: SourceError.self) {
            let pending = try DependencyGraph.flowFixture([("a", []), ("b", ["a"])])
            _ = try DependencySourceObj(graph: pending, tasks: ["a": "a"])
        }
        #expect(pendingError.key == "b")
        #expect(pendingError.description.contains("'b'"))
    }

    // MARK: - Readiness order, stale keys, retries

    @Test func readyNodesAreServedInReadinessOrder() throws {
        let graph = try DependencyGraph.flowFixture([("x", []), ("y", []), ("z", [])])
        let source = try DependencySourceObj(graph: graph, tasks: identityTasks(["x", "y", "z"]))
        #expect(source.peekKey() == "x")
        #expect(source.take(where: { _ in true }) == "x")
        try source.fail("x")
        #expect(source.take(where: { _ in true }) == "y")
        #expect(source.take(where: { _ in true }) == "z")
        #expect(source.take(where: { _ in true }) == "x", "a failed node re-joins at the end")
    }

    @Test func abortedReadyKeyIsNeverServed() async throws {
        let graph = try DependencyGraph.flowFixture([("a", []), ("b", [])])
        let source = try DependencySourceObj(graph: graph, tasks: identityTasks(["a", "b"]))
        #expect(try source.abort("a") == ["a"])
        #expect(source.queueSize == 1)
        var pulls = source.makeAsyncIterator()
        #expect(await pulls.next() == "b")
        try source.complete("b")
        #expect(await pulls.next() == nil)
    }

    @Test func queueSizeExcludesRunningTasks() throws {
        let source = try makeFanOut()
        #expect(source.queueSize == 1)
        _ = source.take(where: { _ in true })
        #expect(source.queueSize == 0)
        try source.complete("a")
        #expect(source.queueSize == 2)
    }

    @Test func takeWhereDeclinedLeavesNodeReady() throws {
        let source = try makeFanOut()
        #expect(source.take(where: { _ in false }) == nil)
        #expect(try source.withGraph { try $0.state(of: "a") } == .ready)
        #expect(source.peek() == "a")
    }

    @Test func pullSuspendsWhileTasksRunAndResumesOnComplete() async throws {
        let source = try makeFanOut()
        #expect(source.take(where: { _ in true }) == "a")
        let consumer = Task { await source.first(where: { _ in true }) }
        await waitUntil("a consumer parks on the source") { source.storage.waiterCount == 1 }
        try source.complete("a")
        #expect(try await consumer.value(within: "the consumer task to finish") == "b")
        #expect(try source.withGraph { try $0.state(of: "b") } == .running)
    }

    @Test func waitingConsumerEndsWhenAbortFinishesGraph() async throws {
        let source = try makeFanOut()
        _ = source.take(where: { _ in true })
        let consumer = Task { await source.first(where: { _ in true }) }
        await waitUntil("a consumer parks on the source") { source.storage.waiterCount == 1 }
        #expect(try source.abort("a") == ["a", "b", "c"])
        #expect(try await consumer.value(within: "the consumer task to finish") == nil)
        #expect(source.isFinished)
    }

    @Test func gracefulShutdownAbortsReadyKeysAndRunningWorkDrains() throws {
        let graph = try DependencyGraph.flowFixture([("r1", []), ("q1", []), ("q2", []), ("d", ["q1"])])
        let source = try DependencySourceObj(graph: graph, tasks: identityTasks(["r1", "q1", "q2", "d"]))
        #expect(source.take(where: { _ in true }) == "r1")
        for key in source.withGraph({ $0.ready }) { try source.abort(key) }
        #expect(source.queueSize == 0)
        #expect(!source.isFinished, "r1 is still running")
        try source.complete("r1")
        #expect(source.isFinished)
    }

    // MARK: - Dynamic growth

    @Test func addedReadyNodeIsQueuedAndSignalled() async throws {
        let source = try makeFanOut()
        _ = source.take(where: { _ in true })
        var changes = source.changes().makeAsyncIterator()
        try source.addNode("extra", task: "extra")
        #expect(await changes.next() != nil)
        #expect(source.peekKey() == "extra")
        try source.addNode("after-a", dependencies: ["a"], task: "after-a")
        #expect(try source.complete("a") == ["b", "c", "after-a"])
    }

    @Test func addNodeRejectsDuplicateWithoutReplacingTask() throws {
        let source = try makeFanOut()
        let error = try #require(throws: GraphError.self) { try source.addNode("a", task: "impostor") }
        #expect(error.code == .duplicateKey)
        #expect(source.peek() == "a")
    }

    @Test func addNodeWithMissingDependencyChangesNothing() throws {
        let source = try makeFanOut()
        let error = try #require(throws: GraphError.self) {
            try source.addNode("n", dependencies: ["ghost"], task: "n")
        }
        #expect(error.code == .missingDependency)
        #expect(!source.withGraph { $0.contains("n") })
    }

    @Test func addNodeAfterFinishThrowsFinished() throws {
        let source = try DependencySourceObj(graph: DependencyGraph<String>(), tasks: [String: String]())
        #expect(source.isFinished, "an empty graph is done, so the source is finished at once")
        let error = try #require(throws: SourceError.self) { try source.addNode("late", task: "late") }
        #expect(error.code == .finished)
    }

    // MARK: - TaskSource signals

    @Test func changesWakeOnUnlockAndEndAtFinish() async throws {
        let source = try makeFanOut()
        _ = source.take(where: { _ in true })
        var changes = source.changes().makeAsyncIterator()
        try source.complete("a")
        #expect(await changes.next() != nil)
        for key in ["b", "c"] {
            _ = source.take(where: { $0 == key })
            try source.complete(key)
        }
        while await changes.next() != nil {}
        #expect(source.isFinished)
    }

    @Test func runnerStyleConsumerCompletesChainInDependencyOrder() async throws {
        let graph = try DependencyGraph.flowFixture([("one", []), ("two", ["one"]), ("three", ["two"])])
        let source = try DependencySourceObj(graph: graph, tasks: identityTasks(["one", "two", "three"]))
        let order = try await drainLikeARunner(source) { task in try source.complete(task) }
        #expect(order == ["one", "two", "three"])
    }

    @Test func completeOfNodeThatIsNotRunningThrowsAndChangesNothing() throws {
        let source = try makeFanOut()
        let error = try #require(throws: GraphError.self) { try source.complete("a") }
        #expect(error.code == .invalidTransition)
        #expect(source.peekKey() == "a")
    }

    // MARK: - Concurrency

    @Test func concurrentConsumersServeEveryNodeOnce() async throws {
        let keys = (0..<2_000).map { "n\($0)" }
        let graph = DependencyGraph<String>()
        for (index, key) in keys.enumerated() {
            try graph.addNode(key, dependencies: index >= 10 ? [keys[index - 10]] : [])
        }
        let source = try DependencySourceObj(graph: graph, tasks: identityTasks(keys))
        let served = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var mine: [String] = []
                    for await task in source {
                        mine.append(task)
                        try source.complete(task)
                    }
                    return mine
                }
            }
            var all: [String] = []
            for try await part in group { all += part }
            return all
        }
        #expect(served.count == keys.count)
        #expect(Set(served) == Set(keys))
        #expect(source.isFinished)
    }
}
