import Testing

@testable import StaskCore

@Suite struct RetryPolicyTests {
    @Test func delayDoublesUpToTheCap() {
        let policy = RetryPolicy(attempts: 6, backoff: .milliseconds(200), maxBackoff: .seconds(1))
        let delays = (1...5).map { policy.delay(afterAttempt: $0) }
        #expect(delays == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)])
    }

    @Test func noneMeansOneAttempt() {
        #expect(RetryPolicy.none.attempts == 1)
    }
}
