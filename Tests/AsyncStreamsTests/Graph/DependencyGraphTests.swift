import AsyncStreams
import Testing

/// Records callbacks in order, as "ready:x" and "complete:x".
private final class CallbackLog {
    var events: [String] = []

    func attach(to graph: DependencyGraph<String>) {
        graph.onReady = { [unowned self] in events.append("ready:\($0)") }
        graph.onComplete = { [unowned self] in events.append("complete:\($0)") }
    }
}

private func diamond() throws -> DependencyGraph<String> {
    let graph = DependencyGraph<String>()
    try graph.addNode("A")
    try graph.addNode("B", dependencies: ["A"])
    try graph.addNode("C", dependencies: ["A"])
    try graph.addNode("D", dependencies: ["B", "C"])
    return graph
}

private func run(_ key: String, in graph: DependencyGraph<String>) throws -> [String] {
    try graph.start(key)
    return try graph.complete(key)
}

/// Graph shapes for table-driven tests, each with the outcome `addAll` must produce.
struct GraphShape: Sendable, CustomTestStringConvertible {
    var name: String
    var batch: [(key: String, dependencies: [String])]
    /// The error code `addAll` throws, or `nil` when it succeeds.
    var error: GraphError.Code?
    var cycle: [String] = []
    var ready: [String] = []

    var testDescription: String { name }

    static let all: [GraphShape] = [
        GraphShape(
            name: "diamond", batch: [("D", ["B", "C"]), ("B", ["A"]), ("C", ["A"]), ("A", [])], error: nil, ready: ["A"]
        ),
        GraphShape(name: "chain", batch: [("c", ["b"]), ("b", ["a"]), ("a", [])], error: nil, ready: ["a"]),
        GraphShape(name: "forest", batch: [("x", []), ("y", []), ("z", ["x"])], error: nil, ready: ["x", "y"]),
        GraphShape(
            name: "cycle", batch: [("a", ["c"]), ("b", ["a"]), ("c", ["b"])], error: .cycle,
            cycle: ["a", "c", "b", "a"]),
        GraphShape(name: "self loop", batch: [("a", []), ("b", ["b"])], error: .cycle, cycle: ["b", "b"]),
        GraphShape(name: "missing node", batch: [("a", []), ("b", ["ghost"])], error: .missingDependency),
    ]
}

@Suite struct DependencyGraphTests {
    // MARK: - AddNode

    @Test func addNodeWithExistingKeyThrowsAndKeepsCount() throws {
        let graph = DependencyGraph<String>()
        try graph.addNode("a")
        let error = #expect(throws: GraphError.self) { try graph.addNode("a") }
        #expect(error?.code == .duplicateKey)
        #expect(error?.description == "duplicate node 'a': a node with this key already exists")
        #expect(graph.count == 1)
    }

    @Test func addNodeWithMissingDependencyLeavesGraphUnchanged() throws {
        let graph = DependencyGraph<String>()
        try graph.addNode("a")
        let error = #expect(throws: GraphError.self) { try graph.addNode("b", dependencies: ["a", "zzz"]) }
        #expect(error?.code == .missingDependency)
        #expect(error?.message == "node 'b' depends on unknown node 'zzz'")
        #expect(!graph.contains("b"))
        #expect(try graph.dependents(of: "a") == [])
        #expect(graph.count == 1)
    }

    @Test func selfDependencyThrowsCycleAndLeavesGraphUnchanged() throws {
        let graph = DependencyGraph<String>()
        let error = #expect(throws: GraphError.self) { try graph.addNode("x", dependencies: ["x"]) }
        #expect(error?.code == .cycle)
        #expect(error?.cycle == ["x", "x"])
        #expect(graph.count == 0)
        #expect(!graph.hasCycle())
    }

    @Test func nodeWithoutDependenciesIsReadyAndReportedOnce() throws {
        let graph = DependencyGraph<String>()
        let log = CallbackLog()
        log.attach(to: graph)
        try graph.addNode("a")
        #expect(graph.ready == ["a"])
        #expect(try graph.state(of: "a") == .ready)
        #expect(log.events == ["ready:a"])
    }

