import Synchronization

/// The persistent build state in `.stask/`: task records, per-item durations and the stat cache.
///
/// **Files.** `state` is a checksummed binary snapshot (`BuildState+Encoding.swift`); `journal` holds the
/// changes made since (`BuildStateJournal`). `BuildLock` guards the directory with a third file, `lock`.
///
/// **Life cycle.** Take the `BuildLock`, then `open(directory:fileSystem:)`: it loads the snapshot and
/// replays the journal, and proves the directory writable before any task runs. During the build,
/// `recordSuccess(_:)`, `invalidate(_:)`, `updateItemDurations(forTask:_:)` and `updateStatCache(_:)` change
/// the state in memory and append one checksummed entry each to the journal with `write(2)`, without
/// `fsync`. `close()` then either `fsync`s the journal when this build appended to it (the usual case: a few
/// entries) or, once the journal has grown past a quarter of the snapshot (at least 256 KiB) or a file was
/// damaged, *compacts*: writes a new snapshot atomically (`fsync`ed temporary file renamed over the old one,
/// directory `fsync`ed) and deletes the journal. So a no-op build writes nothing, and a touch-one build
/// appends a few hundred bytes instead of rewriting the snapshot.
///
/// **Crash safety.** A build killed at any moment leaves a state from which the next build is correct:
/// - A record is appended only after its task succeeded and its outputs were hashed, and it states a fact
///   ("action key K produced outputs with digests D") that stays true. The up-to-date rule re-checks the
///   action key *and* the outputs' current digests, so an old or lost record can only cause redoing work.
/// - Journal appends are not `fsync`ed one by one: when only the process dies (SIGKILL, crash), the kernel
///   still has every completed `write`. After a power loss the last entries may be missing or torn; a torn
///   or corrupt entry fails its length or checksum, and it and everything after it are ignored (a warning):
///   the tasks they recorded run again. Syncing every entry would cost a disk flush per task for no gain in
///   correctness; `close()` syncs once.
/// - The snapshot is replaced atomically and only after its contents are on disk, so it is always either
///   the old or the new one. A crash between the rename and deleting the journal replays the journal onto
///   a snapshot that already contains it, which is harmless: most entries are blind writes, and the others
///   (``BuildStateJournal``'s kind 5) can only leave an instance to run again.
/// - Stat-cache entries are self-validating (`FileDigestCache`), so any saved entry of any age is safe.
///
/// **Failed tasks.** The engine calls `invalidate(_:)` for an instance whose run failed. Correctness does
/// not depend on it: the failed run never produced a record, so the instance's record is one from an
/// earlier successful run; if the inputs still differ from that run the action key differs, and if the run
/// damaged an output its digest differs. Invalidating makes the rule plain: after a failure the instance
/// always runs again (a failed test is never reported up to date), while its durations still feed estimates.
///
/// **Damage** to either file is a `BuildStateWarning` and (part of) a full rebuild, never a crash or an
/// error; the damaged file is replaced by a compaction. A missing file means nothing was built yet. A
/// directory that cannot be created or written is a `BuildStateError.notWritable` from `open`, before any
/// task runs.
///
/// **Concurrency.** Thread-safe: the engine may call every method from any task. The state sits behind a
/// `Mutex`; a change and its journal append happen under it, so the journal's order is the order of the
/// changes. Reads return copies (copy-on-write, O(1)). `close()` must be the last call; any change after it
/// is a programmer error.
///
/// ```swift
/// let release = try await acquireLock(stateDirectory, true) { print("waiting…") }  // BuildLock on Linux
/// let (store, warnings) = try BuildStateStore.open(directory: stateDirectory, fileSystem: fileSystem)
/// warnings.forEach { print($0) }
/// let cache = FileDigestCache(entries: store.statCacheEntries, fileSystem: fileSystem)
/// if store.record(for: id)?.actionKey != key { /* run, then */ try store.recordSuccess(run) }
/// try store.updateStatCache(cache.changedEntries)
/// try store.close()
/// release()
/// ```
package final class BuildStateStore: Sendable {
    /// The snapshot's file name inside the state directory.
    package static let snapshotFileName = "state"
    /// The journal's file name inside the state directory.
    package static let journalFileName = "journal"

    /// The state directory (normally `<project>/.stask`).
    package let directory: String
    private let fileSystem: any FileSystem

    /// A journal larger than this (and than a quarter of the snapshot) is compacted into the snapshot.
    package static let minimumCompactionSize = 256 * 1024

    struct Storage {
        var state: LiveState
        var journal: (any AppendableFile)?
        /// Bytes of the journal known to hold complete entries.
        var journalLength: Int
        /// `journalLength` when the store was opened: what an earlier build wrote (and synced at its close).
        /// `close()` syncs only when this build appended, so a no-op build makes no `fsync`.
        var openedJournalLength = 0
        /// The snapshot file's size (0 when there is none).
        var snapshotSize: Int
        /// Whether the next `close()` must write a snapshot (a damaged file, or journaling failed).
        var mustCompact: Bool
        /// See `BuildStateStore.minimumCompactionSize` (tests lower it).
        var minimumCompactionSize: Int
        /// Whether the state's snapshot is the snapshot file, so that journal entries may name it
        /// (``BuildStateJournal/Entry/successSinceSnapshot(snapshot:record:changes:)``): not after `open`
        /// folded a journal into a new file and kept serving the old snapshot.
        var snapshotIsOnDisk = true
        var isClosed = false

        var shouldCompact: Bool {
            mustCompact || journalLength > max(minimumCompactionSize, snapshotSize / 4)
        }
    }

    private let storage: Mutex<Storage>

    init(directory: String, fileSystem: any FileSystem, storage: Storage) {
        self.directory = directory
        self.fileSystem = fileSystem
        self.storage = Mutex(storage)
    }

    /// The snapshot's path.
    package var snapshotPath: String { Self.path(directory, Self.snapshotFileName) }

    /// The journal's path.
    package var journalPath: String { Self.path(directory, Self.journalFileName) }

    // MARK: - Reading

    /// The record that may prove `id` up to date: its last successful run, `nil` when there is none or it
    /// was invalidated by a failure since.
    package func record(for id: String) -> TaskRecord? {
        storage.withLock { $0.state.validRecord(for: id) }
    }

    /// The discovered inputs of `id`'s last successful run, also after an invalidating failure (a remote
    /// action still needs the headers a compile read, however its last attempt ended); empty when it never
    /// succeeded.
    package func lastDiscoveredInputs(for id: String) -> [DiscoveredInput] {
        storage.withLock { $0.state.record(for: id)?.discoveredInputs ?? [] }
    }

    /// The moving-average duration of `id`'s successful runs, also after an invalidating failure; `nil`
    /// when it never succeeded.
    package func estimatedDuration(for id: String) -> Duration? {
        storage.withLock { $0.state.record(for: id)?.estimatedDuration }
    }

    /// `id`'s moving-average duration and the peak resident memory of its last successful run (0: not
    /// measured), from one look at its record, also after an invalidating failure; `nil` when it never
    /// succeeded. What the scheduler needs of every step it runs.
    package func runHistory(for id: String) -> (estimatedDuration: Duration, peakMemory: UInt64)? {
        storage.withLock { $0.state.record(for: id) }.map { ($0.estimatedDuration, $0.peakMemory) }
    }

    /// The whole state, decoded.
    ///
    /// - Complexity: O(n) in the size of the state (every record is decoded); meant for `stask explain`,
    ///   estimates over all tasks, and tests. Builds use `record(for:)`.
    package var state: BuildState {
        storage.withLock { $0.state }.materialized()
    }

    /// The output paths of every record (valid or invalidated), without decoding anything else.
    ///
    /// - Complexity: O(n) in the number of records and their outputs.
    package var recordedOutputPaths: Set<String> {
        storage.withLock { $0.state }.recordedOutputPaths()
    }

    /// Task → item → seconds, for every task with recorded items.
    package var allItemDurations: [String: [String: Double]] {
        storage.withLock { $0.state.itemDurations }
    }

    /// Item → seconds recorded for the items of `task` (empty when none).
    package func itemDurations(forTask task: String) -> [String: Double] {
        storage.withLock { $0.state.itemDurations[task] ?? [:] }
    }

    /// The saved stat cache, decoded.
    ///
    /// - Complexity: O(n); to check files during a build use `makeDigestCache(fileSystem:…)`, which decodes
    ///   only the entries it looks up.
    package var statCacheEntries: [String: FileDigestCache.Entry] {
        storage.withLock { $0.state }.allEntries()
    }

    /// A `FileDigestCache` seeded with the saved stat cache, decoding each entry only when first looked up.
    ///
    /// At the end of the build, save what it learned with `updateStatCache(cache.changedEntries)`.
    /// - Parameters: as `FileDigestCache.init(entries:fileSystem:hasher:timestampGranularity:now:)`.
    package func makeDigestCache(
        fileSystem: any FileSystem, hasher: ContentHasher = .shared,
        timestampGranularity: Duration = FileDigestCache.defaultTimestampGranularity,
        now: @escaping @Sendable () -> Int64 = FileDigestCache.wallClockNanoseconds
    ) -> FileDigestCache {
        FileDigestCache(
            base: storage.withLock { $0.state }, entries: [:], fileSystem: fileSystem, hasher: hasher,
            timestampGranularity: timestampGranularity, now: now)
    }

    // MARK: - Changing

    /// Records a successful run: call it only after the task succeeded and its outputs were hashed.
    ///
    /// The new record's estimate and success count follow the previous record of the same id
    /// (`SuccessfulRun.record(after:)`); it replaces that record and clears any invalidation.
    /// - Returns: the stored record.
    /// - Throws: `BuildStateError.writeFailed` when the journal entry could not be written (the record is
    ///   kept in memory and saved by `close()` if that succeeds; the journal stays consistent). After such a
    ///   failure the store stops journaling: later changes are kept in memory without error, for `close()`.
    @discardableResult
    package func recordSuccess(_ run: SuccessfulRun) throws(BuildStateError) -> TaskRecord {
        try storage.withLock { (storage: inout Storage) throws(BuildStateError) -> TaskRecord in
            precondition(!storage.isClosed, "recordSuccess after close")
            let record = run.record(after: storage.state.record(for: run.id))
            let encoded = EncodedTaskRecord(record)
            storage.state.setRecord(encoded, id: record.id)
            if encoded.bytes.count >= BuildStateJournal.sinceSnapshotSize, storage.snapshotIsOnDisk,
                let snapshot = storage.state.snapshot,
                let previous = snapshot.record(for: record.id),
                let changes = record.keyInputs.inputChanges(since: previous.keyInputs)
            {
                // Only the input digests changed since the snapshot's record (an aggregate step after an edit):
                // a few bytes instead of the whole record, so the journal stays small and compaction rare.
                let entry = BuildStateJournal.Entry.successSinceSnapshot(
                    snapshot: snapshot.checksum, record: record, changes: changes)
                try Self.append(entry, to: &storage)
            } else if encoded.bytes.count >= BuildStateJournal.separateWriteSize {
                // No copy of a large record behind its frame: header and record are written one after the
                // other, as one entry (a failure of the second write cuts the first off again).
                try Self.append([BuildStateJournal.successHeader(for: encoded), encoded.bytes], to: &storage)
            } else {
                try Self.append(BuildStateJournal.encodeSuccess(encoded), to: &storage)
            }
            return record
        }
    }

    /// Marks `id`'s record invalidated after a failed run, so it is never treated as up to date again
    /// until the next success. Nothing is written when `id` has no valid record.
    ///
    /// - Throws: `BuildStateError.writeFailed` as `recordSuccess(_:)`.
    package func invalidate(_ id: String) throws(BuildStateError) {
        try storage.withLock { (storage: inout Storage) throws(BuildStateError) in
            precondition(!storage.isClosed, "invalidate after close")
            guard storage.state.invalidate(id) else { return }
            try Self.append(.invalidate(id), to: &storage)
        }
    }

    /// Sets the durations (seconds, as measured; negative or non-finite values become 0) of the given
    /// items of `task`, keeping its other items.
    ///
    /// - Throws: `BuildStateError.writeFailed` as `recordSuccess(_:)`.
    package func updateItemDurations(forTask task: String, _ durations: [String: Double]) throws(BuildStateError) {
        let cleaned = durations.mapValues { $0.isFinite && $0 > 0 ? $0 : 0 }
        try storage.withLock { (storage: inout Storage) throws(BuildStateError) in
            precondition(!storage.isClosed, "updateItemDurations after close")
            storage.state.mergeItemDurations(task: task, cleaned)
            try Self.append(.itemDurations(task: task, durations: cleaned), to: &storage)
        }
    }

    /// Applies stat-cache changes (path → new entry, or `nil` to remove it), typically
    /// `FileDigestCache.changedEntries` at the end of a build. Nothing is written when `changes` is empty.
    ///
    /// - Throws: `BuildStateError.writeFailed` as `recordSuccess(_:)`. Losing stat-cache entries only costs
    ///   re-hashing.
    package func updateStatCache(_ changes: [String: FileDigestCache.Entry?]) throws(BuildStateError) {
        try updateStatCache(StatCacheChanges(changes))
    }

    /// Applies stat-cache changes kept in the compact table (`FileDigestCache.changeTable`); the store keeps
    /// the table itself, not a copy.
    func updateStatCache(_ changes: StatCacheChanges) throws(BuildStateError) {
        guard !changes.isEmpty else { return }
        try storage.withLock { (storage: inout Storage) throws(BuildStateError) in
            precondition(!storage.isClosed, "updateStatCache after close")
            storage.state.applyStatCacheChanges(changes)
            // Large change sets are split so that no journal entry grows unboundedly; one batch at a time,
            // so that the split never holds a second copy of the whole set.
            var batch: [String: FileDigestCache.Entry?] = [:]
            batch.reserveCapacity(min(changes.count, 4096))
            for path in changes.paths {
                guard let entry = changes[path] else { continue }
                batch.updateValue(entry, forKey: path)
                if batch.count == 4096 {
                    try Self.append(.statCache(batch), to: &storage)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try Self.append(.statCache(batch), to: &storage) }
        }
    }

    // MARK: - Closing

    /// `fsync`s the journal when anything was appended since the store was opened or last synchronized,
    /// and keeps the store open: a watch session's end of one build. Compaction waits for `close()`.
    ///
    /// - Throws: `BuildStateError.writeFailed` when the journal cannot be synced.
    package func synchronize() throws(BuildStateError) {
        let journal = storage.withLock { storage -> (any AppendableFile)? in
            precondition(!storage.isClosed, "synchronize after close")
            guard storage.journalLength > max(storage.openedJournalLength, BuildStateJournal.headerSize) else {
                return nil
            }
            storage.openedJournalLength = storage.journalLength
            return storage.journal
        }
        guard let journal else { return }
        do {
            try journal.synchronize()
        } catch {
            throw .writeFailed(path: journalPath, underlying: error)
        }
    }

    /// Whether ``close()`` will compact the journal into a new snapshot (as things stand: a later append may
    /// make it so).
    package var compactsOnClose: Bool { storage.withLock { !$0.isClosed && $0.shouldCompact } }

    /// Saves the state: `fsync`s the journal, or compacts it into a new snapshot when it has grown large or a
    /// file was damaged (see the type's documentation).
    ///
    /// Calling it twice is harmless. A store dropped without `close()` leaves its journal unsynced, exactly
    /// like a crash; the next `open` replays it.
    /// - Throws: `BuildStateError.writeFailed` when the snapshot or the journal cannot be written; the files
    ///   on disk are then still consistent, and the next build replays the journal.
    package func close() throws(BuildStateError) {
        let taken = storage.withLock { storage -> (LiveState, Bool, (any AppendableFile)?, Bool)? in
            guard !storage.isClosed else { return nil }
            storage.isClosed = true
            defer { storage.journal = nil }
            let appended = storage.journalLength > max(storage.openedJournalLength, BuildStateJournal.headerSize)
            return (storage.state, storage.shouldCompact, storage.journal, appended)
        }
        guard let (state, shouldCompact, journal, hasAppended) = taken else { return }
        defer { journal?.close() }
        if shouldCompact {
            do {
                _ = try Self.writeSnapshot(state, to: snapshotPath, fileSystem)
            } catch {
                throw .writeFailed(path: snapshotPath, underlying: error)
            }
            journal?.close()
            // Failing to delete the journal is harmless: the next open replays it onto the new snapshot.
            try? fileSystem.removeItem(atPath: journalPath)
        } else if let journal, hasAppended {
            do {
                try journal.synchronize()
            } catch {
                throw .writeFailed(path: journalPath, underlying: error)
            }
        }
    }

    // MARK: - Helpers

    /// Writes `state` as a new snapshot at `path`, streamed (see ``StateSnapshot/encode(_:emit:)``); its size.
    static func writeSnapshot(
        _ state: LiveState, to path: String, _ fileSystem: any FileSystem
    ) throws(FileSystemError) -> Int {
        let contents = state.snapshotContents()
        return try fileSystem.writeFile(atPath: path) { (append) throws(FileSystemError) in
            try StateSnapshot.encode(contents, emit: append)
        }
    }

    private static func append(_ entry: BuildStateJournal.Entry, to storage: inout Storage) throws(BuildStateError) {
        guard storage.journal != nil else {
            storage.mustCompact = true
            return
        }
        try append(BuildStateJournal.encode(entry), to: &storage)
    }

    /// Appends one encoded journal entry (``BuildStateJournal/encode(_:)``).
    private static func append(_ bytes: [UInt8], to storage: inout Storage) throws(BuildStateError) {
        try append([bytes], to: &storage)
    }

    /// Appends one journal entry given in consecutive parts, each written as it is.
    private static func append(_ parts: [[UInt8]], to storage: inout Storage) throws(BuildStateError) {
        guard let journal = storage.journal else {
            storage.mustCompact = true
            return
        }
        do {
            for part in parts { try journal.append(part) }
            storage.journalLength += parts.reduce(0) { $0 + $1.count }
        } catch {
            // The change stays in memory; make sure close() saves it.
            storage.mustCompact = true
            // Cut off a partial entry, so the journal still replays cleanly (if even that fails, the damaged
            // tail is detected by its checksum on the next open). Then stop journaling: later changes stay in
            // memory for `close()` to save, so a full disk is one warning, not one per task.
            try? journal.truncate(toSize: UInt64(storage.journalLength))
            journal.close()
            storage.journal = nil
            throw .writeFailed(path: journal.path, underlying: error)
        }
    }

    static func removeOrThrow(_ path: String, _ fileSystem: any FileSystem) throws(BuildStateError) {
        do {
            try fileSystem.removeItem(atPath: path)
        } catch {
            throw .notWritable(path: path, underlying: error)
        }
    }

    static func path(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
