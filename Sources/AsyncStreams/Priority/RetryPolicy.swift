/// Exponential backoff with jitter for retrying failed tasks.
///
/// The delay after the *n*-th failed attempt is `baseDelay × 2^(n−1)`, capped at `maxDelay`, of which
/// the fraction `jitter` is randomised: the result lies in `[d × (1 − jitter), d]` for the capped delay
/// `d`. With `jitter == 0` the delays are exact (100 ms, 200 ms, 400 ms, … for a 100 ms base). Once
/// `maxAttempts` attempts have failed there is no further delay: the caller should give up (typically
/// ``PriorityDependencySourceObj/abort(_:)``, which cascades).
///
/// The library keeps retry counters in user code; this type only computes delays. Pair it with
/// ``PriorityDependencySourceObj/fail(_:retryAfter:)``, which keeps the task out of the queue (and holding
/// no capacity) during the backoff, unlike a task that sleeps inside its body before retrying:
///
/// ```swift
/// let policy = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(100))
/// attempts[key, default: 0] += 1
/// if let delay = policy.delay(afterFailedAttempt: attempts[key]!) {
///     try source.fail(key, retryAfter: delay)
/// } else {
///     try source.abort(key)   // the third failure gives up
/// }
/// ```
///
/// Without a cap on attempts a permanently failing task is retried forever; `maxAttempts` is that cap.
public struct RetryPolicy: Sendable, Hashable {
    /// The number of attempts in total, the first included; after that many failures there is no retry.
    public var maxAttempts: Int
    /// The delay after the first failed attempt.
    public var baseDelay: Duration
    /// The largest delay, before jitter.
    public var maxDelay: Duration
    /// The fraction of each delay that is randomised, in `0...1`.
    public var jitter: Double

    /// Creates a policy.
    ///
    /// - Parameters:
    ///   - maxAttempts: total attempts allowed, ≥ 1; default 3.
    ///   - baseDelay: the first delay, ≥ 0; default 100 ms.
    ///   - maxDelay: the cap on the delay before jitter, ≥ 0; default 30 s.
    ///   - jitter: the randomised fraction of the delay, in `0...1`; default 0.5.
    public init(
        maxAttempts: Int = 3,
        baseDelay: Duration = .milliseconds(100),
        maxDelay: Duration = .seconds(30),
        jitter: Double = 0.5
    ) {
        precondition(maxAttempts >= 1, "maxAttempts must be at least 1")
        precondition(baseDelay >= .zero && maxDelay >= .zero, "delays must not be negative")
        precondition((0...1).contains(jitter), "jitter must be in 0...1")
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
    }

    /// The delay before retrying after attempt number `attempt` (1 for the first) failed.
    ///
    /// - Parameters:
    ///   - attempt: the 1-based number of the attempt that just failed.
    ///   - generator: the source of randomness for the jitter; pass a seeded generator in tests.
    /// - Returns: the delay, or `nil` when `attempt >= maxAttempts` (attempts exhausted: give up).
    /// - Complexity: O(log(`maxDelay` / `baseDelay`)).
    public func delay(afterFailedAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration? {
        precondition(attempt >= 1, "attempt numbers start at 1")
        guard attempt < maxAttempts else { return nil }
        let capped = exponentialDelay(afterFailedAttempt: attempt)
        guard jitter > 0, capped > .zero else { return capped }
        let randomised = capped * jitter
        return capped - randomised + randomised * Double.random(in: 0...1, using: &generator)
    }

    /// The delay before retrying after attempt number `attempt` failed, with system randomness.
    ///
    /// - Returns: the delay, or `nil` when the attempts are exhausted.
    public func delay(afterFailedAttempt attempt: Int) -> Duration? {
        var generator = SystemRandomNumberGenerator()
        return delay(afterFailedAttempt: attempt, using: &generator)
    }

    /// `baseDelay × 2^(attempt−1)` capped at `maxDelay`, computed without overflow.
    private func exponentialDelay(afterFailedAttempt attempt: Int) -> Duration {
        var delay = min(baseDelay, maxDelay)
        var step = 1
        while step < attempt && delay > .zero && delay < maxDelay {
            delay = delay > maxDelay / 2 ? maxDelay : delay * 2
            step += 1
        }
        return min(delay, maxDelay)
    }
}
