import Testing

@testable import AsyncStreams

/// The graph sources' state machine fed synchronously: transitions in, tasks and settlements out. Time is
/// a number passed in (milliseconds since the source was created), so aging and retries need no clock.
/// Parking a consumer needs a continuation: those tests make one with `withCheckedContinuation` and let
/// the returned deliveries resume it (no task).
@Suite(.timeLimit(.minutes(1))) struct GraphSourceStateMachineTests {
    typealias Machine = GraphSourceStateMachine<String, String>

    /// A machine over `nodes` (in topological order) whose task is the key itself, settled once as the
    /// storage does after creating it.
    func machine(
        _ nodes: [(String, [String])],
        priorities: [String: Double] = [:],
        agingRate: Double = 0,
        maxAgeBoost: Double = .infinity
    ) throws -> Machine {
        let graph = try DependencyGraph<String>.flowFixture(nodes)
        var machine = try Machine(
            graph: graph, tasks: identityTasks(nodes.map(\.0)), priority: { key, _ in priorities[key] ?? 0 },
            agingRate: agingRate, maxAgeBoost: maxAgeBoost, sourceName: "test")
        _ = machine.settle(now: 0)
        return machine
    }

    func element(_ attempt: PullAttempt<String>) -> String? {
        if case .element(let value) = attempt { return value }
        return nil
    }

    func isFinished(_ attempt: PullAttempt<String>) -> Bool {
        if case .finished = attempt { return true }
        return false
    }

    func isEmpty(_ attempt: PullAttempt<String>) -> Bool {
        if case .empty = attempt { return true }
        return false
    }

    /// Takes everything queued, best first.
    func takeAll(_ machine: inout Machine, now: Double = 0) -> [String] {
        var taken: [String] = []
        while let key = element(machine.take(now: now)) { taken.append(key) }
        return taken
    }

    // MARK: - Creation

    @Test func aMissingTaskIsRejected() throws {
        let error = #expect(throws: SourceError.self) {
            _ = try Machine(
                graph: try DependencyGraph<String>.flowFixture([("a", []), ("b", ["a"])]), tasks: ["a": "a"],
                priority: { _, _ in 0 }, agingRate: 0, maxAgeBoost: 0,
                sourceName: "test")
        }
        #expect(error?.code == .missingTask)
        #expect(error?.key == "b")
    }

    @Test func anEmptyGraphFinishesOnTheFirstSettle() throws {
        var machine = try Machine(
            graph: DependencyGraph<String>(), tasks: [:], priority: { _, _ in 0 }, agingRate: 0, maxAgeBoost: 0,
            sourceName: "test")
        #expect(!machine.isFinished)
        let settlement = machine.settle(now: 0)
        #expect(settlement.finished)
        #expect(!settlement.madeAvailable)
        #expect(isFinished(machine.take(now: 0)))
    }

    @Test func rootsAreQueuedByTheFirstSettleAndNothingElse() throws {
        var machine = try machine([("a", []), ("b", []), ("c", ["a"])])
        #expect(machine.queueSize == 2)
        #expect(Set(takeAll(&machine)) == ["a", "b"])
        #expect(isEmpty(machine.take(now: 0)))
    }

    // MARK: - Order

    @Test func higherPriorityFirstThenInsertionOrder() throws {
        var machine = try machine(
            [("low", []), ("high", []), ("tie1", []), ("tie2", [])],
            priorities: ["low": 1, "high": 9, "tie1": 5, "tie2": 5])
        #expect(machine.peekKey(now: 0) == "high")
        #expect(machine.peekElement(now: 0) == "high")
        #expect(takeAll(&machine) == ["high", "tie1", "tie2", "low"])
    }

    @Test func agingLetsAnOldLowPriorityNodeOvertake() throws {
        var machine = try machine([("old", [])], priorities: ["old": 1, "new": 5], agingRate: 1, maxAgeBoost: 100)
        _ = try machine.addNode("new", dependencies: [], task: "new", priority: 5, now: 10, sourceName: "test")
        // At 10 ms: old = 1 + 10 = 11 beats new = 5 + 0.
        #expect(machine.usesTime)
        #expect(machine.peekKey(now: 10) == "old")
    }

    // MARK: - Transitions

    @Test func completingUnlocksDependentsAndFinishesAtTheEnd() throws {
        var machine = try machine([("a", []), ("b", ["a"]), ("c", ["a", "b"])])
        #expect(takeAll(&machine) == ["a"])
        let (unlocked, settlement) = try machine.complete("a", now: 0)
        #expect(unlocked.map { machine.graph.keys[Int($0)] } == ["b"])
        #expect(settlement.madeAvailable)
        #expect(!settlement.finished)
        #expect(takeAll(&machine) == ["b"])
        _ = try machine.complete("b", now: 0)
        #expect(takeAll(&machine) == ["c"])
        let (none, last) = try machine.complete("c", now: 0)
        #expect(none.isEmpty)
        #expect(last.finished)
        #expect(machine.isFinished)
        #expect(isFinished(machine.take(now: 0)))
    }

    @Test func completingTwiceIsAnInvalidTransition() throws {
        var machine = try machine([("a", []), ("b", ["a"])])
        _ = takeAll(&machine)
        _ = try machine.complete("a", now: 0)
        let error = #expect(throws: GraphError.self) { _ = try machine.complete("a", now: 0) }
        #expect(error?.code == .invalidTransition)
    }

    @Test func completingANodeThatWasNotTakenIsAnInvalidTransition() throws {
        var machine = try machine([("a", [])])
        let error = #expect(throws: GraphError.self) { _ = try machine.complete("a", now: 0) }
        #expect(error?.code == .invalidTransition)
        #expect(machine.queueSize == 1, "a rejected transition changes nothing")
    }

    @Test func anUnknownKeyIsReported() throws {
        var machine = try machine([("a", [])])
        let error = #expect(throws: GraphError.self) { _ = try machine.fail("zzz", now: 0) }
        #expect(error?.code == .unknownKey)
    }

    @Test func aFailedNodeIsQueuedAgainAtOnce() throws {
        var machine = try machine([("a", [])])
        #expect(takeAll(&machine) == ["a"])
        let settlement = try machine.fail("a", now: 0)
        #expect(settlement.madeAvailable)
        #expect(takeAll(&machine) == ["a"])
    }

    @Test func aDelayedRetryWaitsForItsDeadline() throws {
        var machine = try machine([("a", []), ("b", [])])
        #expect(takeAll(&machine) == ["a", "b"])
        _ = try machine.fail("a", retryAt: .milliseconds(50), now: 0)
        #expect(machine.isRetryPending("a"))
        #expect(machine.pendingRetryCount == 1)
        #expect(machine.nextRetryDeadline == .milliseconds(50))
        #expect(isEmpty(machine.take(now: 0)))
        #expect(!machine.releaseDueRetries(at: .milliseconds(49), now: 49).madeAvailable)
        #expect(machine.releaseDueRetries(at: .milliseconds(50), now: 50).madeAvailable)
        #expect(!machine.isRetryPending("a"))
        #expect(machine.nextRetryDeadline == nil)
        #expect(takeAll(&machine, now: 50) == ["a"])
    }

    @Test func aDelayedRetryOfANodeThatIsNotRunningIsRejected() throws {
        var machine = try machine([("a", [])])
        let error = #expect(throws: GraphError.self) { _ = try machine.fail("a", retryAt: .seconds(1), now: 0) }
        #expect(error?.code == .invalidTransition)
        #expect(machine.pendingRetryCount == 0)
    }

    @Test func abortingRemovesTheNodeItsDependentsAndTheirRetries() throws {
        var machine = try machine([("a", []), ("b", ["a"]), ("c", [])])
        #expect(takeAll(&machine) == ["a", "c"])
        _ = try machine.fail("a", retryAt: .seconds(1), now: 0)
        let (aborted, settlement) = try machine.abort("a", now: 0)
        #expect(aborted == ["a", "b"])
        #expect(machine.pendingRetryCount == 0)
        #expect(!settlement.finished, "c is still running")
        _ = try machine.complete("c", now: 0)
        #expect(machine.isFinished)
    }

    @Test func abortingAQueuedNodeTakesItOutOfTheQueue() throws {
        var machine = try machine([("a", []), ("b", [])])
        _ = try machine.abort("a", now: 0)
        #expect(takeAll(&machine) == ["b"])
    }

    @Test func abortingACompletedNodeAbortsNothing() throws {
        var machine = try machine([("a", []), ("b", [])])
        _ = takeAll(&machine)
        _ = try machine.complete("a", now: 0)
        let (aborted, _) = try machine.abort("a", now: 0)
        #expect(aborted.isEmpty)
    }

    // MARK: - Adding nodes

    @Test func anAddedNodeIsQueuedWhenReadyOrWhenItsDependencyCompletes() throws {
        var machine = try machine([("a", [])])
        _ = takeAll(&machine)
        let pending = try machine.addNode(
            "b", dependencies: ["a"], task: "b", priority: nil, now: 0, sourceName: "test")
        #expect(!pending.madeAvailable)
        let ready = try machine.addNode("c", dependencies: [], task: "c", priority: 2, now: 0, sourceName: "test")
        #expect(ready.madeAvailable)
        _ = try machine.complete("a", now: 0)
        #expect(takeAll(&machine) == ["c", "b"])
    }

    @Test func addingToAFinishedSourceIsRejected() throws {
        var machine = try machine([("a", [])])
        _ = takeAll(&machine)
        _ = try machine.complete("a", now: 0)
        #expect(machine.isFinished)
        let error = #expect(throws: SourceError.self) {
            _ = try machine.addNode("late", dependencies: [], task: "late", priority: nil, now: 0, sourceName: "test")
        }
        #expect(error?.code == .finished)
    }

    @Test func addingADuplicateKeyIsRejected() throws {
        var machine = try machine([("a", [])])
        let error = #expect(throws: GraphError.self) {
            _ = try machine.addNode("a", dependencies: [], task: "a", priority: nil, now: 0, sourceName: "test")
        }
        #expect(error?.code == .duplicateKey)
    }

    // MARK: - Waiting consumers

    @Test func aParkedConsumerGetsTheNextReadyTask() async throws {
        var machine = try machine([("a", []), ("b", ["a"])])
        _ = takeAll(&machine)
        let delivered = await withCheckedContinuation { (consumer: CheckedContinuation<String?, Never>) in
            #expect(machine.takeOrPark(id: 1, continuation: consumer, now: 0) == nil)
            #expect(machine.waiterCount == 1)
            let settlement = try? machine.complete("a", now: 0).1
            #expect(settlement?.deliveries.map(\.value) == ["b"])
            #expect(machine.queueSize == 0, "the task went straight to the consumer")
            settlement?.deliveries.forEach { $0.resume() }
        }
        #expect(delivered == "b")
        #expect(machine.waiterCount == 0)
    }

    @Test func theEndReleasesEveryParkedConsumerWithNil() async throws {
        var machine = try machine([("a", [])])
        _ = takeAll(&machine)
        let delivered = await withCheckedContinuation { (consumer: CheckedContinuation<String?, Never>) in
            #expect(machine.takeOrPark(id: 1, continuation: consumer, now: 0) == nil)
            let settlement = try? machine.complete("a", now: 0).1
            #expect(settlement?.finished == true)
            #expect(settlement?.deliveries.count == 1)
            settlement?.deliveries.forEach { $0.resume() }
        }
        #expect(delivered == nil)
    }

    @Test func aRemovedConsumerIsNotServed() async throws {
        var machine = try machine([("a", []), ("b", ["a"])])
        _ = takeAll(&machine)
        let delivered = await withCheckedContinuation { (consumer: CheckedContinuation<String?, Never>) in
            #expect(machine.takeOrPark(id: 1, continuation: consumer, now: 0) == nil)
            let removed = machine.removeWaiter(id: 1)
            let settlement = try? machine.complete("a", now: 0).1
            #expect(settlement?.deliveries.isEmpty == true)
            removed?.resume(returning: nil)
        }
        #expect(delivered == nil)
        #expect(takeAll(&machine) == ["b"], "the task stayed queued")
    }
}
