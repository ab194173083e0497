import Testing

@testable import AsyncStreams

@Suite(.timeLimit(.minutes(1)))
struct SourceBufferObjTests {
    // MARK: - Behaviours

    @Test func oneShotYieldsItemsThenTerminates() async {
        let source = SourceBufferObj([10, 20, 30], oneShot: true)
        var seen: [Int] = []
        for await value in source { seen.append(value) }
        #expect(seen == [10, 20, 30])
        #expect(source.isDone)
        #expect(source.isFinished)
    }

    @Test func lifoOneShotPullsNewestFirst() async {
        let source = SourceBufferObj([1, 2, 3], oneShot: true, mode: .lifo)
        var iterator = source.makeAsyncIterator()
        #expect(await iterator.next() == 3)
        #expect(await iterator.next() == 2)
        #expect(await iterator.next() == 1)
        #expect(await iterator.next() == nil)
    }

    @Test(arguments: [BufferMode.fifo, .lifo])
    func peekReturnsNextPulledItemWithoutRemovingIt(mode: BufferMode) async {
        let source = SourceBufferObj([1, 2, 3], oneShot: true, mode: mode)
        let peeked = source.peek()
        #expect(peeked == (mode == .fifo ? 1 : 3))
        #expect(source.count == 3)
        var iterator = source.makeAsyncIterator()
        #expect(await iterator.next() == peeked)
        #expect(source.count == 2)
    }

    @Test func peekOnEmptyBufferIsNil() {
        #expect(SourceBufferObj<Int>().peek() == nil)
    }

    @Test func itemAppendedMidIterationIsYielded() async {
        let source = SourceBufferObj([1, 2], oneShot: true)
        var iterator = source.makeAsyncIterator()
        #expect(await iterator.next() == 1)
        #expect(source.append(3))
        #expect(await iterator.next() == 2)
        #expect(await iterator.next() == 3)
        #expect(await iterator.next() == nil)
    }

    @Test func settingBufferReplacesContents() async {
        let source = SourceBufferObj([1, 2], oneShot: true)
        source.buffer = [7, 8, 9]
        #expect(source.buffer == [7, 8, 9])
        var seen: [Int] = []
        for await value in source { seen.append(value) }
        #expect(seen == [7, 8, 9])
    }

    // MARK: - Empty, not one-shot: suspends

    @Test func emptyOpenBufferSuspendsPullUntilAppend() async throws {
        let source = SourceBufferObj<Int>()
        let consumer = Task { await source.first(where: { _ in true }) }
        await waitUntil("a consumer parks on the source") { source.storage.waiterCount == 1 }
        #expect(!source.isDone)
        source.append(42)
        #expect(try await consumer.value(within: "the consumer task to finish") == 42)
        #expect(source.count == 0)
    }

    @Test func emptyOpenBufferEndsWaitingPullOnClose() async throws {
        let source = SourceBufferObj<Int>()
        let consumer = Task { await source.first(where: { _ in true }) }
        await waitUntil("a consumer parks on the source") { source.storage.waiterCount == 1 }
        source.close()
        #expect(try await consumer.value(within: "the consumer task to finish") == nil)
        #expect(source.isDone)
    }

    @Test func settingBufferServesWaitingConsumer() async throws {
        let source = SourceBufferObj<Int>()
        let consumer = Task { await source.first(where: { _ in true }) }
        await waitUntil("a consumer parks on the source") { source.storage.waiterCount == 1 }
        source.buffer = [5, 6]
        #expect(try await consumer.value(within: "the consumer task to finish") == 5)
        #expect(source.buffer == [6])
    }

    @Test func drainedBufferRearmsForLaterAppends() async {
        // The Swift mapping of generator re-initialisation: the object stays alive and re-reads its buffer.
        let source = SourceBufferObj([1, 2], oneShot: false)
        var iterator = source.makeAsyncIterator()
        #expect(await iterator.next() == 1)
        #expect(await iterator.next() == 2)
        #expect(source.peek() == nil)
        #expect(!source.isDone)
        source.append(1)
        source.append(2)
        #expect(await iterator.next() == 1)
        #expect(await iterator.next() == 2)
    }

    // MARK: - Close / closeInterrupt

    @Test func closeDeliversBufferedItemsThenEnds() async {
        let source = SourceBufferObj([1, 2, 3], oneShot: false)
        source.close()
        #expect(source.isClosing)
        #expect(!source.isDone)
        var seen: [Int] = []
        for await value in source { seen.append(value) }
        #expect(seen == [1, 2, 3])
        #expect(source.isDone)
    }

    @Test func appendWhileClosingButNotDrainedIsDelivered() async {
        let source = SourceBufferObj([1], oneShot: false)
        source.close()
        #expect(source.append(2))
        var seen: [Int] = []
        for await value in source { seen.append(value) }
        #expect(seen == [1, 2])
        #expect(!source.append(3))
    }

    @Test func emptyingBufferOfClosingSourceFinishesIt() {
        let source = SourceBufferObj([1, 2], oneShot: true)
        source.buffer = []
        #expect(source.isDone)
    }

    @Test func closeInterruptIsDoneImmediately() async {
        let source = SourceBufferObj([1, 2, 3], oneShot: false)
        source.closeInterrupt()
        #expect(source.isDone)
        #expect(source.peek() == nil)
        var iterator = source.makeAsyncIterator()
        #expect(await iterator.next() == nil)
        #expect(source.buffer == [1, 2, 3])
    }

