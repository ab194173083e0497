import Testing

@testable import AsyncStreams

@Suite(.timeLimit(.minutes(1)))
struct PushPullBufferObjTests {
    @Test func valuesPushedBeforeConsumingArriveInOrder() async {
        let queue = PushPullBufferObj<Int>()
        for value in [1, 2, 3] { queue.sink.next(value) }
        queue.sink.return()
        var seen: [Int] = []
        for await value in queue.source { seen.append(value) }
        #expect(seen == [1, 2, 3])
    }

    @Test func waitingConsumerResumesOnPush() async throws {
        let queue = PushPullBufferObj<String>()
        let consumer = Task { await queue.source.first(where: { _ in true }) }
        await waitUntil("a consumer parks on the source") { queue.source.storage.waiterCount == 1 }
        #expect(queue.sink.next("x"))
        #expect(try await consumer.value(within: "the consumer task to finish") == "x")
    }

    @Test func thirtyPushesThenReturnDeliverAllAndEndLoop() async {
        let queue = PushPullBufferObj<Int>()
        for value in 0..<30 { queue.sink.next(value) }
        queue.sink.return()
        var seen: [Int] = []
        for await value in queue.source { seen.append(value) }
        #expect(seen == Array(0..<30))
        #expect(queue.source.isFinished)
    }

    @Test func returnOnEmptyBufferEndsWaitingConsumerPromptly() async throws {
        let queue = PushPullBufferObj<Int>()
        let consumer = Task { await queue.source.first(where: { _ in true }) }
        await waitUntil("a consumer parks on the source") { queue.source.storage.waiterCount == 1 }
        queue.sink.return()
        #expect(try await consumer.value(within: "the consumer task to finish") == nil)
    }

    @Test func peekEqualsNextPulledValueAndDoesNotConsume() async {
        let queue = PushPullBufferObj([4, 5])
        #expect(queue.peek() == 4)
        #expect(queue.source.peek() == 4)
        #expect(queue.count == 2)
        var iterator = queue.source.makeAsyncIterator()
        #expect(await iterator.next() == 4)
        #expect(queue.count == 1)
    }

    @Test func fastProducerGrowsBacklogWithoutDropping() async {
        let queue = PushPullBufferObj<Int>()
        for value in 0..<100 { queue.sink.next(value) }
        #expect(queue.count == 100)
        var iterator = queue.source.makeAsyncIterator()
        #expect(await iterator.next() == 0)
        for value in 100..<150 { queue.sink.next(value) }
        #expect(queue.count == 149)
        queue.sink.return()
        var rest: [Int] = []
        while let value = await iterator.next() { rest.append(value) }
        #expect(rest == Array(1..<150))
    }

    @Test func pushAfterReturnIsRejectedAndDropped() async {
        let queue = PushPullBufferObj([1])
        queue.sink.return()
        #expect(queue.sink.isClosed)
        #expect(queue.sink.next(2) == false)
        #expect(queue.buffer == [1])
        var seen: [Int] = []
        for await value in queue.source { seen.append(value) }
        #expect(seen == [1])
        #expect(queue.sink.next(3) == false)
    }

    @Test func sourceFinishesAfterReturnAndDrainAsTaskSource() {
        let queue = PushPullBufferObj([1, 2])
        queue.sink.return()
        #expect(!queue.source.isFinished)
        #expect(queue.source.take(where: { _ in true }) == 1)
        #expect(queue.source.take(where: { _ in false }) == nil)
        #expect(queue.source.take(where: { _ in true }) == 2)
        #expect(queue.source.isFinished)
    }

    @Test func runnerStyleConsumerFinishesAfterReturnAndDrain() async throws {
        let queue = PushPullBufferObj<Int>()
        let runner = Task { await drainLikeARunner(queue.source) }
        for value in 0..<50 { queue.sink.next(value) }
        queue.sink.return()
        #expect(try await runner.value(within: "the runner task to finish") == Array(0..<50))
        #expect(queue.source.isFinished)
    }

    @Test func changesWakeTheRunnerOnPush() async {
        let queue = PushPullBufferObj<Int>()
        var changes = queue.source.changes().makeAsyncIterator()
        queue.sink.next(1)
        #expect(await changes.next() != nil)
        #expect(queue.source.peek() == 1)
    }

    @Test func multipleConsumersReceiveEachValueExactlyOnce() async throws {
        let queue = PushPullBufferObj<Int>()
        let total = 3_000
        let consumers = (0..<3).map { _ in
            Task {
                var seen: [Int] = []
                for await value in queue.source { seen.append(value) }
                return seen
            }
        }
        for value in 0..<total { queue.sink.next(value) }
        queue.sink.return()
        var all: [Int] = []
        for consumer in consumers {
            let part = try await consumer.value(within: "the consumer task to finish")
            #expect(part == part.sorted(), "each consumer sees values in push order")
            all += part
        }
        #expect(all.sorted() == Array(0..<total))
    }

    @Test func manyProducersOneConsumerLoseNothing() async throws {
        let queue = PushPullBufferObj<Int>()
        let consumer = Task {
            var count = 0
            var sum = 0
            for await value in queue.source {
                count += 1
                sum += value
            }
            return (count, sum)
        }
        await withTaskGroup(of: Void.self) { group in
            for producer in 0..<6 {
                group.addTask {
                    for index in 0..<1_000 { queue.sink.next(producer * 1_000 + index) }
                }
            }
        }
        queue.sink.return()
        let (count, sum) = try await consumer.value(within: "the consumer task to finish")
        #expect(count == 6_000)
        #expect(sum == (0..<6_000).reduce(0, +))
    }
}
