import Testing

@testable import AsyncStreams

@Suite struct RetryPolicyTests {
    @Test func delaysDoubleFromBaseWithoutJitter() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(30), jitter: 0)
        var generator = SplitMix64(seed: 1)
        let delays = (1...4).map { policy.delay(afterFailedAttempt: $0, using: &generator) }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800)])
    }

    @Test func delayIsCappedAtMaxDelay() {
        let policy = RetryPolicy(maxAttempts: 100, baseDelay: .milliseconds(100), maxDelay: .seconds(1), jitter: 0)
        var generator = SplitMix64(seed: 1)
        #expect(policy.delay(afterFailedAttempt: 5, using: &generator) == .seconds(1))
        #expect(policy.delay(afterFailedAttempt: 99, using: &generator) == .seconds(1))
    }

    @Test func attemptsExhaustedGiveNil() {
        let policy = RetryPolicy(maxAttempts: 3, jitter: 0)
        var generator = SplitMix64(seed: 1)
        #expect(policy.delay(afterFailedAttempt: 2, using: &generator) != nil)
        #expect(policy.delay(afterFailedAttempt: 3, using: &generator) == nil, "the third failure gives up")
        #expect(policy.delay(afterFailedAttempt: 4) == nil)
    }

    @Test func jitterStaysWithinItsFractionAndIsSeeded() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .seconds(1), maxDelay: .seconds(60), jitter: 0.5)
        var first = SplitMix64(seed: 99)
        var second = SplitMix64(seed: 99)
        var jittered = 0
        for attempt in 1...6 {
            let nominal = Duration.seconds(1) * (1 << (attempt - 1))
            let delay = policy.delay(afterFailedAttempt: attempt, using: &first)!
            #expect(delay >= nominal * 0.5 && delay <= nominal)
            #expect(delay == policy.delay(afterFailedAttempt: attempt, using: &second)!, "same seed, same delay")
            if delay != nominal { jittered += 1 }
        }
        #expect(jittered > 0, "jitter actually varies the delay")
    }

    @Test func hugeAttemptNumbersDoNotOverflow() {
        let policy = RetryPolicy(maxAttempts: .max, baseDelay: .seconds(1), maxDelay: .seconds(3_600), jitter: 0)
        #expect(policy.delay(afterFailedAttempt: 10_000) == .seconds(3_600))
    }

    @Test func zeroBaseDelayStaysZero() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .zero, jitter: 0.5)
        #expect(policy.delay(afterFailedAttempt: 4) == .zero)
    }
}
