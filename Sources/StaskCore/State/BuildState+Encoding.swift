/// The snapshot file `.stask/state`, format version 1.
///
/// Written whole, atomically (temporary file, `fsync`, `rename`, `fsync` of the directory) when the journal
/// is compacted; read whole when a build starts. All integers are little-endian; a varint is unsigned
/// LEB128; a digest is 16 bytes (high half, low half, each a `UInt64`); `text` is a varint byte length and
/// UTF-8 bytes; `str` is a varint index into the string table, which holds the strings of the records'
/// cold parts, so a variable value, an environment entry or a header path shared by many records is stored
/// once.
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
///              records:      varint count, then per record:
///                              hot part:  text id, digest action key, varint wall ns, varint cpu ns,
///                                         varint estimate ns, varint success count, UInt8 flags
///                                         (bit 0: invalidated), varint n, n × (text path, digest) outputs
///                              cold part: varint byte length, then str directory, varint n + n × str
///                                         commands, varint n + n × (str, str) environment, the same for
///                                         variables, varint n + n × (str, digest) inputs, varint n + n × str
///                                         output paths
///              item times:   varint task count; per task: text name, varint n, n × (text item, Float64 s)
///              stat cache:   varint count; per entry: text path, UInt8 kind (0 file, 1 directory,
///                            2 symlink, 3 other), varint size, varint device, varint inode, Int64 mtime ns,
///                            Int64 ctime ns, varint mode, Int64 recorded time ns, digest
/// ```
///
/// Loading decodes the hot parts and the stat cache and only *validates* the cold parts (every string index
/// in range), keeping them encoded until `stask explain` reads one: 100,000 records load in tens of
/// milliseconds.
///
/// **Compatibility.** A reader accepts exactly the versions it knows (1). Any change to the layout bumps the
/// version; state is a cache, so an older or newer file is a `BuildStateWarning` and a full rebuild, never
/// a migration. **Corruption** (wrong magic, short file, checksum mismatch, undecodable payload, trailing
/// bytes) is a warning and an empty state, never a crash: the whole payload is checksummed before any of
/// it is decoded, and every read is bounds-checked.
extension BuildState {
    static let snapshotMagic: [UInt8] = Array("STASKSNP".utf8)
    static let snapshotVersion: UInt32 = 1
    static let snapshotHeaderSize = 32

    /// The snapshot file's bytes for this state. Equal states give equal bytes.
    ///
    /// - Complexity: O(n log n) in the size of the state; cold parts still encoded from an older snapshot are
    ///   decoded and re-encoded against the new string table.
    func encodedSnapshot() -> [UInt8] {
        var strings = StringInterner()
        var body = StateBinaryWriter(capacity: 256 * records.count + 80 * statCache.count)
        let intern: (inout StateBinaryWriter, String) -> Void = { writer, string in
            writer.varint(strings.index(of: string))
        }

        body.varint(records.count)
        for id in records.keys.sorted() {
            records[id]!.encode(to: &body, coldString: intern)
        }
        body.varint(itemDurations.count)
        for task in itemDurations.keys.sorted() {
            let items = itemDurations[task]!
            body.inlineString(task)
            body.varint(items.count)
            for item in items.keys.sorted() {
                body.inlineString(item)
                body.float64(items[item]!)
            }
        }
        body.varint(statCache.count)
        for path in statCache.keys.sorted() {
            body.inlineString(path)
            Self.encode(statCache[path]!, to: &body)
        }

        var payload = StateBinaryWriter(capacity: strings.byteCount + body.bytes.count + 16)
        payload.varint(strings.table.count)
        for string in strings.table { payload.inlineString(string) }
        payload.append(body.bytes)

        var file = StateBinaryWriter(capacity: Self.snapshotHeaderSize + payload.bytes.count)
        file.append(Self.snapshotMagic)
        file.uint32(Self.snapshotVersion)
        file.uint32(0)
        file.uint64(UInt64(payload.bytes.count))
        file.uint64(payload.bytes.withUnsafeBytes { ContentHasher.checksum(of: $0) })
        file.append(payload.bytes)
        return file.bytes
    }

    /// Decodes a snapshot file, or says why it cannot be used.
    static func decodeSnapshot(_ bytes: [UInt8]) -> Result<BuildState, UnusableSnapshot> {
        bytes.withUnsafeBytes { raw in decodeSnapshot(raw, bytes: bytes) }
    }

    private static func decodeSnapshot(
        _ raw: UnsafeRawBufferPointer, bytes: [UInt8]
    ) -> Result<BuildState, UnusableSnapshot> {
        if raw.isEmpty { return .failure(UnusableSnapshot(.empty)) }
        guard raw.count >= snapshotMagic.count, raw.prefix(snapshotMagic.count).elementsEqual(snapshotMagic) else {
            return .failure(UnusableSnapshot(.badMagic))
        }
        guard raw.count >= snapshotHeaderSize else { return .failure(UnusableSnapshot(.truncated)) }
        var header = StateBinaryReader(raw, offset: snapshotMagic.count)
        do throws(StateDecodingError) {
            let version = try header.uint32()
            guard version == snapshotVersion else {
                return .failure(UnusableSnapshot(.unsupportedVersion(found: version, supported: snapshotVersion)))
            }
            _ = try header.uint32()
            let length = try header.uint64()
            let checksum = try header.uint64()
            let available = UInt64(raw.count - snapshotHeaderSize)
            guard length <= available else { return .failure(UnusableSnapshot(.truncated)) }
            guard length == available else {
                return .failure(UnusableSnapshot(.malformed("\(available - length) trailing bytes")))
            }
            let payload = UnsafeRawBufferPointer(rebasing: raw[snapshotHeaderSize...])
            guard ContentHasher.checksum(of: payload) == checksum else {
                return .failure(UnusableSnapshot(.checksumMismatch))
            }
            var reader = StateBinaryReader(raw, offset: snapshotHeaderSize)
            let state = try decodePayload(&reader, bytes: bytes)
            guard reader.isAtEnd else {
                return .failure(UnusableSnapshot(.malformed("unexpected bytes after the stat cache")))
            }
            return .success(state)
        } catch {
            return .failure(UnusableSnapshot(.malformed(error.detail)))
        }
    }

