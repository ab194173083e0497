/// Everything stask persists between builds, as one value.
///
/// `BuildStateStore` owns the live copy and persists it (see `BuildState+Encoding.swift` for the snapshot
/// format and `BuildStateJournal` for the journal); `BuildStateStore.load(directory:fileSystem:)` reads a
/// copy without locking, for read-only commands such as `stask explain`.
public struct BuildState: Sendable, Equatable {
    /// Task instance id → its last successful run (possibly invalidated by a later failure).
    public var records: [String: TaskRecord]
    /// Task name → item → duration in seconds, learned from runs, for shard balancing.
    public var itemDurations: [String: [String: Double]]
    /// Path → stat-cache entry (`FileDigestCache.Entry`).
    public var statCache: [String: FileDigestCache.Entry]

    /// Creates a state; the default is "nothing built yet".
    public init(
        records: [String: TaskRecord] = [:], itemDurations: [String: [String: Double]] = [:],
        statCache: [String: FileDigestCache.Entry] = [:]
    ) {
        self.records = records
        self.itemDurations = itemDurations
        self.statCache = statCache
    }

    /// The record that may prove `id` up to date: its last successful run, unless invalidated.
    public func validRecord(for id: String) -> TaskRecord? {
        guard let record = records[id], !record.isInvalidated else { return nil }
        return record
    }

    // MARK: - Changes (each journal entry is one of these)

    /// Stores `record` as the latest successful run of `record.id`.
    mutating func setRecord(_ record: TaskRecord) {
        records[record.id] = record
    }

    /// Marks the record of `id` invalidated; nothing happens when there is none.
    mutating func invalidate(_ id: String) {
        records[id]?.isInvalidated = true
    }

    /// Sets (or, for `nil`, removes) the stat-cache entries of the given paths.
    mutating func applyStatCacheChanges(_ changes: [String: FileDigestCache.Entry?]) {
        for (path, entry) in changes {
            if let entry { statCache[path] = entry } else { statCache.removeValue(forKey: path) }
        }
    }

    /// Sets the durations of the given items of `task`, keeping the task's other items.
    mutating func mergeItemDurations(task: String, _ durations: [String: Double]) {
        itemDurations[task, default: [:]].merge(durations) { _, new in new }
    }
}
