import Synchronization
import Testing

@testable import AsyncStreams

/// The books and the subscribers together, as one tree's lock holds them: which operations wake whom.
@Suite struct CapacityTreeStateTests {
    /// Counts the calls of one listener.
    final class Calls: Sendable {
        private let count = Atomic(0)
        var value: Int { count.load(ordering: .relaxed) }
        func listener() -> @Sendable () -> Void { { self.count.add(1, ordering: .relaxed) } }
    }

    /// global `{gpu: 16}` with two teams `{gpu: 8}`, each with a listener.
    struct Fixture {
        var state = CapacityTreeState()
        let global: Int
        let teamA: Int
        let teamB: Int
        let callsA = Calls()
        let callsB = Calls()

        init() {
            global = state.addNode(limits: ["gpu": 16], parent: nil, restoresOnRelease: true)
            teamA = state.addNode(limits: ["gpu": 8], parent: global, restoresOnRelease: true)
            teamB = state.addNode(limits: ["gpu": 8], parent: global, restoresOnRelease: true)
            _ = state.subscribers.subscribe(at: teamA, listener: callsA.listener())
            _ = state.subscribers.subscribe(at: teamB, listener: callsB.listener())
        }

        var calls: [Int] { [callsA.value, callsB.value] }
    }

    @Test func aNodeHasTheSameIndexInTheBooksAndTheRegistry() {
        var state = CapacityTreeState()
        #expect(state.nodeCount == 0)
        let root = state.addNode(limits: ["gpu": 1], parent: nil, restoresOnRelease: true)
        let child = state.addNode(limits: [:], parent: root, restoresOnRelease: false)
        #expect([root, child] == [0, 1])
        #expect(state.nodeCount == 2)
        #expect(state.books.nodeCount == 2)
        #expect(state.subscribers.nodeCount == 2)
    }

    @Test func aReleaseThatFreesTheParentWakesTheSiblingsToo() {
        var fixture = Fixture()
        #expect(fixture.state.books.tryTake(["gpu": 8], at: fixture.teamA) == true)
        #expect(fixture.state.books.tryTake(["gpu": 8], at: fixture.teamB) == true)
        var targets = WakeList()
        fixture.state.release(["gpu": 2], at: fixture.teamA, waking: &targets)
        targets.fire()
        // Team B was blocked by the global budget as much as by its own: it must look again.
        #expect(fixture.calls == [1, 1])
        #expect(fixture.state.books.available(at: fixture.global) == ["gpu": 2])
    }

    @Test func aReleaseThatFreesOnlyTheCallerWakesOnlyItsSubtree() {
        var fixture = Fixture()
        let ownKey = fixture.state.addNode(limits: ["cpu": 2], parent: fixture.teamA, restoresOnRelease: true)
        let calls = Calls()
        _ = fixture.state.subscribers.subscribe(at: ownKey, listener: calls.listener())
        #expect(fixture.state.books.tryTake(["cpu": 1], at: ownKey) == true)
        var targets = WakeList()
        fixture.state.release(["cpu": 1], at: ownKey, waking: &targets)
        targets.fire()
        #expect(calls.value == 1)
        #expect(fixture.calls == [0, 0])
    }

    @Test func aReleaseThatFreesNothingWakesNobody() {
        var fixture = Fixture()
        var targets = WakeList()
        fixture.state.release(["gpu": 3], at: fixture.teamA, waking: &targets)
        fixture.state.release(.zero, at: fixture.teamB, waking: &targets)
        #expect(targets.count == 0)
    }

    @Test func aReleaseThroughAQuotaWakesFromTheLevelAboveIt() {
        var state = CapacityTreeState()
        let global = state.addNode(limits: ["requests": 10], parent: nil, restoresOnRelease: true)
        let quota = state.addNode(limits: ["requests": 100], parent: global, restoresOnRelease: false)
        let pool = state.addNode(limits: ["requests": 5], parent: quota, restoresOnRelease: true)
        let calls = Calls()
        _ = state.subscribers.subscribe(at: pool, listener: calls.listener())
        #expect(state.books.tryTake(["requests": 1], at: pool) == true)
        var targets = WakeList()
        state.release(["requests": 1], at: pool, waking: &targets)
        targets.fire()
        #expect(calls.value == 1)
        #expect(state.books.available(at: quota) == ["requests": 99])
        #expect(state.books.available(at: pool) == ["requests": 5])
    }

    @Test func reconcileWakesTheSubtreeOfTheHighestLevelThatGrew() {
        var fixture = Fixture()
        #expect(fixture.state.books.tryTake(["gpu": 6], at: fixture.teamA) == true)
        var targets = WakeList()
        fixture.state.reconcile(estimated: ["gpu": 6], actual: ["gpu": 2], at: fixture.teamA, waking: &targets)
        targets.fire()
        #expect(fixture.calls == [1, 1])
        #expect(fixture.state.books.available(at: fixture.teamA) == ["gpu": 6])
        #expect(fixture.state.books.available(at: fixture.global) == ["gpu": 14])
    }

    @Test func aDeficitOnlyReconcileWakesNobody() {
        var fixture = Fixture()
        var targets = WakeList()
        fixture.state.reconcile(estimated: ["gpu": 1], actual: ["gpu": 3], at: fixture.teamA, waking: &targets)
        #expect(targets.count == 0)
        #expect(fixture.state.books.available(at: fixture.teamA) == ["gpu": 6])
    }

    @Test func aLocalAdjustmentWakesTheNodeAndBelowAndReturnsItsLimits() {
        var fixture = Fixture()
        var targets = WakeList()
        let teamB = fixture.teamB
        let limits = fixture.state.adjust(at: teamB, waking: &targets) { books in books.setLimits(["gpu": 4], at: teamB)
        }
        targets.fire()
        #expect(limits == ["gpu": 4])
        #expect(fixture.calls == [0, 1])
        #expect(fixture.state.books.limits(at: fixture.global) == ["gpu": 16])
    }

    @Test func anAdjustmentAtTheRootWakesEveryNode() {
        var fixture = Fixture()
        var targets = WakeList()
        let global = fixture.global
        _ = fixture.state.adjust(at: global, waking: &targets) { books in books.refill(at: global) }
        targets.fire()
        #expect(fixture.calls == [1, 1])
    }
}
