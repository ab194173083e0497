/// The build state as a store holds it: a loaded snapshot plus the changes made since.
///
/// Lookups consult the changes first, then the snapshot, which decodes only the entry asked for; nothing is
/// decoded in bulk until `materialized()`. A value type over an immutable snapshot, so copies are cheap and
/// safe to hand to other threads (a `FileDigestCache` reads the stat cache through one).
struct LiveState: Sendable {
    private(set) var snapshot: StateSnapshot?
    /// Records set since the snapshot (by journal replay or this build); they shadow the snapshot's. Kept
    /// encoded, as the journal writes them (see ``EncodedTaskRecord`` for why).
    private var changedRecords: [String: EncodedTaskRecord] = [:]
    private(set) var itemDurations: [String: [String: Double]]
    /// Stat-cache entries set (or removed: `nil`) since the snapshot.
    private var statChanges = StatCacheChanges()

    init(snapshot: StateSnapshot?) {
        self.snapshot = snapshot
        self.itemDurations = snapshot?.itemDurations ?? [:]
    }

    // MARK: - Reading

    /// The record of `id`, valid or invalidated.
    func record(for id: String) -> TaskRecord? {
        if !changedRecords.isEmpty, let record = changedRecords[id] { return record.decoded() }
        return snapshot?.record(for: id)
    }

    /// The record of `id` unless it was invalidated.
    func validRecord(for id: String) -> TaskRecord? {
        guard let record = record(for: id), !record.isInvalidated else { return nil }
        return record
    }

    /// The output paths of every record, valid or invalidated (decodes only those).
    func recordedOutputPaths() -> Set<String> {
        var paths = Set<String>()
        snapshot?.insertRecordedOutputPaths(into: &paths)
        for record in changedRecords.values { paths.formUnion(record.decoded().outputDigests.keys) }
        return paths
    }

    /// Everything, decoded: O(n) in the size of the state.
    func materialized() -> BuildState {
        var records = snapshot?.allRecords() ?? [:]
        for (id, record) in changedRecords { records[id] = record.decoded() }
        return BuildState(records: records, itemDurations: itemDurations, statCache: allEntries())
    }

    /// What a snapshot of this state is written from, looked up entry by entry: no copy of the records or
    /// the stat cache is made (``materialized()`` would make one).
    func snapshotContents() -> StateSnapshot.Contents {
        var ids = Set(snapshot?.allRecordIDs() ?? [])
        ids.formUnion(changedRecords.keys)
        var paths = Set(snapshot?.allStatPaths() ?? [])
        paths.formUnion(statChanges.paths)
        return StateSnapshot.Contents(
            recordIDs: ids.sorted(), record: { record(for: $0) }, itemDurations: itemDurations,
            statPaths: paths.sorted(), statEntry: { entry(forPath: $0) })
    }

    // MARK: - Changing (each journal entry is one of these)

    /// Stores `record` as the latest successful run of `record.id`.
    mutating func setRecord(_ record: TaskRecord) {
        setRecord(EncodedTaskRecord(record), id: record.id)
    }

    /// Stores the encoded record of `id` as its latest successful run.
    mutating func setRecord(_ record: EncodedTaskRecord, id: String) {
        changedRecords[id] = record
    }

    /// Marks the record of `id` invalidated; returns whether there was a valid record to invalidate.
    @discardableResult
    mutating func invalidate(_ id: String) -> Bool {
        guard var record = record(for: id), !record.isInvalidated else { return false }
        record.isInvalidated = true
        setRecord(record)
        return true
    }

    /// Sets the durations of the given items of `task`, keeping the task's other items.
    mutating func mergeItemDurations(task: String, _ durations: [String: Double]) {
        itemDurations[task, default: [:]].merge(durations) { _, new in new }
    }

    /// Sets (or, for `nil`, removes) the stat-cache entries of the given paths.
    mutating func applyStatCacheChanges(_ changes: StatCacheChanges) {
        // Sharing the caller's table (copy-on-write) instead of copying it into an empty one.
        if statChanges.isEmpty {
            statChanges = changes
        } else {
            statChanges.merge(changes)
        }
    }

    /// `record` with the key inputs of this state's snapshot's record of the same instance, `changes`
    /// applied; `nil` (the entry is dropped) unless the snapshot is the one named and the key inputs so
    /// rebuilt give the record's action key.
    func record(
        _ record: TaskRecord, since snapshot: UInt64, changes: [ActionKeyInputs.InputChange]
    ) -> TaskRecord? {
        guard let base = self.snapshot, base.checksum == snapshot, let previous = base.record(for: record.id),
            let inputs = previous.keyInputs.applying(changes), inputs.actionKey == record.actionKey
        else { return nil }
        var full = record
        full.keyInputs = inputs
        return full
    }

    /// Applies journal entries in order, to the state ``apply(_:)`` one after another would leave, making
    /// each instance's record only from its last success that holds.
    ///
    /// Why: an aggregate step's success is journaled as the digests that changed since the snapshot's record
    /// (``BuildStateJournal/Entry/successSinceSnapshot(snapshot:record:changes:)``), and rebuilding it decodes
    /// that record, applies the changes, checks the action key over every input and encodes the result: at
    /// 10,000 inputs about a millisecond, once per edit since the last compaction. Only the last of them
    /// survives, and each is rebuilt from the snapshot alone (not from the entries before it), so the others
    /// need not be rebuilt at all; an earlier one is, when a later one is dropped.
    mutating func replay(_ entries: [BuildStateJournal.Entry]) {
        var successes: [String: [Int]] = [:]
        for (index, entry) in entries.enumerated() {
            switch entry {
            case .success(let record), .successSinceSnapshot(_, let record, _):
                successes[record.id, default: []].append(index)
            case .invalidate, .itemDurations, .statCache:
                break
            }
        }
        var kept: [Int: TaskRecord] = [:]
        for indices in successes.values {
            for index in indices.reversed() {
                if case .success(let record) = entries[index] {
                    kept[index] = record
                } else if case .successSinceSnapshot(let snapshot, let record, let changes) = entries[index] {
                    kept[index] = self.record(record, since: snapshot, changes: changes)
                }
                if kept[index] != nil { break }
            }
        }
        for (index, entry) in entries.enumerated() {
            switch entry {
            case .success, .successSinceSnapshot:
                if let record = kept[index] { setRecord(record) }
            case .invalidate, .itemDurations, .statCache:
                apply(entry)
            }
        }
    }

    /// Applies one journal entry.
    mutating func apply(_ entry: BuildStateJournal.Entry) {
        switch entry {
        case .success(let record): setRecord(record)
        case .successSinceSnapshot(let snapshot, let record, let changes):
            if let full = self.record(record, since: snapshot, changes: changes) { setRecord(full) }
        case .invalidate(let id): invalidate(id)
        case .itemDurations(let task, let durations): mergeItemDurations(task: task, durations)
        case .statCache(let changes): applyStatCacheChanges(StatCacheChanges(changes))
        }
    }
}

// MARK: - The stat cache as a FileDigestCache sees it

extension LiveState: StatCacheSource {
    func entry(forPath path: String) -> FileDigestCache.Entry? {
        if !statChanges.isEmpty, let change = statChanges[path] { return change }
        return snapshot?.statEntry(forPath: path)
    }

    func allEntries() -> [String: FileDigestCache.Entry] {
        var entries = snapshot?.allStatEntries() ?? [:]
        statChanges.forEach { path, change in
            if let change { entries[path] = change } else { entries.removeValue(forKey: path) }
        }
        return entries
    }
}
