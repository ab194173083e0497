/// What stask remembers about the last successful run of one task instance.
///
/// Written only after the task succeeded (`BuildStateStore.recordSuccess(_:)`). The instance is up to date
/// when its current action key equals `actionKey` and every output exists with its digest in
/// `outputDigests` (DESIGN §2); the engine checks both.
public struct TaskRecord: Sendable, Hashable {
    /// The task instance id, for example `compile[src/a.c]` or `test#2`.
    public var id: String
    /// The action key of the successful run.
    public var actionKey: ContentDigest
    /// Output path → content digest after the successful run.
    public var outputDigests: [String: ContentDigest]
    /// Wall-clock duration of the last successful run.
    public var wallTime: Duration
    /// CPU time (user + system, children included) of the last successful run.
    public var cpuTime: Duration
    /// Moving average of successful wall times, for critical-path priorities and ETAs.
    public var estimatedDuration: Duration
    /// How many successful runs have been recorded for this id.
    public var successCount: Int
    /// What went into `actionKey`, for `stask explain`.
    public var keyInputs: ActionKeyInputs
    /// Set when a later run of this instance failed (`BuildStateStore.invalidate(_:)`): the record is then
    /// never treated as up to date, but its durations still inform estimates.
    public var isInvalidated: Bool

    /// Creates a record.
    public init(
        id: String, actionKey: ContentDigest, outputDigests: [String: ContentDigest], wallTime: Duration,
        cpuTime: Duration, estimatedDuration: Duration, successCount: Int, keyInputs: ActionKeyInputs,
        isInvalidated: Bool = false
    ) {
        self.id = id
        self.actionKey = actionKey
        self.outputDigests = outputDigests
        self.wallTime = wallTime
        self.cpuTime = cpuTime
        self.estimatedDuration = estimatedDuration
        self.successCount = successCount
        self.keyInputs = keyInputs
        self.isInvalidated = isInvalidated
    }
}
