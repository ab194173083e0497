import Testing

@testable import AsyncStreams

/// The combiner's state machine fed synchronously: pumps deliver, consumers poll, and each call's effects
/// (pumps to start, demand to grant, consumers to wake) are checked. Parking needs a continuation: those
/// tests make one with `withCheckedContinuation` and resume it from the returned effects (no task, no
/// clock).
@Suite(.timeLimit(.minutes(1))) struct CombinerStateMachineTests {
    typealias Machine = CombinerStateMachine<Int>
    typealias Effects = Machine.Effects

    struct Boom: Error, Equatable {
        var id: Int
    }

    /// The value of a finished poll, or `nil` (recording an issue) for a wait or an error.
    func value(
        _ poll: Machine.Poll<Result<Int?, any Error>>, sourceLocation: SourceLocation = #_sourceLocation
    ) -> Int?? {
        guard case .done(.success(let value)) = poll else {
            Issue.record("expected a value, got \(poll)", sourceLocation: sourceLocation)
            return nil
        }
        return .some(value)
    }

    func error(_ poll: Machine.Poll<Result<Int?, any Error>>) -> (any Error)? {
        guard case .done(.failure(let error)) = poll else { return nil }
        return error
    }

    func isWait<T>(_ poll: Machine.Poll<T>) -> Bool {
        if case .wait = poll { return true }
        return false
    }

    func isIdle(_ status: Machine.PumpStatus) -> Bool {
        if case .idle = status { return true }
        return false
    }

    func isRequested(_ status: Machine.PumpStatus) -> Bool {
        if case .requested = status { return true }
        return false
    }

    // MARK: - Demand

    @Test func aFreshCombinerHasEveryPumpIdleAndLive() {
        let machine = Machine(sourceCount: 3)
        #expect(machine.liveCount == 3)
        #expect(machine.statuses.allSatisfy(isIdle))
        #expect(!machine.isClosed)
    }

    @Test func theFirstPollStartsEveryPumpOnceAndRequestsAValue() {
        var machine = Machine(sourceCount: 3)
        var effects = Effects()
        #expect(isWait(machine.pollRace(effects: &effects)))
        #expect(effects.startPumps == [0, 1, 2])
        #expect(machine.statuses.allSatisfy(isRequested))
        var again = Effects()
        #expect(isWait(machine.pollRace(effects: &again)))
        #expect(again.startPumps.isEmpty, "a pump is started once")
        #expect(again.grantDemand.isEmpty, "one outstanding next() per source")
    }

    @Test func aPumpWithARequestProceedsAtOnce() async {
        var machine = Machine(sourceCount: 1)
        var effects = Effects()
        _ = machine.pollRace(effects: &effects)
        let proceed = await withCheckedContinuation { (pump: CheckedContinuation<Bool, Never>) in
            let answer = machine.awaitDemand(0, continuation: pump, isCancelled: false)
            #expect(answer == true)
            pump.resume(returning: answer ?? false)
        }
        #expect(proceed)
    }

    @Test func aParkedPumpIsGrantedDemandByTheNextPoll() async {
        var machine = Machine(sourceCount: 2)
        let proceed = await withCheckedContinuation { (pump: CheckedContinuation<Bool, Never>) in
            #expect(machine.awaitDemand(1, continuation: pump, isCancelled: false) == nil)
            var effects = Effects()
            _ = machine.pollRace(effects: &effects)
            #expect(effects.grantDemand.count == 1)
            #expect(effects.grantDemand.first?.proceed == true)
            for grant in effects.grantDemand { grant.continuation.resume(returning: grant.proceed) }
        }
        #expect(proceed)
    }

    @Test func aCancelledOrClosedPumpStops() async {
        var machine = Machine(sourceCount: 1)
        let cancelled = await withCheckedContinuation { (pump: CheckedContinuation<Bool, Never>) in
            let answer = machine.awaitDemand(0, continuation: pump, isCancelled: true)
            pump.resume(returning: answer ?? true)
        }
        #expect(!cancelled)
        var effects = Effects()
        machine.close(effects: &effects)
        let closed = await withCheckedContinuation { (pump: CheckedContinuation<Bool, Never>) in
            let answer = machine.awaitDemand(0, continuation: pump, isCancelled: false)
            pump.resume(returning: answer ?? true)
        }
        #expect(!closed)
    }

    @Test func closeStopsParkedPumpsAndIsIdempotent() async {
        var machine = Machine(sourceCount: 1)
        let proceed = await withCheckedContinuation { (pump: CheckedContinuation<Bool, Never>) in
            #expect(machine.awaitDemand(0, continuation: pump, isCancelled: false) == nil)
            var effects = Effects()
            machine.close(effects: &effects)
            #expect(effects.grantDemand.map(\.proceed) == [false])
            for grant in effects.grantDemand { grant.continuation.resume(returning: grant.proceed) }
            var twice = Effects()
            machine.close(effects: &twice)
            #expect(twice.grantDemand.isEmpty && twice.wakeConsumers.isEmpty && twice.cancelTasks.isEmpty)
        }
        #expect(!proceed)
        #expect(machine.isClosed)
        #expect(machine.liveCount == 0)
    }

    @Test func aRemovedDemandWaiterIsNotGranted() async {
        var machine = Machine(sourceCount: 1)
        let proceed = await withCheckedContinuation { (pump: CheckedContinuation<Bool, Never>) in
            #expect(machine.awaitDemand(0, continuation: pump, isCancelled: false) == nil)
            let removed = machine.removeDemandWaiter(0)
            #expect(removed != nil)
            #expect(machine.removeDemandWaiter(0) == nil)
            var effects = Effects()
            _ = machine.pollRace(effects: &effects)
            #expect(effects.grantDemand.isEmpty)
            removed?.resume(returning: false)
        }
        #expect(!proceed)
    }

    // MARK: - race

    @Test func raceReturnsTheEarliestArrivalAndKeepsTheLoserForLater() {
        var machine = Machine(sourceCount: 3)
        var effects = Effects()
        _ = machine.pollRace(effects: &effects)
        machine.deliver(2, .success(20), effects: &effects)
        machine.deliver(0, .success(0), effects: &effects)
        #expect(value(machine.pollRace(effects: &effects)) == 20)
        #expect(value(machine.pollRace(effects: &effects)) == 0)
        #expect(isWait(machine.pollRace(effects: &effects)))
    }

    @Test func raceEndsWhenEverySourceIsExhausted() {
        var machine = Machine(sourceCount: 2)
        var effects = Effects()
        _ = machine.pollRace(effects: &effects)
        machine.deliver(0, .success(nil), effects: &effects)
        #expect(machine.liveCount == 1)
        #expect(isWait(machine.pollRace(effects: &effects)))
        machine.deliver(1, .success(nil), effects: &effects)
        #expect(machine.liveCount == 0)
        #expect(value(machine.pollRace(effects: &effects)) == .some(nil))
    }

    @Test func anEmptyCombinerEndsAtOnce() {
        var machine = Machine(sourceCount: 0)
        var effects = Effects()
        #expect(value(machine.pollRace(effects: &effects)) == .some(nil))
        var cursor = 0
        guard case .done(.success(nil)) = machine.pollRoundRobin(cursor: &cursor, effects: &effects) else {
            Issue.record("round robin over no source must end")
            return
        }
        guard case .done(.success(let all)) = machine.pollAll(effects: &effects) else {
            Issue.record("all() over no source must end")
            return
        }
        #expect(all.isEmpty)
        #expect(effects.startPumps.isEmpty)
    }

    @Test func anErrorInARaceClosesTheCombiner() {
        var machine = Machine(sourceCount: 2)
        var effects = Effects()
        _ = machine.pollRace(effects: &effects)
        machine.deliver(1, .failure(Boom(id: 1)), effects: &effects)
        var closing = Effects()
        #expect(error(machine.pollRace(effects: &closing)) as? Boom == Boom(id: 1))
        #expect(machine.isClosed)
        #expect(value(machine.pollRace(effects: &closing)) == .some(nil), "after the error the race is over")
    }

    @Test func deliveriesAfterCloseAreIgnored() {
        var machine = Machine(sourceCount: 1)
        var effects = Effects()
        _ = machine.pollRace(effects: &effects)
        machine.close(effects: &effects)
        machine.deliver(0, .success(5), effects: &effects)
        machine.deliver(0, .failure(Boom(id: 0)), effects: &effects)
        #expect(value(machine.pollRace(effects: &effects)) == .some(nil))
    }

    // MARK: - Round robin

    @Test func roundRobinServesSourcesInTurnAndSkipsExhaustedOnes() {
        var machine = Machine(sourceCount: 3)
        var effects = Effects()
        var cursor = 0
        #expect(isWait(machine.pollRoundRobin(cursor: &cursor, effects: &effects)))
        #expect(effects.startPumps == [0], "only the source whose turn it is is asked")
        machine.deliver(0, .success(0), effects: &effects)
        machine.deliver(1, .success(nil), effects: &effects)
        #expect(value(machine.pollRoundRobin(cursor: &cursor, effects: &effects)) == 0)
        #expect(cursor == 1)
        #expect(isWait(machine.pollRoundRobin(cursor: &cursor, effects: &effects)))
        #expect(cursor == 2, "the exhausted source 1 is skipped")
        machine.deliver(2, .success(2), effects: &effects)
        #expect(value(machine.pollRoundRobin(cursor: &cursor, effects: &effects)) == 2)
        #expect(cursor == 0)
    }

    // MARK: - all

    @Test func allWaitsForEverySourceThenReturnsValuesInSourceOrder() {
        var machine = Machine(sourceCount: 3)
        var effects = Effects()
        #expect(isWait(machine.pollAll(effects: &effects)))
        machine.deliver(2, .success(2), effects: &effects)
        machine.deliver(1, .success(nil), effects: &effects)
        #expect(isWait(machine.pollAll(effects: &effects)))
        machine.deliver(0, .success(0), effects: &effects)
        guard case .done(.success(let values)) = machine.pollAll(effects: &effects) else {
            Issue.record("every source settled")
            return
        }
        #expect(values == [0, nil, 2])
        #expect(machine.statuses.indices.filter { isIdle(machine.statuses[$0]) } == [0, 2])
    }

    @Test func allFailsOnTheFirstErrorAndCloses() {
        var machine = Machine(sourceCount: 2)
        var effects = Effects()
        _ = machine.pollAll(effects: &effects)
        machine.deliver(1, .failure(Boom(id: 1)), effects: &effects)
        guard case .done(.failure(let failure)) = machine.pollAll(effects: &effects) else {
            Issue.record("the error must end all()")
            return
        }
        #expect(failure as? Boom == Boom(id: 1))
        #expect(machine.isClosed)
    }

    // MARK: - any

    @Test func anyDropsFailingSourcesAndReturnsTheFirstValue() {
        var machine = Machine(sourceCount: 2)
        var effects = Effects()
        var failures: [any Error] = []
        #expect(isWait(machine.pollAny(failures: &failures, effects: &effects)))
        machine.deliver(0, .failure(Boom(id: 0)), effects: &effects)
        machine.deliver(1, .success(7), effects: &effects)
        #expect(value(machine.pollAny(failures: &failures, effects: &effects)) == 7)
        #expect(failures.map { $0 as? Boom } == [Boom(id: 0)])
        #expect(machine.liveCount == 1)
        #expect(!machine.isClosed)
    }

    @Test func anyFailsWithEveryErrorWhenAllSourcesFail() {
        var machine = Machine(sourceCount: 2)
        var effects = Effects()
        var failures: [any Error] = []
        _ = machine.pollAny(failures: &failures, effects: &effects)
        machine.deliver(1, .failure(Boom(id: 1)), effects: &effects)
        machine.deliver(0, .failure(Boom(id: 0)), effects: &effects)
        guard case .done(.failure(let failure)) = machine.pollAny(failures: &failures, effects: &effects),
            let combined = failure as? CombinerError
        else {
            Issue.record("all sources failed")
            return
        }
        #expect(combined.code == .allFailed)
        #expect(combined.underlying.map { $0 as? Boom } == [Boom(id: 1), Boom(id: 0)], "in arrival order")
    }

    @Test func anyEndsQuietlyWhenEverySourceEndsWithoutError() {
        var machine = Machine(sourceCount: 1)
        var effects = Effects()
        var failures: [any Error] = []
        _ = machine.pollAny(failures: &failures, effects: &effects)
        machine.deliver(0, .success(nil), effects: &effects)
        #expect(value(machine.pollAny(failures: &failures, effects: &effects)) == .some(nil))
    }

    // MARK: - Consumers

    @Test func aConsumerParksOnlyIfNothingChangedSinceItsPoll() async {
        var machine = Machine(sourceCount: 1)
        var effects = Effects()
        guard case .wait(let generation) = machine.pollRace(effects: &effects) else {
            Issue.record("nothing is ready yet")
            return
        }
        machine.deliver(0, .success(1), effects: &effects)
        await withCheckedContinuation { (consumer: CheckedContinuation<Void, Never>) in
            #expect(
                machine.park(1, continuation: consumer, generation: generation) == false, "a value arrived meanwhile")
            consumer.resume()
        }
    }

    @Test func aDeliveryWakesParkedConsumers() async {
        var machine = Machine(sourceCount: 1)
        var effects = Effects()
        guard case .wait(let generation) = machine.pollRace(effects: &effects) else {
            Issue.record("nothing is ready yet")
            return
        }
        await withCheckedContinuation { (consumer: CheckedContinuation<Void, Never>) in
            #expect(machine.park(1, continuation: consumer, generation: generation) == true)
            var delivery = Effects()
            machine.deliver(0, .success(3), effects: &delivery)
            #expect(delivery.wakeConsumers.count == 1)
            for waiter in delivery.wakeConsumers { waiter.resume() }
        }
        #expect(machine.removeConsumer(1) == nil, "a woken consumer is no longer parked")
        #expect(value(machine.pollRace(effects: &effects)) == 3)
    }

    @Test func closeWakesParkedConsumersAndARemovedOneIsNotWoken() async throws {
        var machine = Machine(sourceCount: 1)
        var effects = Effects()
        guard case .wait(let generation) = machine.pollRace(effects: &effects) else {
            Issue.record("nothing is ready yet")
            return
        }
        await withCheckedContinuation { (first: CheckedContinuation<Void, Never>) in
            #expect(machine.park(1, continuation: first, generation: generation) == true)
            let removed = machine.removeConsumer(1)
            #expect(removed != nil)
            removed?.resume()
        }
        await withCheckedContinuation { (second: CheckedContinuation<Void, Never>) in
            #expect(machine.park(2, continuation: second, generation: generation) == true)
            var closing = Effects()
            machine.close(effects: &closing)
            #expect(closing.wakeConsumers.count == 1)
            for waiter in closing.wakeConsumers { waiter.resume() }
        }
        await withCheckedContinuation { (late: CheckedContinuation<Void, Never>) in
            #expect(
                machine.park(3, continuation: late, generation: generation) == false, "a closed combiner parks nobody")
            late.resume()
        }
    }
}
