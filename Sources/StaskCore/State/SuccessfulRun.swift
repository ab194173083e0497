/// What the engine reports after a task instance succeeded; `BuildStateStore.recordSuccess(_:)` turns it
/// into a `TaskRecord`.
package struct SuccessfulRun: Sendable, Hashable {
    /// Weight of the newest wall time in the moving-average estimate:
    /// `estimate = (1 - w) * previous + w * wallTime`; the first run's estimate is its wall time.
    package static let estimateWeight = 0.3

    /// The task instance id.
    package var id: String
    /// The action key the run was started with.
    package var actionKey: ContentDigest
    /// Output path → content digest, hashed after the run.
    package var outputDigests: [String: ContentDigest]
    /// Wall-clock duration of the successful attempt.
    package var wallTime: Duration
    /// CPU time of the successful attempt.
    package var cpuTime: Duration
    /// What went into `actionKey`.
    package var keyInputs: ActionKeyInputs
    /// The files the run's depfile listed, with their digests, sorted by path.
    package var discoveredInputs: [DiscoveredInput]
    /// The largest resident set size of the attempt's commands, in bytes; 0 when unknown.
    package var peakMemory: UInt64

    /// Describes a successful run. `actionKey` defaults to `keyInputs.actionKey`.
    package init(
        id: String, actionKey: ContentDigest? = nil, outputDigests: [String: ContentDigest], wallTime: Duration,
        cpuTime: Duration, keyInputs: ActionKeyInputs, discoveredInputs: [DiscoveredInput] = [], peakMemory: UInt64 = 0
    ) {
        self.peakMemory = peakMemory
        self.discoveredInputs = discoveredInputs
        self.id = id
        self.actionKey = actionKey ?? keyInputs.actionKey
        self.outputDigests = outputDigests
        self.wallTime = wallTime
        self.cpuTime = cpuTime
        self.keyInputs = keyInputs
    }

    /// The record for this run, following `previous` (the last record for the same id, valid or not).
    ///
    /// Durations are rounded to whole nanoseconds (the stored precision) and negative ones clamped to zero,
    /// so a record reads back from disk exactly as it was recorded.
    package func record(after previous: TaskRecord?) -> TaskRecord {
        let wall = Self.storable(wallTime)
        let estimate: Duration
        if let previous {
            let blended =
                Double(Self.nanoseconds(of: previous.estimatedDuration)) * (1 - Self.estimateWeight)
                + Double(Self.nanoseconds(of: wall)) * Self.estimateWeight
            estimate = .nanoseconds(Int64(min(blended.rounded(), 9.2e18)))
        } else {
            estimate = wall
        }
        return TaskRecord(
            id: id, actionKey: actionKey, outputDigests: outputDigests, wallTime: wall,
            cpuTime: Self.storable(cpuTime), estimatedDuration: estimate,
            successCount: (previous?.successCount ?? 0) + 1, keyInputs: keyInputs, discoveredInputs: discoveredInputs,
            // A run restored from the remote cache measured nothing: the last figure learned stays.
            peakMemory: peakMemory != 0 ? peakMemory : previous?.peakMemory ?? 0)
    }

    /// Whole nanoseconds, at least zero: the precision of the state files.
    static func storable(_ duration: Duration) -> Duration {
        .nanoseconds(nanoseconds(of: duration))
    }

    /// `duration` in whole nanoseconds, clamped to `0...Int64.max`.
    static func nanoseconds(of duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || (seconds == 0 && attoseconds < 0) { return 0 }
        if seconds >= 9_223_372_036 { return .max }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