    @Test func nodeWhoseOnlyDependencyCompletedStartsReady() throws {
        let graph = DependencyGraph<String>()
        try graph.addNode("a")
        _ = try run("a", in: graph)
        try graph.addNode("b", dependencies: ["a"])
        #expect(try graph.state(of: "b") == .ready)
    }

    @Test func nodeWithUnfinishedDependencyStartsPending() throws {
        let graph = DependencyGraph<String>()
        try graph.addNode("a")
        try graph.addNode("b", dependencies: ["a"])
        #expect(try graph.state(of: "b") == .pending)
        #expect(graph.pendingCount == 1)
    }

    @Test func nodeAddedWithAbortedDependencyIsAbortedAtOnce() throws {
        let graph = DependencyGraph<String>()
        let log = CallbackLog()
        log.attach(to: graph)
        try graph.addNode("a")
        try graph.abort("a")
        try graph.addNode("b", dependencies: ["a"])
        #expect(try graph.state(of: "b") == .aborted)
        #expect(log.events == ["ready:a"])
        #expect(graph.isDone)
    }

    @Test func repeatedDependencyCountsOnce() throws {
        let graph = DependencyGraph<String>()
        try graph.addNode("a")
        try graph.addNode("b", dependencies: ["a", "a"])
        #expect(try graph.dependencies(of: "b") == ["a"])
        #expect(try run("a", in: graph) == ["b"])
    }

    @Test func edgesAreRecordedInBothDirections() throws {
        let graph = try diamond()
        #expect(try graph.dependencies(of: "D") == ["B", "C"])
        #expect(try graph.dependents(of: "A") == ["B", "C"])
        #expect(try graph.dependents(of: "D") == [])
    }

    // MARK: - Transitions

    @Test func diamondUnlocksDependentsInInsertionOrder() throws {
        let graph = try diamond()
        #expect(try run("A", in: graph) == ["B", "C"])
        #expect(try run("B", in: graph) == [])
        #expect(try graph.state(of: "D") == .pending)
        #expect(try run("C", in: graph) == ["D"])
        #expect(try graph.state(of: "D") == .ready)
    }

    @Test(arguments: [NodeState.pending, .running, .completed, .aborted])
    func startOutsideReadyThrowsAndChangesNothing(state: NodeState) throws {
        let graph = DependencyGraph<String>()
        try graph.addNode("a")
        try graph.addNode("b", dependencies: ["a"])
        let key: String
        switch state {
        case .pending: key = "b"
        case .running: key = "a"; try graph.start("a")
        case .completed: key = "a"; _ = try run("a", in: graph)
        default: key = "a"; try graph.abort("a")
        }
        let before = try graph.state(of: key)
        let error = #expect(throws: GraphError.self) { try graph.start(key) }
        #expect(error?.code == .invalidTransition)
        #expect(try graph.state(of: key) == before)
    }

    @Test func completeFiresOnCompleteBeforeDependentsOnReady() throws {
        let graph = try diamond()
        let log = CallbackLog()
        log.attach(to: graph)
        _ = try run("A", in: graph)
        #expect(log.events == ["complete:A", "ready:B", "ready:C"])
    }

    @Test func failMovesRunningNodeBackToReadyAndReportsAgain() throws {
        let graph = DependencyGraph<String>()
        let log = CallbackLog()
        log.attach(to: graph)
        try graph.addNode("a")
        try graph.addNode("b")
        try graph.start("a")
        try graph.fail("a")
        #expect(try graph.state(of: "a") == .ready)
        #expect(graph.ready == ["b", "a"])
        #expect(log.events == ["ready:a", "ready:b", "ready:a"])
    }

    @Test func completeOrFailOnNonRunningNodeThrows() throws {
        let graph = DependencyGraph<String>()
        try graph.addNode("a")
        #expect { try graph.complete("a") } throws: { ($0 as? GraphError)?.code == .invalidTransition }
        #expect { try graph.fail("a") } throws: { ($0 as? GraphError)?.code == .invalidTransition }
        #expect(try graph.state(of: "a") == .ready)
    }

