/// The snapshot file `.stask/state`, format version 1, loaded for lookups without decoding it.
///
/// Written whole, atomically (temporary file, `fsync`, `rename`, `fsync` of the directory) when the journal
/// is compacted (`StateSnapshot+Encoding.swift`); read whole when a build starts. All integers are
/// little-endian; a varint is unsigned LEB128; a digest is 16 bytes (high half, low half, each a `UInt64`);
/// `text` is a varint byte length and UTF-8 bytes; `str` is a varint index into the string table, which
/// holds the strings of the records' cold parts, so a variable value, an environment entry or a header path
/// shared by many records is stored once.
///
/// ```
/// offset size  field
///  0      8    magic "STASKSNP"
///  8      4    format version (UInt32) = 1
/// 12      4    reserved, 0
/// 16      8    payload length (UInt64)
/// 24      8    XXH3-64 of the payload
/// 32      …    payload:
///              string table: varint count, then count × text
///              records:      varint count, then per record a varint byte length and:
///                              hot part:  text id, digest action key, varint wall ns, varint cpu ns,
///                                         varint estimate ns, varint success count, UInt8 flags
///                                         (bit 0: invalidated, bit 1: discovered inputs follow,
///                                         bit 2: peak memory follows), with bit 2 varint peak bytes,
///                                         varint n, n × (text path, digest) outputs, with bit 1
///                                         varint n, n × (text path, digest) discovered inputs (by path)
///                              cold part (the rest of the record): str directory, varint n + n × str
///                                         commands, varint n + n × (str, str) environment, the same for
///                                         variables, varint n + n × (str, digest) inputs, varint n + n × str
///                                         output paths
///              item times:   varint task count; per task: text name, varint n, n × (text item, Float64 s)
///              stat cache:   varint count, then per entry a varint byte length and: text path, UInt8 kind
///                            (0 file, 1 directory, 2 symlink, 3 other), varint size, varint device,
///                            varint inode, Int64 mtime ns, Int64 ctime ns, varint mode, Int64 recorded ns,
///                            digest
/// ```
///
/// **Loading** checks the header and the checksum of the whole payload, then only *indexes* records and
/// stat-cache entries: each key (id or path) is hashed where it lies (`HashedIndex`); nothing is decoded.
/// A record is decoded when looked up (`record(for:)`), its cold part (read only by `stask explain`) not
/// even then. So 100,000 records and as many stat-cache entries load in tens of milliseconds, most of it
/// reading the file.
///
/// **Compatibility.** A reader accepts exactly the versions it knows (1). Any change to the layout bumps the
/// version; state is a cache, so an older or newer file is a `BuildStateWarning` and a full rebuild, never
/// a migration. **Corruption** (wrong magic, short file, checksum mismatch, a structure that does not
/// parse, trailing bytes) is a warning and an empty state, never a crash. Every read is bounds-checked; a
/// record or entry that still fails to decode when looked up (possible only for a file that was altered
/// and re-checksummed) reads as absent, which only causes a rebuild.
///
/// Immutable once loaded, so `Sendable` and lock-free; lookups may run on any thread.
final class StateSnapshot: Sendable {
    static let magic: [UInt8] = Array("STASKSNP".utf8)
    static let version: UInt32 = 1
    static let headerSize = 32

    /// The whole file.
    let bytes: [UInt8]
    /// For each string-table index, the offset of the string's varint length.
    let stringOffsets: [Int]
    let itemDurations: [String: [String: Double]]
    private let recordIndex: HashedIndex
    private let statIndex: HashedIndex

    private init(
        bytes: [UInt8], stringOffsets: [Int], itemDurations: [String: [String: Double]], recordIndex: HashedIndex,
        statIndex: HashedIndex
    ) {
        self.bytes = bytes
        self.stringOffsets = stringOffsets
        self.itemDurations = itemDurations
        self.recordIndex = recordIndex
        self.statIndex = statIndex
    }

