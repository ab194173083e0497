/// What stask remembers about the last successful run of one task instance.
///
/// Written only after the task succeeded (`BuildStateStore.recordSuccess(_:)`). The instance is up to date
/// when its current action key equals `actionKey` and every output exists with its digest in
/// `outputDigests`; the engine checks both.
///
/// Records loaded from a snapshot keep `keyInputs` encoded until it is first read (only `stask explain`
/// needs it), which is what makes loading 100,000 records fast; reading it decodes it each time.
package struct TaskRecord: Sendable, Hashable {
    /// The task instance id, for example `compile[src/a.c]` or `test#2`.
    package var id: String
    /// The action key of the successful run.
    package var actionKey: ContentDigest
    /// Output path → content digest after the successful run.
    package var outputDigests: [String: ContentDigest]
    /// The files the run's `depfile:` listed (less declared inputs and outputs), with their digests then,
    /// sorted by path: each counts as an input. Empty for a task without a depfile.
    package var discoveredInputs: [DiscoveredInput]
    /// Wall-clock duration of the last successful run.
    package var wallTime: Duration
    /// CPU time (user + system, children included) of the last successful run.
    package var cpuTime: Duration
    /// Moving average of successful wall times, for critical-path priorities and ETAs.
    package var estimatedDuration: Duration
    /// The largest resident set size of the last successful run's commands, in bytes (0: not measured):
    /// the instance's learned `mem` cost.
    package var peakMemory: UInt64
    /// How many successful runs have been recorded for this id.
    package var successCount: Int
    /// Set when a later run of this instance failed (`BuildStateStore.invalidate(_:)`): the record is then
    /// never treated as up to date, but its durations still inform estimates.
    package var isInvalidated: Bool
    /// What went into `actionKey`, for `stask explain` (decoded on each read for loaded records).
    package var keyInputs: ActionKeyInputs {
        get { coldPart.keyInputs }
        set { coldPart = .decoded(newValue) }
    }

    var coldPart: TaskRecordColdPart

    /// Creates a record.
    package init(
        id: String, actionKey: ContentDigest, outputDigests: [String: ContentDigest], wallTime: Duration,
        cpuTime: Duration, estimatedDuration: Duration, successCount: Int, keyInputs: ActionKeyInputs,
        isInvalidated: Bool = false, discoveredInputs: [DiscoveredInput] = [], peakMemory: UInt64 = 0
    ) {
        self.init(
            id: id, actionKey: actionKey, outputDigests: outputDigests, wallTime: wallTime, cpuTime: cpuTime,
            estimatedDuration: estimatedDuration, successCount: successCount, coldPart: .decoded(keyInputs),
            isInvalidated: isInvalidated, discoveredInputs: discoveredInputs, peakMemory: peakMemory)
    }

    init(
        id: String, actionKey: ContentDigest, outputDigests: [String: ContentDigest], wallTime: Duration,
        cpuTime: Duration, estimatedDuration: Duration, successCount: Int, coldPart: TaskRecordColdPart,
        isInvalidated: Bool, discoveredInputs: [DiscoveredInput] = [], peakMemory: UInt64 = 0
    ) {
        self.peakMemory = peakMemory
        self.id = id
        self.actionKey = actionKey
        self.outputDigests = outputDigests
        self.discoveredInputs = discoveredInputs
        self.wallTime = wallTime
        self.cpuTime = cpuTime
        self.estimatedDuration = estimatedDuration
        self.successCount = successCount
        self.coldPart = coldPart
        self.isInvalidated = isInvalidated
    }
}

/// A record's `keyInputs`, either as a value or still encoded: in a loaded snapshot, or in the live state's
/// encoded copy of a record set since (``EncodedTaskRecord``).
///
/// Equality and hashing are those of the decoded value, so a loaded record equals the record that was saved.
enum TaskRecordColdPart: Sendable, Hashable {
    case decoded(ActionKeyInputs)
    case encoded(SnapshotColdPart)
    case inline(InlineColdPart)

    var keyInputs: ActionKeyInputs {
        switch self {
        case .decoded(let inputs): inputs
        case .encoded(let part): part.decoded()
        case .inline(let part): part.decoded()
        }
    }

    static func == (lhs: TaskRecordColdPart, rhs: TaskRecordColdPart) -> Bool {
        lhs.keyInputs == rhs.keyInputs
    }

    func hash(into hasher: inout Hasher) {
        keyInputs.hash(into: &hasher)
    }
}
