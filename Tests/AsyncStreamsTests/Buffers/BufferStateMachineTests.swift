import Testing

@testable import AsyncStreams

/// The buffer's state machine fed synchronously. Parking a consumer needs a continuation: those tests make
/// one with `withCheckedContinuation` and let the machine's returned deliveries resume it (no task, no
/// clock).
@Suite(.timeLimit(.minutes(1))) struct BufferStateMachineTests {
    typealias Machine = BufferStateMachine<Int>

    func element(_ attempt: PullAttempt<Int>) -> Int? {
        if case .element(let value) = attempt { return value }
        return nil
    }

    func isFinished(_ attempt: PullAttempt<Int>) -> Bool {
        if case .finished = attempt { return true }
        return false
    }

    func isEmpty(_ attempt: PullAttempt<Int>) -> Bool {
        if case .empty = attempt { return true }
        return false
    }

    // MARK: - Taking

    @Test func fifoTakesInArrivalOrder() {
        var machine = Machine(items: [1, 2], isClosing: false, mode: .fifo)
        #expect(machine.append(3) != nil)
        #expect(machine.head == 1)
        #expect([machine.take(), machine.take(), machine.take()].map(element) == [1, 2, 3])
        #expect(isEmpty(machine.take()))
    }

    @Test func lifoTakesTheNewestFirst() {
        var machine = Machine(items: [1, 2], isClosing: false, mode: .lifo)
        _ = machine.append(3)
        #expect(machine.head == 3)
        #expect([machine.take(), machine.take(), machine.take()].map(element) == [3, 2, 1])
    }

    @Test func anEmptyOpenBufferIsEmptyNotFinished() {
        var machine = Machine(items: [], isClosing: false, mode: .fifo)
        #expect(machine.head == nil)
        #expect(isEmpty(machine.take()))
        #expect(!machine.isDone)
    }

    @Test func anEmptyOneShotBufferIsFinishedAtOnce() {
        var machine = Machine(items: [], isClosing: true, mode: .fifo)
        #expect(machine.isDone)
        #expect(isFinished(machine.take()))
        #expect(machine.append(1) == nil)
    }

    @Test func aOneShotBufferFinishesWhenItsLastItemIsTaken() {
        var machine = Machine(items: [7], isClosing: true, mode: .fifo)
        #expect(!machine.isDone)
        #expect(element(machine.take()) == 7)
        #expect(machine.isDone)
        #expect(isFinished(machine.take()))
    }

    @Test func takeWhereTakesTheHeadOnlyWhenThePredicateAccepts() {
        var machine = Machine(items: [1, 2], isClosing: false, mode: .fifo)
        #expect(machine.take(where: { $0 == 2 }) == nil)
        #expect(Array(machine.items) == [1, 2])
        #expect(machine.take(where: { $0 == 1 }) == 1)
        #expect(Array(machine.items) == [2])
    }

    @Test func takeWhereOnAnEmptyBufferAsksNothing() {
        var machine = Machine(items: [], isClosing: false, mode: .fifo)
        #expect(
            machine.take(where: { _ in
                Issue.record("no head to judge"); return true
            }) == nil)
    }

    // MARK: - Closing

    @Test func gracefulCloseDrainsFirst() {
        var machine = Machine(items: [1, 2], isClosing: false, mode: .fifo)
        #expect(machine.close(sealing: false).isEmpty)
        #expect(machine.isClosing)
        #expect(!machine.isDone)
        #expect(element(machine.take()) == 1)
        #expect(machine.append(3) != nil, "an unsealed closing buffer still accepts appends until drained")
        #expect(element(machine.take()) == 2)
        #expect(element(machine.take()) == 3)
        #expect(isFinished(machine.take()))
    }

    @Test func sealedCloseRejectsAppends() {
        var machine = Machine(items: [1], isClosing: false, mode: .fifo)
        _ = machine.close(sealing: true)
        #expect(machine.isSealed)
        #expect(machine.append(2) == nil)
        #expect(Array(machine.items) == [1])
        #expect(element(machine.take()) == 1)
        #expect(machine.isDone)
    }

    @Test func closingTwiceChangesNothing() {
        var machine = Machine(items: [], isClosing: false, mode: .fifo)
        #expect(machine.close(sealing: false).isEmpty)
        #expect(machine.isDone)
        #expect(machine.close(sealing: false).isEmpty)
        #expect(machine.closeInterrupt().isEmpty)
        #expect(machine.isDone)
    }

    @Test func interruptFinishesAtOnceAndKeepsItemsReadableButUnpullable() {
        var machine = Machine(items: [1, 2], isClosing: false, mode: .fifo)
        #expect(machine.closeInterrupt().isEmpty)
        #expect(machine.isDone)
        #expect(Array(machine.items) == [1, 2])
        #expect(machine.head == nil)
        #expect(isFinished(machine.take()))
        #expect(machine.append(3) == nil)
    }

    @Test func replacingItemsAfterTheEndIsIgnored() {
        var machine = Machine(items: [1], isClosing: false, mode: .fifo)
        _ = machine.closeInterrupt()
        #expect(machine.replaceItems(with: [5, 6]) == nil)
        #expect(Array(machine.items) == [1])
    }

    @Test func replacingAClosingBufferWithNothingFinishesIt() {
        var machine = Machine(items: [1], isClosing: false, mode: .fifo)
        _ = machine.close(sealing: false)
        #expect(machine.replaceItems(with: [])?.isEmpty == true)
        #expect(machine.isDone)
    }

    @Test func replacingItemsChangesTheOrderOfWhatIsLeft() {
        var machine = Machine(items: [1, 2], isClosing: false, mode: .fifo)
        #expect(machine.replaceItems(with: [9, 8])?.isEmpty == true)
        #expect([machine.take(), machine.take()].map(element) == [9, 8])
    }

    // MARK: - Waiting consumers

    @Test func anAppendGoesStraightToAParkedConsumer() async {
        var machine = Machine(items: [], isClosing: false, mode: .fifo)
        let value = await withCheckedContinuation { (consumer: CheckedContinuation<Int?, Never>) in
            #expect(machine.takeOrPark(id: 1, continuation: consumer) == nil)
            #expect(machine.waiterCount == 1)
            let deliveries = machine.append(5)
            #expect(deliveries?.count == 1)
            #expect(machine.items.isEmpty, "the item was handed over, not buffered")
            deliveries?.forEach { $0.resume() }
        }
        #expect(value == 5)
        #expect(machine.waiterCount == 0)
    }

    @Test func takeOrParkAnswersAtOnceWhenAnItemOrTheEndIsThere() async {
        var machine = Machine(items: [4], isClosing: true, mode: .fifo)
        let first = await withCheckedContinuation { (consumer: CheckedContinuation<Int?, Never>) in
            let answer = machine.takeOrPark(id: 1, continuation: consumer)
            #expect(answer == .some(4))
            consumer.resume(returning: answer ?? nil)
        }
        let second = await withCheckedContinuation { (consumer: CheckedContinuation<Int?, Never>) in
            let answer = machine.takeOrPark(id: 2, continuation: consumer)
            #expect(answer == .some(nil), "a finished buffer answers nil without parking")
            consumer.resume(returning: answer ?? 0)
        }
        #expect(first == 4)
        #expect(second == nil)
        #expect(machine.waiterCount == 0)
    }

    @Test func closingReleasesEveryParkedConsumerWithNil() async {
        var machine = Machine(items: [], isClosing: false, mode: .fifo)
        let value = await withCheckedContinuation { (consumer: CheckedContinuation<Int?, Never>) in
            #expect(machine.takeOrPark(id: 1, continuation: consumer) == nil)
            let deliveries = machine.close(sealing: true)
            #expect(deliveries.count == 1)
            #expect(deliveries.first?.value == nil)
            deliveries.forEach { $0.resume() }
        }
        #expect(value == nil)
        #expect(machine.isDone)
        #expect(machine.waiterCount == 0)
    }

    @Test func aRemovedConsumerIsNotServed() async {
        var machine = Machine(items: [], isClosing: false, mode: .fifo)
        let value = await withCheckedContinuation { (consumer: CheckedContinuation<Int?, Never>) in
            #expect(machine.takeOrPark(id: 1, continuation: consumer) == nil)
            let removed = machine.removeWaiter(id: 1)
            #expect(removed != nil)
            #expect(machine.removeWaiter(id: 1) == nil, "removing twice finds nothing")
            #expect(machine.append(5)?.isEmpty == true, "nobody waits: the item is buffered")
            removed?.resume(returning: nil)
        }
        #expect(value == nil)
        #expect(Array(machine.items) == [5])
    }

    @Test func replacingItemsServesParkedConsumersInOrder() async {
        var machine = Machine(items: [], isClosing: false, mode: .fifo)
        let first = await withCheckedContinuation { (one: CheckedContinuation<Int?, Never>) in
            #expect(machine.takeOrPark(id: 1, continuation: one) == nil)
            let deliveries = machine.replaceItems(with: [8, 9]) ?? []
            #expect(deliveries.map(\.value) == [8])
            #expect(Array(machine.items) == [9])
            deliveries.forEach { $0.resume() }
        }
        #expect(first == 8)
    }
}
