import Testing

@testable import AsyncStreams

@Suite(.timeLimit(.minutes(1)))
struct PriorityDependencySourceObjTests {
    private static let pipeline: [(String, [String])] = [
        ("fetch", []), ("parse", ["fetch"]), ("analyze-a", ["parse"]), ("analyze-b", ["parse"]),
        ("report", ["analyze-a", "analyze-b"]),
    ]

    /// Pulls every task, completing each as it is pulled; returns the pull order.
    private func drain(_ source: PriorityDependencySourceObj<String, String>) async throws -> [String] {
        var order: [String] = []
        for await task in source {
            order.append(task)
            try source.complete(task)
        }
        return order
    }

    // MARK: - Behaviours

    @Test func dependenciesGateEvenTheHighestPriority() async throws {
        let graph = try DependencyGraph.flowFixture(Self.pipeline)
        let source = try PriorityDependencySourceObj(
            graph: graph, tasks: identityTasks(Self.pipeline.map(\.0)),
            priority: { key, _ in key == "report" ? 10 : 1 })
        let order = try await drain(source)
        #expect(order.first == "fetch")
        let report = try #require(order.firstIndex(of: "report"))
        let analyzeA = try #require(order.firstIndex(of: "analyze-a"))
        let analyzeB = try #require(order.firstIndex(of: "analyze-b"))
        #expect(report > analyzeA && report > analyzeB)
        #expect(order.count == 5)
    }

    /// A completed node never runs again, so the source lets its task go (and whatever the task captured):
    /// a long build does not keep every finished job.
    @Test func completedTaskIsReleasedAndAFailedOneKept() throws {
        final class Payload: Sendable {}
        weak var completedPayload: Payload?
        weak var failedPayload: Payload?
        let source: PriorityDependencySourceObj<String, Payload>
        do {
            let first = Payload()
            let second = Payload()
            completedPayload = first
            failedPayload = second
            let graph = try DependencyGraph.flowFixture([("a", []), ("b", [])])
            source = try PriorityDependencySourceObj(graph: graph, tasks: ["a": first, "b": second])
        }
        #expect(completedPayload != nil && failedPayload != nil)
        _ = source.take(where: { $0 === completedPayload })
        try source.complete("a")
        #expect(completedPayload == nil)
        _ = source.take(where: { $0 === failedPayload })
        try source.fail("b")  // queued again: its task is still needed
        #expect(failedPayload != nil)
        #expect(source.take(where: { _ in true }) === failedPayload)
    }

    @Test func unlockedDependentIsPeekableWhenCompleteReturns() throws {
        let graph = try DependencyGraph.flowFixture(Self.pipeline)
        let source = try PriorityDependencySourceObj(graph: graph, tasks: identityTasks(Self.pipeline.map(\.0)))
        #expect(source.take(where: { _ in true }) == "fetch")
        #expect(source.peekKey() == nil)
        try source.complete("fetch")
        #expect(source.peekKey() == "parse")
        #expect(source.peek() == "parse")
    }

    @Test func etlLoadBeatsExtractWhenBothReady() throws {
        let graph = try DependencyGraph.flowFixture([
            ("extract-1", []), ("extract-2", []), ("transform-1", ["extract-1"]), ("load-1", ["transform-1"]),
        ])
        let weights: [String: Double] = ["load": 10, "transform": 5, "extract": 1]
        let source = try PriorityDependencySourceObj(
            graph: graph, tasks: identityTasks(["extract-1", "extract-2", "transform-1", "load-1"]),
            priority: { key, _ in weights[String(key.prefix { $0 != "-" })]! })
        for key in ["extract-1", "transform-1"] {
            #expect(source.take(where: { $0 == key }) == key)
            try source.complete(key)
        }
        #expect(source.queueSize == 2)
        #expect(source.peekKey() == "load-1", "load (10) before extract (1)")
    }

    @Test func agedExtractBeatsFreshTransform() throws {
        let clock = ManualClock()
        let graph = try DependencyGraph.flowFixture([("gate", []), ("extract", []), ("transform", ["gate"])])
        let weights: [String: Double] = ["gate": 100, "extract": 1, "transform": 5]
        let source = try PriorityDependencySourceObj(
            graph: graph, tasks: identityTasks(["gate", "extract", "transform"]),
            priority: { key, _ in weights[key]! }, agingRate: 0.01, maxAgeBoost: 20, clock: clock)
        #expect(source.take(where: { _ in true }) == "gate")
        clock.advance(by: .milliseconds(1_000))
        try source.complete("gate")
        #expect(source.peekKey() == "extract", "1 + 0.01 × 1000 = 11 beats a fresh 5")
    }

