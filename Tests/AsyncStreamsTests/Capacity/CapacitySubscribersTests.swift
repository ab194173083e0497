import Synchronization
import Testing

@testable import AsyncStreams

/// The subscriber registry alone, fed synchronously. Parking needs a continuation, so those tests create
/// one with `withUnsafeContinuation` and resume it themselves: no task, no clock.
@Suite(.timeLimit(.minutes(1))) struct CapacitySubscribersTests {
    /// root(0) → a(1) → a1(3); root(0) → b(2).
    func tree() -> CapacitySubscribers {
        var registry = CapacitySubscribers()
        let root = registry.addNode(parent: nil)
        let a = registry.addNode(parent: root)
        _ = registry.addNode(parent: root)
        _ = registry.addNode(parent: a)
        return registry
    }

    /// Counts the calls of the listeners it makes.
    final class Calls: Sendable {
        private let count = Atomic(0)
        var value: Int { count.load(ordering: .relaxed) }
        func listener() -> @Sendable () -> Void { { self.count.add(1, ordering: .relaxed) } }
    }

    @Test func anEmptyRegistryWakesNobody() {
        var registry = tree()
        var targets = WakeList()
        registry.wake(inSubtreeOf: 0, into: &targets)
        #expect(targets.count == 0)
        #expect(registry.count == 0)
        #expect(registry.nodeCount == 4)
    }

    @Test func subscriberIDsAreDistinctAndCounted() {
        var registry = tree()
        let first = registry.subscribe(at: 1)
        let second = registry.subscribe(at: 1)
        #expect(first != second)
        #expect(registry.count == 2)
        #expect(registry.unsubscribe(first, at: 1) == nil)
        #expect(registry.count == 1)
    }

    @Test func unsubscribingAnUnknownIDChangesNothing() {
        var registry = tree()
        let id = registry.subscribe(at: 1)
        #expect(registry.unsubscribe(id + 100, at: 1) == nil)
        #expect(registry.unsubscribe(id, at: 2) == nil)
        #expect(registry.count == 1)
    }

    @Test func aWakeReachesTheNodeAndItsDescendantsOnly() {
        var registry = tree()
        let calls = (root: Calls(), a: Calls(), b: Calls(), a1: Calls())
        _ = registry.subscribe(at: 0, listener: calls.root.listener())
        _ = registry.subscribe(at: 1, listener: calls.a.listener())
        _ = registry.subscribe(at: 2, listener: calls.b.listener())
        _ = registry.subscribe(at: 3, listener: calls.a1.listener())
        var targets = WakeList()
        registry.wake(inSubtreeOf: 1, into: &targets)
        #expect(targets.count == 2)
        #expect(calls.a.value == 0, "listeners are called only when the list is fired, after unlocking")
        targets.fire()
        #expect([calls.root.value, calls.a.value, calls.b.value, calls.a1.value] == [0, 1, 0, 1])
    }

    @Test func aNegativeNodeWakesNobody() {
        var registry = tree()
        let calls = Calls()
        _ = registry.subscribe(at: 0, listener: calls.listener())
        var targets = WakeList()
        registry.wake(inSubtreeOf: -1, into: &targets)
        targets.fire()
        #expect(calls.value == 0)
    }

    @Test func aRemovedListenerIsNotCalled() {
        var registry = tree()
        let calls = Calls()
        let id = registry.subscribe(at: 2, listener: calls.listener())
        _ = registry.unsubscribe(id, at: 2)
        var targets = WakeList()
        registry.wake(inSubtreeOf: 0, into: &targets)
        targets.fire()
        #expect(calls.value == 0)
    }

    @Test func wakesWithoutAWaiterCoalesceIntoOnePendingWake() async {
        var registry = tree()
        let id = registry.subscribe(at: 3)
        var targets = WakeList()
        registry.wake(inSubtreeOf: 0, into: &targets)
        registry.wake(inSubtreeOf: 1, into: &targets)
        #expect(targets.count == 0, "nobody is parked: the wake-up is only marked")
        #expect(registry.isPending(id, at: 3))
        let first = await withUnsafeContinuation { (waiter: Subscriber.Waiter) in
            #expect(registry.nextWake(id, at: 3, waiter: waiter) == true)
            waiter.resume(returning: true)
        }
        #expect(first)
        #expect(!registry.isPending(id, at: 3), "the pending wake-up was consumed")
    }

    @Test func aParkedWaiterIsHandedOutOnTheNextWake() async {
        var registry = tree()
        let id = registry.subscribe(at: 2)
        var targets = WakeList()
        let woken = await withUnsafeContinuation { (waiter: Subscriber.Waiter) in
            #expect(registry.nextWake(id, at: 2, waiter: waiter) == nil)
            registry.wake(inSubtreeOf: 0, into: &targets)
            #expect(targets.count == 1)
            targets.fire()
        }
        #expect(woken)
        #expect(!registry.isPending(id, at: 2), "a delivered wake-up leaves nothing pending")
    }

    @Test func unsubscribingReturnsTheParkedWaiter() async {
        var registry = tree()
        let id = registry.subscribe(at: 1)
        let woken = await withUnsafeContinuation { (waiter: Subscriber.Waiter) in
            #expect(registry.nextWake(id, at: 1, waiter: waiter) == nil)
            let parked = registry.unsubscribe(id, at: 1)
            #expect(parked != nil)
            parked?.resume(returning: false)
        }
        #expect(!woken)
        #expect(registry.count == 0)
    }

    @Test func aGoneSubscriberGetsFalseAtOnce() async {
        var registry = tree()
        let id = registry.subscribe(at: 1)
        _ = registry.unsubscribe(id, at: 1)
        let next = await withUnsafeContinuation { (waiter: Subscriber.Waiter) in
            let answer = registry.nextWake(id, at: 1, waiter: waiter)
            #expect(answer == false)
            waiter.resume(returning: answer ?? true)
        }
        #expect(!next)
    }
}