    @Test func closeInterruptEndsWaitingConsumer() async throws {
        let source = SourceBufferObj<Int>()
        let consumer = Task { await source.first(where: { _ in true }) }
        await waitUntil("a consumer parks on the source") { source.storage.waiterCount == 1 }
        source.closeInterrupt()
        #expect(try await consumer.value(within: "the consumer task to finish") == nil)
    }

    @Test func appendAfterDoneIsRejectedAndDropped() {
        let source = SourceBufferObj([1], oneShot: true)
        source.closeInterrupt()
        #expect(!source.append(2))
        source.buffer = [9]
        #expect(source.buffer == [1])
    }

    @Test func emptyOneShotBufferIsDoneAtOnce() {
        let source = SourceBufferObj<Int>([], oneShot: true)
        #expect(source.isDone)
    }

    // MARK: - Cancellation

    @Test func cancelledWaitingConsumerGetsNilAndLosesNothing() async throws {
        let source = SourceBufferObj<Int>()
        let consumer = Task { await source.first(where: { _ in true }) }
        await waitUntil("a consumer parks on the source") { source.storage.waiterCount == 1 }
        consumer.cancel()
        #expect(try await consumer.value(within: "the consumer task to finish") == nil)
        #expect(source.storage.waiterCount == 0)
        source.append(1)
        #expect(source.peek() == 1)
    }

    @Test func iteratorKeepsReturningNilAfterEnd() async {
        let source = SourceBufferObj([1], oneShot: true)
        var iterator = source.makeAsyncIterator()
        #expect(await iterator.next() == 1)
        #expect(await iterator.next() == nil)
        #expect(await iterator.next() == nil)
    }

    // MARK: - TaskSource

    @Test func takeWhereDeclinedLeavesHeadInPlace() {
        let source = SourceBufferObj([1, 2], oneShot: false)
        #expect(source.take(where: { _ in false }) == nil)
        #expect(source.peek() == 1)
        #expect(source.take(where: { $0 == 1 }) == 1)
        #expect(source.peek() == 2)
    }

    @Test func takeOfLastItemOfOneShotBufferFinishesIt() {
        let source = SourceBufferObj([1], oneShot: true)
        #expect(source.take(where: { _ in true }) == 1)
        #expect(source.isFinished)
    }

    @Test func changesWakeOnAppendAndEndWhenDone() async {
        let source = SourceBufferObj<Int>()
        var changes = source.changes().makeAsyncIterator()
        source.append(1)
        #expect(await changes.next() != nil)
        source.close()
        #expect(source.take(where: { _ in true }) == 1)
        #expect(source.isFinished)
        // At most one buffered wake-up remains, then the stream ends.
        var remaining = 0
        while await changes.next() != nil { remaining += 1 }
        #expect(remaining <= 1)
    }

    // MARK: - Concurrency

    @Test func manyProducersOneConsumerLoseAndDuplicateNothing() async throws {
        let source = SourceBufferObj<Int>()
        let producers = 8
        let perProducer = 2_000
        let consumer = Task {
            var seen: [Int] = []
            for await value in source { seen.append(value) }
            return seen
        }
        await withTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    for index in 0..<perProducer { source.append(producer * perProducer + index) }
                }
            }
        }
        source.close()
        let seen = try await consumer.value(within: "the consumer task to finish")
        #expect(seen.count == producers * perProducer)
        #expect(Set(seen) == Set(0..<(producers * perProducer)))
        for producer in 0..<producers {
            let own = seen.filter { $0 / perProducer == producer }
            #expect(own == own.sorted(), "per-producer FIFO order")
        }
    }

    @Test func concurrentConsumersEachReceiveDistinctItems() async {
        let source = SourceBufferObj<Int>()
        let total = 4_000
        let results = await withTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var seen: [Int] = []
                    for await value in source { seen.append(value) }
                    return seen
                }
            }
            group.addTask {
                for value in 0..<total { source.append(value) }
                source.close()
                return []
            }
            var all: [Int] = []
            for await part in group { all += part }
            return all
        }
        #expect(results.count == total)
        #expect(Set(results).count == total)
    }
}

@Suite(.timeLimit(.minutes(1))) struct SourceBufferObjChoiceTests {
    typealias Body = TaskBody<Never, Int>

    @Test func aOneShotBatchEndsTheRunAfterItsLastBody() async throws {
        let source = SourceBufferObj([Body.oneShot { 1 }, .oneShot { 2 }], oneShot: true)
        let runner = HierarchicalTaskPoolRunner(name: "batch", source: source, capacity: CapacitySource(2))
        let envelopes = try await runner.runTasks().collect()
        #expect(envelopes.compactMap(\.output).sorted() == [1, 2])
        #expect(source.isDone)
    }

    @Test func anOpenBufferKeepsTheRunWaitingForMoreUntilItIsClosed() async throws {
        let source = SourceBufferObj([Body.oneShot { 1 }], oneShot: false)
        let runner = HierarchicalTaskPoolRunner(name: "queue", source: source, capacity: CapacitySource(2))
        var iterator = runner.runTasks().makeAsyncIterator()
        #expect(try await iterator.next()?.output == 1)
        #expect(!source.isDone)
        source.append(.oneShot { 2 })
        #expect(try await iterator.next()?.output == 2)
        source.close()
        #expect(try await iterator.next() == nil)
    }

    @Test func theInitialiserWithoutItemsMakesAnOpenQueue() {
        let queue = SourceBufferObj<Int>()
        #expect(!queue.isClosing)
        #expect(queue.append(1))
        queue.close()
        #expect(queue.isClosing)
        #expect(!queue.isDone)
    }
}