    @Test func unknownKeysThrowUnknownKey() {
        let graph = DependencyGraph<String>()
        let calls: [() throws -> Void] = [
            { try graph.start("q") }, { _ = try graph.complete("q") }, { try graph.fail("q") },
            { _ = try graph.abort("q") }, { _ = try graph.state(of: "q") },
            { _ = try graph.dependencies(of: "q") }, { _ = try graph.dependents(of: "q") },
        ]
        for call in calls {
            let error = #expect(throws: GraphError.self) { try call() }
            #expect(error?.code == .unknownKey)
            #expect(error?.message == "unknown node 'q'")
        }
    }

    @Test func completedNodeNeverLeavesCompleted() throws {
        let graph = DependencyGraph<String>()
        try graph.addNode("a")
        _ = try run("a", in: graph)
        #expect(try graph.abort("a") == [])
        #expect(throws: GraphError.self) { try graph.start("a") }
        #expect(throws: GraphError.self) { try graph.fail("a") }
        #expect(throws: GraphError.self) { try graph.complete("a") }
        #expect(try graph.state(of: "a") == .completed)
    }

    @Test func abortedNodeNeverLeavesAborted() throws {
        let graph = DependencyGraph<String>()
        try graph.addNode("a")
        try graph.abort("a")
        #expect(try graph.abort("a") == [])
        #expect(throws: GraphError.self) { try graph.start("a") }
        #expect(try graph.state(of: "a") == .aborted)
    }

    // MARK: - Abort

    @Test func abortOfRunningRootCascadesBreadthFirst() throws {
        let graph = DependencyGraph<String>()
        try graph.addAll([("a", []), ("b", ["a"]), ("c", ["b"]), ("d", ["b"])])
        try graph.start("a")
        #expect(try graph.abort("a") == ["a", "b", "c", "d"])
        #expect(graph.isDone)
        #expect(graph.running == [])
    }

    @Test func abortInPipelineSkipsCompletedNodes() throws {
        let graph = DependencyGraph<String>()
        try graph.addAll([
            ("fetch", []), ("parse", ["fetch"]), ("validate", ["parse"]), ("transform", ["parse"]),
            ("save", ["validate", "transform"]),
        ])
        _ = try run("fetch", in: graph)
        #expect(try graph.abort("parse") == ["parse", "validate", "transform", "save"])
        #expect(graph.isDone)
        #expect(graph.completedCount == 1)
        #expect(graph.abortedCount == 4)
    }

    @Test func abortInDiamondLeavesSiblingReady() throws {
        let graph = try diamond()
        _ = try run("A", in: graph)
        #expect(try graph.abort("C") == ["C", "D"])
        #expect(try graph.state(of: "B") == .ready)
        #expect(try graph.state(of: "A") == .completed)
        #expect(!graph.isDone)
        _ = try run("B", in: graph)
        #expect(graph.isDone)
    }

    // MARK: - AddAll

    @Test func addAllAcceptsAnyOrderAndMatchesTopologicalInsertion() throws {
        let shuffled = DependencyGraph<String>()
        try shuffled.addAll([("save", ["parse"]), ("parse", ["fetch"]), ("fetch", []), ("log", [])])
        let ordered = DependencyGraph<String>()
        try ordered.addNode("fetch")
        try ordered.addNode("parse", dependencies: ["fetch"])
        try ordered.addNode("save", dependencies: ["parse"])
        try ordered.addNode("log")
        for key in ["save", "parse", "fetch", "log"] {
            #expect(try shuffled.state(of: key) == ordered.state(of: key))
        }
        #expect(shuffled.topologicalSort() == ["fetch", "parse", "save", "log"])
        #expect(shuffled.ready == ["fetch", "log"])
    }

    @Test func addAllBreaksTiesByInputOrder() throws {
        let graph = DependencyGraph<String>()
        try graph.addAll([("z", ["y"]), ("b", []), ("y", []), ("a", [])])
        #expect(graph.topologicalSort() == ["b", "y", "z", "a"])
    }

