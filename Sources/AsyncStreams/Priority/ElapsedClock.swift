/// A type-erased `Clock<Duration>` reduced to what the sources need: time elapsed since creation, and a
/// sleep until a given elapsed time.
///
/// Erasing once at construction keeps the sources free of `any InstantProtocol` arithmetic on every call.
@usableFromInline
struct ElapsedClock: Sendable {
    private let elapsedNow: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    init(_ clock: any Clock<Duration>) {
        self = Self.erasing(clock)
    }

    private init(
        elapsedNow: @escaping @Sendable () -> Duration,
        sleeper: @escaping @Sendable (Duration) async throws -> Void
    ) {
        self.elapsedNow = elapsedNow
        self.sleeper = sleeper
    }

    private static func erasing<C: Clock<Duration>>(_ clock: C) -> ElapsedClock {
        let origin = clock.now
        return ElapsedClock(
            elapsedNow: { origin.duration(to: clock.now) },
            sleeper: { elapsed in try await clock.sleep(until: origin.advanced(by: elapsed), tolerance: nil) }
        )
    }

    /// The time elapsed since this value was created.
    var now: Duration { elapsedNow() }

    /// ``now`` in milliseconds, the unit of aging rates.
    @usableFromInline var nowMilliseconds: Double { now.milliseconds }

    /// Sleeps until ``now`` reaches `elapsed`; throws `CancellationError` when cancelled.
    func sleep(untilElapsed elapsed: Duration) async throws { try await sleeper(elapsed) }
}

extension Duration {
    /// The duration in (fractional) milliseconds.
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1_000 + Double(attoseconds) / 1e15
    }
}
