import StaskCore
import Testing

@Suite struct SuccessfulRunTests {
    @Test func actionKeyDefaultsToTheKeyInputs() {
        let run = StateSamples.run("a")
        #expect(run.actionKey == run.keyInputs.actionKey)
        let explicit = SuccessfulRun(
            id: "a", actionKey: ContentDigest(high: 1, low: 2), outputDigests: [:], wallTime: .zero, cpuTime: .zero,
            keyInputs: run.keyInputs)
        #expect(explicit.actionKey == ContentDigest(high: 1, low: 2))
    }

    @Test func firstRecordEstimatesItsOwnWallTime() {
        let record = StateSamples.run("a", wall: .milliseconds(250)).record(after: nil)
        #expect(record.estimatedDuration == .milliseconds(250))
        #expect(record.successCount == 1)
        #expect(!record.isInvalidated)
    }

    @Test func laterRecordsBlendThirtyPercentOfTheNewTime() {
        let first = StateSamples.run("a", wall: .seconds(1)).record(after: nil)
        var previous = first
        previous.isInvalidated = true
        let second = StateSamples.run("a", wall: .seconds(2)).record(after: previous)
        #expect(second.estimatedDuration == .milliseconds(1300))
        #expect(second.successCount == 2)
        #expect(!second.isInvalidated)
    }

    @Test func durationsAreStoredInWholeNonNegativeNanoseconds() {
        let run = SuccessfulRun(
            id: "a", outputDigests: [:],
            wallTime: .nanoseconds(5) + .init(secondsComponent: 0, attosecondsComponent: 7),
            cpuTime: .seconds(-3), keyInputs: ActionKeyInputs(commands: [], directory: ""))
        let record = run.record(after: nil)
        #expect(record.wallTime == .nanoseconds(5))
        #expect(record.cpuTime == .zero)
    }
}
