/// Everything stask persists between builds, as one value.
///
/// The fully decoded form: `BuildStateStore.state` and `BuildStateStore.load(directory:fileSystem:)` (for
/// read-only commands such as `stask explain`) return it, and a compaction writes it (`StateSnapshot` for the
/// file format, `BuildStateJournal` for the journal). A store itself decodes records only when asked.
package struct BuildState: Sendable, Equatable {
    /// Task instance id → its last successful run (possibly invalidated by a later failure).
    package var records: [String: TaskRecord]
    /// Task name → item → duration in seconds, learned from runs, for shard balancing.
    package var itemDurations: [String: [String: Double]]
    /// Path → stat-cache entry (`FileDigestCache.Entry`).
    package var statCache: [String: FileDigestCache.Entry]

    /// Creates a state; the default is "nothing built yet".
    package init(
        records: [String: TaskRecord] = [:], itemDurations: [String: [String: Double]] = [:],
        statCache: [String: FileDigestCache.Entry] = [:]
    ) {
        self.records = records
        self.itemDurations = itemDurations
        self.statCache = statCache
    }

    /// The record that may prove `id` up to date: its last successful run, unless invalidated.
    package func validRecord(for id: String) -> TaskRecord? {
        guard let record = records[id], !record.isInvalidated else { return nil }
        return record
    }
}
