import Synchronization
import Testing

@testable import AsyncStreams

@Suite(.timeLimit(.minutes(1))) struct BroadcastTests {
    /// Counts listener calls.
    final class Counter: Sendable {
        private let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
        func increment() { count.withLock { $0 += 1 } }
    }

    @Test func listenerIsCalledOnEveryNotifyAndOnceAtFinish() {
        let broadcast = Broadcast()
        let counter = Counter()
        _ = broadcast.addListener { counter.increment() }
        broadcast.notify()
        broadcast.notify()
        #expect(counter.value == 2)
        broadcast.finish()
        #expect(counter.value == 3)
        broadcast.notify()  // finished: listeners were dropped
        #expect(counter.value == 3)
    }

    @Test func unregisteredListenerIsNotCalled() {
        let broadcast = Broadcast()
        let kept = Counter()
        let dropped = Counter()
        _ = broadcast.addListener { kept.increment() }
        let stop = broadcast.addListener { dropped.increment() }
        stop()
        broadcast.notify()
        #expect(kept.value == 1)
        #expect(dropped.value == 0)
    }

    @Test func listenerAddedAfterFinishIsCalledOnceAtOnce() {
        let broadcast = Broadcast()
        broadcast.finish()
        let counter = Counter()
        _ = broadcast.addListener { counter.increment() }
        #expect(counter.value == 1)
        broadcast.notify()
        #expect(counter.value == 1)
    }

    @Test func subscribersAndListenersAreBothWoken() async {
        let broadcast = Broadcast()
        let counter = Counter()
        var subscription = broadcast.subscribe().makeAsyncIterator()
        _ = broadcast.addListener { counter.increment() }
        broadcast.notify()
        #expect(await subscription.next() != nil)
        #expect(counter.value == 1)
        broadcast.finish()
        #expect(await subscription.next() == nil)
    }
}
