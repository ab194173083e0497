/// How often a failing task instance is tried and how long stask waits between tries.
///
/// `attempts` counts every try, the first included: `retry: 3` means "run at most three times".
/// The wait before try *n* + 1 is `backoff × 2^(n − 1)`, capped at `maxBackoff`; the engine adds
/// jitter. Written in a Taskfile as `retry: 3` (shorthand for `{attempts: 3}`) or
/// `retry: {attempts: 3, backoff: 200ms, max_backoff: 5s}`.
package struct RetryPolicy: Sendable, Hashable {
    /// Total number of tries, at least 1. `1` means no retry.
    package var attempts: Int
    /// The wait after the first failed try.
    package var backoff: Duration
    /// The longest wait between two tries.
    package var maxBackoff: Duration

    /// The backoff used when a Taskfile names only `attempts`: 200 ms.
    package static let defaultBackoff: Duration = .milliseconds(200)
    /// The cap used when a Taskfile names no `max_backoff`: 10 s.
    package static let defaultMaxBackoff: Duration = .seconds(10)

    /// One try, no retry: the policy of a task without a `retry` key.
    package static let none = RetryPolicy(attempts: 1)

    /// Creates a policy.
    ///
    /// - Precondition: `attempts >= 1`, `backoff >= .zero`, `maxBackoff >= backoff`.
    package init(attempts: Int, backoff: Duration = defaultBackoff, maxBackoff: Duration = defaultMaxBackoff) {
        precondition(attempts >= 1 && backoff >= .zero && maxBackoff >= backoff, "invalid retry policy")
        self.attempts = attempts
        self.backoff = backoff
        self.maxBackoff = maxBackoff
    }

    /// The delay before try `attempt + 1` after try `attempt` (1-based) failed, without jitter.
    ///
    /// `delay(afterAttempt: 1) == backoff`, doubling each time, never above `maxBackoff`.
    package func delay(afterAttempt attempt: Int) -> Duration {
        precondition(attempt >= 1, "attempts are 1-based")
        var delay = backoff
        var remaining = attempt - 1
        while remaining > 0 && delay < maxBackoff {
            delay = delay * 2
            remaining -= 1
        }
        return min(delay, maxBackoff)
    }
}