    @Test func failedTaskBecomesPeekableAgainAndIsYieldedLater() async throws {
        let graph = try DependencyGraph.flowFixture([("a", []), ("b", [])])
        let source = try PriorityDependencySourceObj(
            graph: graph, tasks: identityTasks(["a", "b"]), priority: { key, _ in key == "a" ? 2 : 1 })
        var pulls = source.makeAsyncIterator()
        #expect(await pulls.next() == "a")
        try source.fail("a")
        #expect(source.peekKey() == "a")
        #expect(try source.withGraph { try $0.state(of: "a") } == .ready)
        #expect(await pulls.next() == "a")
    }

    @Test func abortReturnsCascadeAndNoneOfItIsYielded() async throws {
        let graph = try DependencyGraph.flowFixture([("a", []), ("b", ["a"]), ("c", ["b"]), ("x", []), ("y", [])])
        let source = try PriorityDependencySourceObj(graph: graph, tasks: identityTasks(["a", "b", "c", "x", "y"]))
        #expect(source.queueSize == 3)
        #expect(try source.abort("a") == ["a", "b", "c"])
        #expect(source.queueSize == 2)
        let order = try await drain(source)
        #expect(order == ["x", "y"])
    }

    @Test func constructionThrowsWhenReadyNodeLacksTask() throws {
        let error = try #require(throws: SourceError.self) {
            let graph = try DependencyGraph.flowFixture([("a", []), ("b", [])])
            _ = try PriorityDependencySourceObj(graph: graph, tasks: ["a": "a"])
        }
        #expect(error.code == .missingTask)
        #expect(error.key == "b")
    }

    @Test func terminatesOnceEveryNodeCompletedOrAborted() async throws {
        let graph = try DependencyGraph.flowFixture([("a", []), ("b", ["a"]), ("c", [])])
        let source = try PriorityDependencySourceObj(graph: graph, tasks: identityTasks(["a", "b", "c"]))
        var pulls = source.makeAsyncIterator()
        let first = try #require(await pulls.next())
        if first == "a" { try source.abort("a") } else { try source.complete(first) }
        let second = try #require(await pulls.next())
        if second == "a" { try source.abort("a") } else { try source.complete(second) }
        #expect(await pulls.next() == nil)
        #expect(source.isFinished)
    }

    @Test func queueSizeExcludesRunningTasks() throws {
        let graph = try DependencyGraph.flowFixture([("a", []), ("b", [])])
        let source = try PriorityDependencySourceObj(graph: graph, tasks: identityTasks(["a", "b"]))
        #expect(source.queueSize == 2)
        _ = source.take(where: { _ in true })
        #expect(source.queueSize == 1)
        #expect(source.withGraph { $0.running.count } == 1)
    }

    @Test func tiesAreServedInReadinessOrder() throws {
        let graph = try DependencyGraph.flowFixture([("p", []), ("q", []), ("r", [])])
        let source = try PriorityDependencySourceObj(graph: graph, tasks: identityTasks(["p", "q", "r"]))
        var order: [String] = []
        while let task = source.take(where: { _ in true }) { order.append(task) }
        #expect(order == ["p", "q", "r"])
    }

    @Test func addedNodeIsQueuedWithItsPriority() throws {
        let graph = try DependencyGraph.flowFixture([("low", [])])
        let source = try PriorityDependencySourceObj(
            graph: graph, tasks: ["low": "low"], priority: { key, _ in key == "urgent" ? 50 : 1 })
        try source.addNode("urgent", task: "urgent")
        #expect(source.peekKey() == "urgent")
    }

    @Test func failedTaskAgeRestartsWhenRequeued() throws {
        let clock = ManualClock()
        let graph = try DependencyGraph.flowFixture([("old", []), ("other", [])])
        let source = try PriorityDependencySourceObj(
            graph: graph, tasks: identityTasks(["old", "other"]), priority: { key, _ in key == "old" ? 3 : 1 },
            agingRate: 1, clock: clock)
        #expect(source.take(where: { $0 == "old" }) == "old")
        clock.advance(by: .milliseconds(10))
        try source.fail("old")
        // other: 1 + 10 = 11; old re-queued now: 3 + 0.
        #expect(source.peekKey() == "other")
    }

    /// No wall-clock assertion (the benchmark measures speed); quadratic work would hit the time limit.
    @Test(.timeLimit(.minutes(2))) func drainsLargeGraphCompletely() async throws {
        let keys = (0..<20_000).map { "n\($0)" }
        let graph = DependencyGraph<String>()
        for (index, key) in keys.enumerated() {
            try graph.addNode(key, dependencies: index >= 16 ? [keys[index - 16], keys[index / 2]] : [])
        }
        let source = try PriorityDependencySourceObj(
            graph: graph, tasks: identityTasks(keys), priority: { key, _ in Double(key.count) }, agingRate: 0.01,
            maxAgeBoost: 3)
        var served = 0
        while let key = source.take(where: { _ in true }) {
            served += 1
            try source.complete(key)
            if served % 2_000 == 0 { await Task.yield() }  // leave the cooperative pool's threads to others
        }
        #expect(served == keys.count)
        #expect(source.isFinished)
    }
}