    private static func decodePayload(
        _ reader: inout StateBinaryReader, bytes: [UInt8]
    ) throws(StateDecodingError) -> BuildState {
        let stringCount = try reader.count(limit: reader.remaining)
        var stringOffsets: [Int] = []
        stringOffsets.reserveCapacity(stringCount)
        for _ in 0..<stringCount {
            stringOffsets.append(reader.offset)
            _ = try reader.bytes(try reader.count(limit: reader.remaining))
        }
        let storage = SnapshotStorage(bytes: bytes, stringOffsets: stringOffsets)
        let whole = reader
        let coldPart = { (offset: Int, length: Int) throws(StateDecodingError) -> TaskRecordColdPart in
            var validator = try whole.subreader(offset..<offset + length)
            try ActionKeyInputs.validate(&validator, stringCount: stringCount)
            guard validator.isAtEnd else { throw StateDecodingError(detail: "cold part length mismatch") }
            return .encoded(SnapshotColdPart(storage: storage, offset: offset, length: length))
        }

        var state = BuildState()
        let recordCount = try reader.count(limit: reader.remaining)
        state.records.reserveCapacity(recordCount)
        for _ in 0..<recordCount {
            let record = try TaskRecord.decode(from: &reader, coldPart: coldPart)
            state.records[record.id] = record
        }

        let taskCount = try reader.count(limit: reader.remaining)
        for _ in 0..<taskCount {
            let task = try reader.inlineString()
            let itemCount = try reader.count(limit: reader.remaining)
            var items: [String: Double] = [:]
            items.reserveCapacity(itemCount)
            for _ in 0..<itemCount {
                let item = try reader.inlineString()
                items[item] = try reader.float64()
            }
            state.itemDurations[task] = items
        }

        let entryCount = try reader.count(limit: reader.remaining)
        state.statCache.reserveCapacity(entryCount)
        for _ in 0..<entryCount {
            let path = try reader.inlineString()
            state.statCache[path] = try decodeStatEntry(&reader)
        }
        return state
    }

    /// Kind, size, device, inode, mtime, ctime, mode, recorded time, digest (also used by the journal).
    static func encode(_ entry: FileDigestCache.Entry, to writer: inout StateBinaryWriter) {
        writer.byte(code(of: entry.metadata.kind))
        writer.varint(entry.metadata.size)
        writer.varint(entry.metadata.device)
        writer.varint(entry.metadata.inode)
        writer.int64(entry.metadata.modificationTime)
        writer.int64(entry.metadata.changeTime)
        writer.varint(UInt64(entry.metadata.mode))
        writer.int64(entry.recordedTime)
        writer.digest(entry.digest)
    }

    static func decodeStatEntry(_ reader: inout StateBinaryReader) throws(StateDecodingError) -> FileDigestCache.Entry {
        let kind = try kind(of: reader.byte())
        let size = try reader.varint()
        let device = try reader.varint()
        let inode = try reader.varint()
        let modificationTime = try reader.int64()
        let changeTime = try reader.int64()
        let mode = try reader.varint()
        guard mode <= UInt64(UInt32.max) else { throw StateDecodingError(detail: "file mode out of range") }
        let recordedTime = try reader.int64()
        let digest = try reader.digest()
        return FileDigestCache.Entry(
            metadata: FileMetadata(
                kind: kind, size: size, device: device, inode: inode, modificationTime: modificationTime,
                changeTime: changeTime, mode: UInt32(mode)),
            digest: digest, recordedTime: recordedTime)
    }

    private static func code(of kind: FileKind) -> UInt8 {
        switch kind {
        case .regularFile: 0
        case .directory: 1
        case .symbolicLink: 2
        case .other: 3
        }
    }

    private static func kind(of code: UInt8) throws(StateDecodingError) -> FileKind {
        switch code {
        case 0: .regularFile
        case 1: .directory
        case 2: .symbolicLink
        case 3: .other
        default: throw StateDecodingError(detail: "unknown file kind \(code)")
        }
    }
}

/// Why a snapshot file cannot be used (the `BuildStateWarning` reason as an error value).
struct UnusableSnapshot: Error {
    var reason: BuildStateWarning.Reason

    init(_ reason: BuildStateWarning.Reason) {
        self.reason = reason
    }
}

/// Assigns each distinct string an index in first-use order, for the snapshot's string table.
private struct StringInterner {
    private(set) var table: [String] = []
    private(set) var byteCount = 0
    private var indices: [String: Int] = [:]

    mutating func index(of string: String) -> Int {
        if let index = indices[string] { return index }
        let index = table.count
        indices[string] = index
        table.append(string)
        byteCount += string.utf8.count + 2
        return index
    }
}