    /// The checksum of the payload, from the header: what names this snapshot (journal entries that build on
    /// one of its records say which snapshot they mean).
    var checksum: UInt64 {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: Self.magic.count + 16, as: UInt64.self).littleEndian }
    }

    var recordCount: Int { recordIndex.count }
    var statEntryCount: Int { statIndex.count }

    // MARK: - Loading

    /// Checks and indexes a snapshot file, or says why it cannot be used.
    static func load(_ bytes: [UInt8]) -> Result<StateSnapshot, UnusableSnapshot> {
        bytes.withUnsafeBytes { raw in load(raw, bytes: bytes) }
    }

    private static func load(_ raw: UnsafeRawBufferPointer, bytes: [UInt8]) -> Result<StateSnapshot, UnusableSnapshot> {
        if raw.isEmpty { return .failure(UnusableSnapshot(.empty)) }
        guard raw.count >= magic.count, raw.prefix(magic.count).elementsEqual(magic) else {
            return .failure(UnusableSnapshot(.badMagic))
        }
        guard raw.count >= headerSize else { return .failure(UnusableSnapshot(.truncated)) }
        var header = StateBinaryReader(raw, offset: magic.count)
        do throws(StateDecodingError) {
            let found = try header.uint32()
            guard found == version else {
                return .failure(UnusableSnapshot(.unsupportedVersion(found: found, supported: version)))
            }
            _ = try header.uint32()
            let length = try header.uint64()
            let checksum = try header.uint64()
            let available = UInt64(raw.count - headerSize)
            guard length <= available else { return .failure(UnusableSnapshot(.truncated)) }
            guard length == available else {
                return .failure(UnusableSnapshot(.malformed("\(available - length) trailing bytes")))
            }
            guard ContentHasher.checksum(of: UnsafeRawBufferPointer(rebasing: raw[headerSize...])) == checksum else {
                return .failure(UnusableSnapshot(.checksumMismatch))
            }
            var reader = StateBinaryReader(raw, offset: headerSize)
            let snapshot = try index(&reader, bytes: bytes)
            guard reader.isAtEnd else {
                return .failure(UnusableSnapshot(.malformed("unexpected bytes after the stat cache")))
            }
            return .success(snapshot)
        } catch {
            return .failure(UnusableSnapshot(.malformed(error.detail)))
        }
    }

    private static func index(_ reader: inout StateBinaryReader, bytes: [UInt8]) throws(StateDecodingError)
        -> StateSnapshot
    {
        let stringCount = try reader.count(limit: reader.remaining)
        var stringOffsets: [Int] = []
        stringOffsets.reserveCapacity(stringCount)
        for _ in 0..<stringCount {
            stringOffsets.append(reader.offset)
            _ = try reader.bytes(try reader.count(limit: reader.remaining))
        }
        let raw = reader.buffer
        let keyAt = { (offset: Int) -> UnsafeRawBufferPointer? in try? StateBinaryReader.keyOfEntry(in: raw, at: offset)
        }
        let recordIndex = try indexEntries(&reader, keyAt: keyAt)

        let taskCount = try reader.count(limit: reader.remaining)
        var itemDurations: [String: [String: Double]] = [:]
        for _ in 0..<taskCount {
            let task = try reader.inlineString()
            let itemCount = try reader.count(limit: reader.remaining)
            var items: [String: Double] = [:]
            items.reserveCapacity(itemCount)
            for _ in 0..<itemCount {
                let item = try reader.inlineString()
                items[item] = try reader.float64()
            }
            itemDurations[task] = items
        }

        let statIndex = try indexEntries(&reader, keyAt: keyAt)
        return StateSnapshot(
            bytes: bytes, stringOffsets: stringOffsets, itemDurations: itemDurations, recordIndex: recordIndex,
            statIndex: statIndex)
    }

    /// Indexes a section of length-prefixed entries that start with their text key.
    private static func indexEntries(
        _ reader: inout StateBinaryReader, keyAt: (Int) -> UnsafeRawBufferPointer?
    ) throws(StateDecodingError) -> HashedIndex {
        let count = try reader.count(limit: reader.remaining)
        var index = HashedIndex(capacity: count)
        for _ in 0..<count {
            let start = reader.offset
            var entry = try reader.entryReader()
            let key = try entry.bytes(try entry.count(limit: entry.remaining))
            index.insert(key: key, offset: start, keyAt: keyAt)
        }
        return index
    }

    // MARK: - Lookups

    /// The record stored for `id`, decoded (its cold part stays encoded until read).
    func record(for id: String) -> TaskRecord? {
        bytes.withUnsafeBytes { raw in
            guard let offset = recordIndex.offset(of: id, keyAt: { Self.key(in: raw, at: $0) }) else { return nil }
            return try? decodeRecord(in: raw, at: offset, knownID: id)
        }
    }

    /// The stat-cache entry stored for `path`.
    func statEntry(forPath path: String) -> FileDigestCache.Entry? {
        bytes.withUnsafeBytes { raw in
            guard let offset = statIndex.offset(of: path, keyAt: { Self.key(in: raw, at: $0) }) else { return nil }
            var reader = StateBinaryReader(raw, offset: offset)
            guard var entry = try? reader.entryReader() else { return nil }
            _ = try? entry.inlineString()
            return try? StateSnapshot.decodeStatEntry(&entry)
        }
    }

    /// Every record, decoded (O(n): for compaction, `stask explain` and tests).
    func allRecords() -> [String: TaskRecord] {
        bytes.withUnsafeBytes { raw in
            var records: [String: TaskRecord] = [:]
            records.reserveCapacity(recordIndex.count)
            for offset in recordIndex.allOffsets {
                if let record = try? decodeRecord(in: raw, at: offset) { records[record.id] = record }
            }
            return records
        }
    }

    /// Adds the output paths of every record (valid or invalidated) to `paths`, decoding nothing else: the
    /// graph builder needs them at the start of every build, so that globs skip outputs of earlier builds.
    func insertRecordedOutputPaths(into paths: inout Set<String>) {
        bytes.withUnsafeBytes { raw in
            for offset in recordIndex.allOffsets {
                var reader = StateBinaryReader(raw, offset: offset)
                do throws(StateDecodingError) {
                    var entry = try reader.entryReader()
                    _ = try entry.bytes(try entry.count(limit: entry.remaining))  // id
                    _ = try entry.digest()  // action key
                    for _ in 0..<3 { _ = try entry.varint() }  // wall, cpu, estimate
                    _ = try entry.varint()  // success count
                    if try entry.byte() & 4 != 0 { _ = try entry.varint() }  // flags, peak memory
                    let outputCount = try entry.count(limit: entry.remaining)
                    for _ in 0..<outputCount {
                        paths.insert(try entry.inlineString())
                        _ = try entry.digest()
                    }
                } catch {
                    continue  // reads as absent, as in `record(for:)`
                }
            }
        }
    }

    /// The id of every record, decoding nothing else.
    func allRecordIDs() -> [String] {
        keys(of: recordIndex)
    }

    /// The path of every stat-cache entry, decoding nothing else.
    func allStatPaths() -> [String] {
        keys(of: statIndex)
    }

    private func keys(of index: HashedIndex) -> [String] {
        bytes.withUnsafeBytes { raw in
            index.allOffsets.compactMap { offset in
                Self.key(in: raw, at: offset).map { key in
                    String(
                        decoding: UnsafeBufferPointer(
                            start: key.baseAddress?.assumingMemoryBound(to: UInt8.self), count: key.count),
                        as: UTF8.self)
                }
            }
        }
    }

    /// Every stat-cache entry, decoded (O(n)).
    func allStatEntries() -> [String: FileDigestCache.Entry] {
        bytes.withUnsafeBytes { raw in
            var entries: [String: FileDigestCache.Entry] = [:]
            entries.reserveCapacity(statIndex.count)
            for offset in statIndex.allOffsets {
                var reader = StateBinaryReader(raw, offset: offset)
                guard var entry = try? reader.entryReader(), let path = try? entry.inlineString(),
                    let value = try? StateSnapshot.decodeStatEntry(&entry)
                else { continue }
                entries[path] = value
            }
            return entries
        }
    }

    /// The string at `index` of the string table.
    func string(at index: Int, in raw: UnsafeRawBufferPointer) throws(StateDecodingError) -> String {
        guard index < stringOffsets.count else { throw StateDecodingError(detail: "string index out of range") }
        var reader = StateBinaryReader(raw, offset: stringOffsets[index])
        return try reader.inlineString()
    }

    private func decodeRecord(
        in raw: UnsafeRawBufferPointer, at offset: Int, knownID: String? = nil
    ) throws(StateDecodingError) -> TaskRecord {
        var reader = StateBinaryReader(raw, offset: offset)
        var entry = try reader.entryReader()
        return try TaskRecord.decode(from: &entry, knownID: knownID) {
            (coldOffset, length) throws(StateDecodingError) in
            .encoded(SnapshotColdPart(snapshot: self, offset: coldOffset, length: length))
        }
    }

    private static func key(in raw: UnsafeRawBufferPointer, at offset: Int) -> UnsafeRawBufferPointer? {
        try? StateBinaryReader.keyOfEntry(in: raw, at: offset)
    }
}

/// Why a snapshot file cannot be used (the `BuildStateWarning` reason as an error value).
struct UnusableSnapshot: Error {
    var reason: BuildStateWarning.Reason

    init(_ reason: BuildStateWarning.Reason) {
        self.reason = reason
    }
}

/// A record's `keyInputs` still encoded in a loaded snapshot.
struct SnapshotColdPart: Sendable {
    let snapshot: StateSnapshot
    /// Offset and length of the cold part within `snapshot.bytes`.
    let offset: Int
    let length: Int

    /// Decodes the value; a cold part that does not decode (an altered file) reads as empty, which only
    /// makes `explain` vaguer.
    func decoded() -> ActionKeyInputs {
        snapshot.bytes.withUnsafeBytes { raw in
            guard var reader = try? StateBinaryReader(raw).subreader(offset..<offset + length) else {
                return ActionKeyInputs(commands: [], directory: "")
            }
            let string = { (reader: inout StateBinaryReader) throws(StateDecodingError) -> String in
                try snapshot.string(at: reader.count(limit: Int.max), in: raw)
            }
            return (try? ActionKeyInputs.decode(from: &reader, string: string))
                ?? ActionKeyInputs(commands: [], directory: "")
        }
    }
}
