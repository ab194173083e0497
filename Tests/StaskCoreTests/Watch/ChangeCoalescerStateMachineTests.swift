import Testing

@testable import StaskCore

@Suite struct ChangeCoalescerStateMachineTests {
    typealias Machine = ChangeCoalescerStateMachine<ContinuousClock.Instant>

    let start = ContinuousClock.now
    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start.advanced(by: .milliseconds(milliseconds)) }
    func change(_ path: String, _ kind: FileChange.Kind = .contents) -> FileChange {
        FileChange(path: path, kind: kind)
    }

    @Test func nothingPendingIsIdle() {
        var machine = Machine(quietPeriod: .milliseconds(50), maximumDelay: .seconds(1))
        #expect(machine.poll(at: at(0)) == .idle)
    }

    @Test func aBatchIsDueOnceTheQuietPeriodPassedWithoutAChange() {
        var machine = Machine(quietPeriod: .milliseconds(50), maximumDelay: .seconds(1))
        let wakes = machine.add([change("/p/a.c")], at: at(0))
        #expect(wakes, "the first change wakes the consumer")
        #expect(machine.poll(at: at(10)) == .wait(until: at(50)))
        let wakesAgain = machine.add([change("/p/a.c~", .entry)], at: at(30))
        #expect(!wakesAgain, "a waiting consumer is already awake")
        #expect(machine.poll(at: at(50)) == .wait(until: at(80)), "each change restarts the quiet period")
        #expect(machine.poll(at: at(80)) == .ready([change("/p/a.c"), change("/p/a.c~", .entry)]))
        #expect(machine.poll(at: at(81)) == .idle)
    }

    @Test func aRepeatedChangeIsKeptOnceInItsFirstPlace() {
        var machine = Machine(quietPeriod: .milliseconds(50), maximumDelay: .seconds(1))
        _ = machine.add([change("/p/a.c"), change("/p/b.c"), change("/p/a.c")], at: at(0))
        _ = machine.add([change("/p/b.c")], at: at(1))
        #expect(machine.poll(at: at(60)) == .ready([change("/p/a.c"), change("/p/b.c")]))
    }

    @Test func changesThatNeverPauseAreHandedOutAfterTheMaximumDelay() {
        var machine = Machine(quietPeriod: .milliseconds(50), maximumDelay: .milliseconds(200))
        for step in 0..<10 { _ = machine.add([change("/p/log")], at: at(step * 30)) }
        #expect(machine.poll(at: at(199)) == .wait(until: at(200)))
        #expect(machine.poll(at: at(200)) == .ready([change("/p/log")]))
    }

    @Test func finishingHandsOutWhatIsPendingThenFinishes() {
        var machine = Machine(quietPeriod: .milliseconds(50), maximumDelay: .seconds(1))
        _ = machine.add([change("/p/a.c")], at: at(0))
        let finishes = machine.finish()
        let finishesAgain = machine.finish()
        #expect(finishes && !finishesAgain, "idempotent")
        #expect(machine.poll(at: at(1)) == .ready([change("/p/a.c")]))
        #expect(machine.poll(at: at(2)) == .finished)
        let isAdded = machine.add([change("/p/b.c")], at: at(3))
        #expect(!isAdded && !machine.hasPending, "nothing is added after the end")
    }
}