    @Test func addAllWithCycleThrowsNamingItAndChangesNothing() throws {
        let graph = DependencyGraph<String>()
        try graph.addNode("base")
        let error = #expect(throws: GraphError.self) {
            try graph.addAll([("d", ["a"]), ("a", ["b"]), ("b", ["c", "base"]), ("c", ["a"])])
        }
        #expect(error?.code == .cycle)
        #expect(error?.cycle == ["a", "b", "c", "a"])
        #expect(error?.message == "dependency cycle: a -> b -> c -> a")
        #expect(graph.count == 1)
        #expect(try graph.dependents(of: "base") == [])
        #expect(!graph.hasCycle())
    }

    @Test func addAllIsAtomicOnMissingDependencyOrDuplicate() throws {
        let graph = DependencyGraph<String>()
        try graph.addNode("a")
        #expect { try graph.addAll([("b", ["a"]), ("c", ["nope"])]) } throws: {
            ($0 as? GraphError)?.code == .missingDependency
        }
        #expect { try graph.addAll([("b", ["a"]), ("b", [])]) } throws: {
            ($0 as? GraphError)?.code == .duplicateKey
        }
        #expect { try graph.addAll([("b", []), ("a", [])]) } throws: {
            ($0 as? GraphError)?.code == .duplicateKey
        }
        #expect(graph.count == 1)
        #expect(try graph.dependents(of: "a") == [])
    }

    @Test func addAllMayDependOnExistingNodesAndFiresReadyAfterwards() throws {
        let graph = DependencyGraph<String>()
        try graph.addNode("a")
        _ = try run("a", in: graph)
        let log = CallbackLog()
        log.attach(to: graph)
        try graph.addAll([("c", ["b"]), ("b", ["a"]), ("d", [])])
        #expect(log.events == ["ready:b", "ready:d"])
        #expect(try graph.state(of: "c") == .pending)
    }

    // MARK: - Queries

    @Test func emptyGraphIsDone() {
        #expect(DependencyGraph<Int>().isDone)
    }

    @Test func isDoneIsFalseWhileAnyNodeIsUnfinished() throws {
        let graph = DependencyGraph<String>()
        try graph.addNode("a")
        try graph.addNode("b", dependencies: ["a"])
        #expect(!graph.isDone)  // ready + pending
        try graph.start("a")
        #expect(!graph.isDone)  // running + pending
        _ = try graph.complete("a")
        #expect(!graph.isDone)  // ready
        _ = try run("b", in: graph)
        #expect(graph.isDone)
    }

    @Test func viewsFollowTransitionOrder() throws {
        let graph = DependencyGraph<Int>()
        for key in 0..<5 { try graph.addNode(key) }
        try graph.start(3)
        try graph.start(1)
        #expect(graph.ready == [0, 2, 4])
        #expect(graph.running == [3, 1])
        _ = try graph.complete(1)
        _ = try graph.complete(3)
        #expect(graph.completed == [1, 3])
        #expect(graph.readyCount == 3)
        #expect(graph.runningCount == 0)
    }

    @Test func viewsStayCorrectAcrossCompaction() throws {
        let graph = DependencyGraph<Int>()
        for key in 0..<500 { try graph.addNode(key) }
        for key in stride(from: 0, to: 500, by: 2) {
            try graph.start(key)
            try graph.fail(key)
        }
        for key in 0..<400 { try graph.start(key) }
        let expected = Array(stride(from: 401, to: 500, by: 2)) + Array(stride(from: 400, to: 500, by: 2))
        #expect(graph.ready == expected)
        #expect(graph.readyCount == 100)
        #expect(graph.running == Array(0..<400))
    }

    // MARK: - Shapes

    @Test(arguments: GraphShape.all)
    func addAllHandlesShape(shape: GraphShape) throws {
        let graph = DependencyGraph<String>()
        if let code = shape.error {
            let error = #expect(throws: GraphError.self) { try graph.addAll(shape.batch) }
            #expect(error?.code == code)
            #expect(error?.cycle == shape.cycle)
            #expect(graph.count == 0)
            #expect(!graph.hasCycle())
            return
        }
        try graph.addAll(shape.batch)
        #expect(graph.ready == shape.ready)
        let order = graph.topologicalSort()
        #expect(Set(order).count == shape.batch.count)
        #expect(order.count == shape.batch.count)
        for entry in shape.batch {
            for dependency in entry.dependencies {
                #expect(order.firstIndex(of: dependency)! < order.firstIndex(of: entry.key)!)
            }
        }
        // Draining in readiness order completes every node.
        var queue = graph.ready
        while let key = queue.first {
            queue.removeFirst()
            queue += try run(key, in: graph)
        }
        #expect(graph.isDone)
        #expect(graph.completedCount == shape.batch.count)
    }
}
