import FoundationEssentials
import Synchronization

/// Content digests of files, re-read only when their metadata says they may have changed (the stat cache).
///
/// For each path the cache keeps the file's metadata (kind, device, inode, size, mtime and ctime in
/// nanoseconds), its XXH3-128 digest, and the wall-clock time the digest was *recorded*: read just before
/// the file was opened for hashing. `digest(ofFileAtPath:metadata:)` trusts the cached digest when
///
/// 1. the metadata the caller just observed equals the cached metadata in kind, device, inode, size, mtime
///    and ctime, and
/// 2. the entry is not **racily clean**: both the cached mtime and ctime are older than
///    `recordedTime - timestampGranularity`.
///
/// Otherwise it re-reads and re-hashes the file and records a new entry. Rule 2 is git's "racy git" check,
/// made per entry: file times advance in coarse ticks (every 4 ms on this kind of machine), so a write
/// that lands in the same tick as the write we hashed leaves mtime, ctime and possibly size unchanged. A
/// write that starts after the recording time `R` gets a timestamp of at least `R - tick`; when the cached
/// times are older than `R - granularity` (granularity ≥ tick), every later write must change them, so
/// equal metadata proves equal contents. A file written within the granularity of its hashing is re-hashed
/// the next time it is asked for; that second hashing happens long after the write, so from then on the
/// file is trusted. ctime is checked as well as mtime because tools that restore mtimes (`touch -d`,
/// `tar`, `rsync -t`) cannot restore ctime. The default granularity, 10 ms, is conservative against the
/// 4 ms tick; a larger value only costs re-hashing. File times set in the future are never trusted.
///
/// Entries are self-validating, so any entry ever recorded (from a state file of any age) is safe to load.
///
/// Thread-safe: call it from any number of tasks at once to hash independent files in parallel. The table
/// is behind a `Mutex` held only to look up and store entries, never while a file is read. Two concurrent
/// calls for the same path may both hash the file; the last one stored wins, and both are correct.
///
/// ```swift
/// let cache = store.makeDigestCache(fileSystem: fileSystem)
/// let meta = try fs.metadata(atPath: path)!
/// let digest = try cache.digest(ofFileAtPath: path, metadata: meta)
/// if cache.isModified { try store.updateStatCache(cache.changedEntries) }
/// ```
package final class FileDigestCache: Sendable {
    /// What the cache knows about one file.
    package struct Entry: Sendable, Hashable {
        /// The digest of the file's contents.
        package var digest: ContentDigest
        /// Wall-clock time (nanoseconds since the epoch) taken just before the file was read for hashing.
        package var recordedTime: Int64
        /// The file's metadata as observed before it was hashed. (Last, so that an `Entry?` needs no extra
        /// byte: 72 bytes a value; the table holds one per file a build saw.)
        package var metadata: FileMetadata

        /// Creates an entry.
        package init(metadata: FileMetadata, digest: ContentDigest, recordedTime: Int64) {
            self.metadata = metadata
            self.digest = digest
            self.recordedTime = recordedTime
        }

        /// Whether `current` names the same, unmodified file as this entry's metadata: kind, device, inode,
        /// size, mtime and ctime all equal (the permission bits are not compared).
        package func hasSameIdentity(as current: FileMetadata) -> Bool {
            metadata.kind == current.kind && metadata.size == current.size && metadata.device == current.device
                && metadata.inode == current.inode && metadata.modificationTime == current.modificationTime
                && metadata.changeTime == current.changeTime
        }

        /// Whether the file was modified so close to `recordedTime` that equal metadata does not prove equal
        /// contents: its mtime or ctime is not older than `recordedTime - granularity`.
        package func isRacilyClean(granularity: Duration) -> Bool {
            !metadata.isSettled(at: recordedTime, granularity: granularity)
        }
    }

    /// How the cache answered since it was created, for `stask explain` and the build summary.
    package struct Statistics: Sendable, Hashable {
        /// Digests answered from metadata alone, without reading the file.
        package var trusted = 0
        /// Files read and hashed (new, changed, or racily clean).
        package var hashed = 0
        /// Of `hashed`: files whose metadata was unchanged but whose entry was racily clean.
        package var racilyClean = 0

        /// Creates statistics with the given counts.
        package init(trusted: Int = 0, hashed: Int = 0, racilyClean: Int = 0) {
            self.trusted = trusted
            self.hashed = hashed
            self.racilyClean = racilyClean
        }
    }

    private struct State {
        /// Entries given at creation, shadowing `base` (`nil` marks one removed from it).
        var initial: [String: Entry?]
        var statistics = Statistics()
        /// Path → new entry, or `nil` when removed, since creation; shadows `initial` and `base`. The only
        /// table a build adds to (one entry per file hashed, not two copies).
        var changes = StatCacheChanges()

        func entry(forPath path: String, base: (any StatCacheSource)?) -> Entry? {
            // The emptiness checks skip hashing the path in the common case (nothing hashed yet this build).
            if !changes.isEmpty, let entry = changes[path] { return entry }
            if !initial.isEmpty, let entry = initial[path] { return entry }
            return base?.entry(forPath: path)
        }
    }

    /// Entries whose file times are within this much of their recording time are re-hashed.
    package let timestampGranularity: Duration
    /// The usual ``timestampGranularity``: above the tick of the clocks Linux file systems stamp times with.
    package static let defaultTimestampGranularity: Duration = .milliseconds(10)
    private let fileSystem: any FileSystem
    private let hasher: ContentHasher
    private let now: @Sendable () -> Int64
    /// Entries recorded before creation that `State` does not shadow, decoded when looked up.
    private let base: (any StatCacheSource)?
    private let state: Mutex<State>

    /// Creates a cache over `fileSystem`, starting from previously recorded `entries`.
    ///
    /// - Parameters:
    ///   - entries: path → entry, typically `BuildStateStore.statCacheEntries`.
    ///   - fileSystem: where files are read.
    ///   - hasher: the hasher (and buffer pool) to use.
    ///   - timestampGranularity: the racily-clean window; must not be below the file system's timestamp tick.
    ///   - now: the wall clock in nanoseconds since the epoch, comparable with file times (tests inject the
    ///     `InMemoryFileSystem` clock).
    package convenience init(
        entries: [String: Entry] = [:], fileSystem: any FileSystem, hasher: ContentHasher = .shared,
        timestampGranularity: Duration = defaultTimestampGranularity,
        now: @escaping @Sendable () -> Int64 = FileDigestCache.wallClockNanoseconds
    ) {
        self.init(
            base: nil, entries: entries.mapValues { $0 }, fileSystem: fileSystem, hasher: hasher,
            timestampGranularity: timestampGranularity, now: now)
    }

    /// A cache over previously recorded entries that are decoded one by one when first looked up
    /// (`BuildStateStore.makeDigestCache`), shadowed by `entries`.
    init(
        base: (any StatCacheSource)?, entries: [String: Entry?], fileSystem: any FileSystem, hasher: ContentHasher,
        timestampGranularity: Duration, now: @escaping @Sendable () -> Int64
    ) {
        self.base = base
        self.state = Mutex(State(initial: entries))
        self.fileSystem = fileSystem
        self.hasher = hasher
        self.timestampGranularity = timestampGranularity
        self.now = now
    }

    /// The digest of the regular file at `path`, whose metadata the caller has just observed.
    ///
    /// Trusted from the cache when `metadata` matches a non-racy entry (see the type's documentation),
    /// read and hashed otherwise; a hashed file's entry is replaced (with `metadata` and a recording time
    /// taken before the read). Pass metadata observed *before* this call: if the file changes after the
    /// caller's `stat`, the new contents are hashed under the old metadata, which is still safe because the
    /// next lookup sees different metadata, or the same tick and therefore the contents hashed here.
    /// - Parameter key: The name of the file's entry in the cache, when not `path`. The build names files
    ///   project-relative (a state directory belongs to one project): most such keys fit in a `String`
    ///   without an allocation, where absolute paths would cost one per file in memory and tens of bytes per
    ///   file in the state.
    /// - Throws: `FileSystemError.wrongKind` when `metadata` is not a regular file's; `.notFound` or
    ///   `.systemCall` when the file cannot be read (its entry is then dropped).
    package func digest(
        ofFileAtPath path: String, metadata: FileMetadata, key: String? = nil
    ) throws(FileSystemError) -> ContentDigest {
        guard metadata.kind == .regularFile else { throw .wrongKind(path: path, expected: "a regular file") }
        let key = key ?? path
        let granularity = timestampGranularity
        let (trusted, wasRacy) = state.withLock { [base] state -> (ContentDigest?, Bool) in
            guard let entry = state.entry(forPath: key, base: base), entry.hasSameIdentity(as: metadata) else {
                return (nil, false)
            }
            if entry.isRacilyClean(granularity: granularity) { return (nil, true) }
            state.statistics.trusted += 1
            return (entry.digest, false)
        }
        if let trusted { return trusted }

        let recordedTime = now()
        let digest: ContentDigest
        do {
            digest = try hasher.digest(ofFileAtPath: path, in: fileSystem, expectedSize: metadata.size)
        } catch {
            remove(key)
            throw error
        }
        let entry = Entry(metadata: metadata, digest: digest, recordedTime: recordedTime)
        state.withLock { state in
            state.changes.set(entry, forPath: key)
            state.statistics.hashed += 1
            if wasRacy { state.statistics.racilyClean += 1 }
        }
        return digest
    }

    /// The digest of the regular file at `path`, observing its metadata first (`stat`).
    ///
    /// - Throws: `FileSystemError.notFound` when nothing is there, otherwise as
    ///   `digest(ofFileAtPath:metadata:)`.
    package func digest(ofFileAtPath path: String) throws(FileSystemError) -> ContentDigest {
        guard let metadata = try fileSystem.metadata(atPath: path) else { throw .notFound(path: path) }
        return try digest(ofFileAtPath: path, metadata: metadata)
    }

    /// The cached digest if `metadata` alone proves it current, without reading anything or counting.
    ///
    /// For `stask explain` and dry runs: `nil` means the file would be hashed.
    package func trustedDigest(ofFileAtPath path: String, metadata: FileMetadata) -> ContentDigest? {
        let granularity = timestampGranularity
        return state.withLock { [base] state in
            guard let entry = state.entry(forPath: path, base: base), entry.hasSameIdentity(as: metadata),
                !entry.isRacilyClean(granularity: granularity)
            else { return nil }
            return entry.digest
        }
    }

    /// Forgets the entry for `path` (for example when the engine found the file deleted).
    package func removeEntry(forPath path: String) {
        remove(path)
    }

    private func remove(_ path: String) {
        state.withLock { [base] state in
            guard state.entry(forPath: path, base: base) != nil else { return }
            state.changes.set(nil, forPath: path)
        }
    }

    /// A copy of every entry (O(n): decodes every entry recorded before creation).
    package var entries: [String: Entry] {
        let (initial, changes) = state.withLock { ($0.initial, $0.changes) }
        var entries = base?.allEntries() ?? [:]
        let apply = { (path: String, entry: Entry?) in
            if let entry { entries[path] = entry } else { entries.removeValue(forKey: path) }
        }
        for (path, entry) in initial { apply(path, entry) }
        changes.forEach(apply)
        return entries
    }

    /// What changed since creation: path → its new entry, or `nil` when the entry was removed. Persist it
    /// with `BuildStateStore.updateStatCache(_:)`; only changes are journaled, so a build that re-hashed
    /// three files writes three entries.
    package var changedEntries: [String: Entry?] {
        state.withLock { $0.changes }.dictionary
    }

    /// Makes room for `count` more changed entries, so that the table does not double (holding its old and
    /// new storage at once) while a large build hashes its files.
    package func reserveCapacity(_ count: Int) {
        state.withLock { $0.changes.reserveCapacity($0.changes.count + count) }
    }

    /// ``changedEntries`` as the compact table the store keeps (no dictionary of entries is built).
    var changeTable: StatCacheChanges {
        state.withLock { $0.changes }
    }

    /// Counts of trusted and hashed lookups since creation.
    package var statistics: Statistics {
        state.withLock { $0.statistics }
    }

    /// Whether any entry was added, replaced or removed since creation (so the changes are worth saving).
    package var isModified: Bool {
        state.withLock { !$0.changes.isEmpty }
    }

    /// The wall clock in nanoseconds since the epoch: the clock file times come from.
    ///
    /// Read through `Date` (the system's real-time clock, to a fraction of a microsecond), which is far
    /// finer than the racily-clean window it is compared within.
    package static func wallClockNanoseconds() -> Int64 {
        Int64((Date.now.timeIntervalSince1970 * 1_000_000_000).rounded())
    }
}

/// Stat-cache entries recorded earlier, looked up one at a time (implemented by the build state).
protocol StatCacheSource: Sendable {
    func entry(forPath path: String) -> FileDigestCache.Entry?
    func allEntries() -> [String: FileDigestCache.Entry]
}

extension FileMetadata {
    /// Whether both file times are older than `time - granularity` (nanoseconds since the epoch), so that
    /// any write after `time` must change them: the stat cache's trust rule, and the no-op stamp's.
    func isSettled(at time: Int64, granularity: Duration) -> Bool {
        let limit = time &- granularity.saturatingNanoseconds
        return modificationTime < limit && changeTime < limit
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at the `Int64` range.
    fileprivate var saturatingNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let nanoseconds = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        return nanoseconds >= 9.2e18 ? .max : nanoseconds <= -9.2e18 ? .min : Int64(nanoseconds)
    }
}
