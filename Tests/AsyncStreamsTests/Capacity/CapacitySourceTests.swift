import AsyncStreams
import Synchronization
import Testing

/// Waits until `source` has `count` suspended acquirers, without sleeping; fails the test after a deadline.
private func waitForWaiters(
    _ source: CapacitySource, count: Int, sourceLocation: SourceLocation = #_sourceLocation
) async {
    await waitUntil("\(count) acquirers are suspended", sourceLocation: sourceLocation) {
        source.waiterCount >= count
    }
}

@Suite(.timeLimit(.minutes(1))) struct CapacitySourceTests {
    @Test func fourthAcquireSuspendsUntilRelease() async throws {
        let parent = CapacitySource(10)
        let child = CapacitySource(3, parent: parent)
        #expect(try await child.acquire() == 2)
        #expect(try await child.acquire() == 1)
        #expect(try await child.acquire() == 0)
        #expect(parent.currentCapacity == 7)
        #expect(child.peek() == nil)
        let fourth = Task { try await child.acquire() }
        await waitForWaiters(child, count: 1)
        child.release()
        #expect(try await fourth.value(within: "the fourth task to finish") == 0)
        #expect(parent.currentCapacity == 7)
        #expect(child.waiterCount == 0)
    }

    @Test func eleventhAcquireSuspendsOnGlobalLimit() async throws {
        let parent = CapacitySource(10)
        let children = (0..<10).map { _ in CapacitySource(3, parent: parent) }
        for index in 0..<10 { _ = try await children[index % 10].acquire() }
        #expect(parent.currentCapacity == 0)
        #expect(children[0].peek() == nil)
        let eleventh = Task { try await children[0].acquire() }
        await waitForWaiters(children[0], count: 1)
        children[5].release()  // a sibling's release wakes the waiter blocked by the parent
        #expect(try await eleventh.value(within: "the eleventh task to finish") == 1)
        #expect(parent.currentCapacity == 0)
    }

    @Test func releaseResumesExactlyOneWaiterPerUnit() async throws {
        let source = CapacitySource(1)
        _ = try await source.acquire()
        let first = Task { try await source.acquire() }
        await waitForWaiters(source, count: 1)
        let second = Task { try await source.acquire() }
        await waitForWaiters(source, count: 2)
        source.release()
        #expect(try await first.value(within: "the first task to finish") == 0)
        #expect(source.waiterCount == 1)  // FIFO: the second is still waiting
        source.release()
        #expect(try await second.value(within: "the second task to finish") == 0)
    }

    @Test func releaseClampsAtMaximum() {
        let parent = CapacitySource(2)
        let child = CapacitySource(1, parent: parent)
        child.release()
        child.release()
        #expect(child.currentCapacity == 1)
        #expect(parent.currentCapacity == 2)
        #expect(child.maxCapacity == 1)
    }

    @Test func peekReturnsCurrentCapacityWhenAcquirable() async throws {
        let parent = CapacitySource(1)
        let child = CapacitySource(3, parent: parent)
        #expect(child.peek() == 3)
        let other = CapacitySource(3, parent: parent)
        _ = try await other.acquire()
        #expect(child.peek() == nil)  // the parent is exhausted
        #expect(child.currentCapacity == 3)
    }

    @Test func cancelledAcquireThrowsAndTakesNothing() async throws {
        let source = CapacitySource(1)
        _ = try await source.acquire()
        let waiter = Task { try await source.acquire() }
        await waitForWaiters(source, count: 1)
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value(within: "the waiter task to finish") }
        #expect(source.waiterCount == 0)
        source.release()
        #expect(source.currentCapacity == 1)
    }

    @Test func changesWakeSubscribersBelowTheReleasingLevel() async throws {
        let parent = CapacitySource(1)
        let left = CapacitySource(1, parent: parent)
        let right = CapacitySource(1, parent: parent)
        var leftChanges = left.changes().makeAsyncIterator()
        _ = try await right.acquire()
        right.release()
        let woke: Void? = await leftChanges.next()
        #expect(woke != nil)
    }

    @Test func concurrentAcquirersRespectEveryLevelAndReturnAllUnits() async throws {
        let root = CapacitySource(4)
        let middles = (0..<2).map { _ in CapacitySource(3, parent: root) }
        let leaves = (0..<4).map { CapacitySource(2, parent: middles[$0 / 2]) }
        let holders = Holders()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<100 {
                group.addTask {
                    var random = SplitMix64(seed: UInt64(worker))
                    for _ in 0..<20 {
                        let leaf = leaves[Int.random(in: 0..<leaves.count, using: &random)]
                        _ = try await leaf.acquire()
                        holders.enter()
                        await Task.yield()
                        holders.leave()
                        leaf.release()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(holders.peak <= 4)
        #expect(holders.peak > 0)
        for source in [root] + middles + leaves {
            #expect(source.currentCapacity == source.maxCapacity)
            #expect(source.waiterCount == 0)
        }
    }
}

/// Counts concurrent holders and remembers the peak.
private final class Holders: Sendable {
    private let state = Mutex((current: 0, peak: 0))

    func enter() {
        state.withLock {
            $0.current += 1
            $0.peak = max($0.peak, $0.current)
        }
    }

    func leave() { state.withLock { $0.current -= 1 } }

    var peak: Int { state.withLock { $0.peak } }
}
