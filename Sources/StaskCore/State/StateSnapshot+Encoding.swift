// MARK: - Writing the snapshot file (the format is documented on `StateSnapshot`)

extension StateSnapshot {
    /// What a snapshot is written from: sorted keys and a lookup for each section, so that a store can
    /// write its live state without first copying it into one `BuildState` (at 100,000 targets the copy
    /// alone is about 100 MB).
    struct Contents {
        /// Record ids, sorted; an id whose `record` is `nil` is left out.
        var recordIDs: [String]
        var record: (String) -> TaskRecord?
        var itemDurations: [String: [String: Double]]
        /// Stat-cache paths, sorted; a path whose `statEntry` is `nil` is left out.
        var statPaths: [String]
        var statEntry: (String) -> FileDigestCache.Entry?

        init(
            recordIDs: [String], record: @escaping (String) -> TaskRecord?,
            itemDurations: [String: [String: Double]], statPaths: [String],
            statEntry: @escaping (String) -> FileDigestCache.Entry?
        ) {
            self.recordIDs = recordIDs
            self.record = record
            self.itemDurations = itemDurations
            self.statPaths = statPaths
            self.statEntry = statEntry
        }

        init(_ state: BuildState) {
            self.init(
                recordIDs: state.records.keys.sorted(), record: { state.records[$0] },
                itemDurations: state.itemDurations, statPaths: state.statCache.keys.sorted(),
                statEntry: { state.statCache[$0] })
        }
    }

    /// The snapshot file's bytes for `state`. Equal states give equal bytes.
    ///
    /// - Complexity: O(n log n) in the size of the state; cold parts still encoded from an older snapshot are
    ///   decoded and re-encoded against the new string table.
    static func encode(_ state: BuildState) -> [UInt8] {
        encode(Contents(state))
    }

    /// The snapshot file's bytes for `contents`, in one array (tests, and states small enough not to care);
    /// builds write through ``encode(_:emit:)`` instead.
    static func encode(_ contents: Contents) -> [UInt8] {
        var file: [UInt8] = []
        let header = encode(contents) { (chunk) throws(Never) in file.append(contentsOf: chunk) }
        file.replaceSubrange(0..<header.count, with: header)
        return file
    }

    /// The snapshot file for `contents`, handed to `emit` in chunks of about ``chunkSize`` bytes; returns the
    /// header, which goes over the first ``headerSize`` bytes emitted (zeros until then: it holds the
    /// payload's length and checksum, known only at the end).
    ///
    /// A first pass over the records fills the string table (which precedes them in the file), the second
    /// writes them after it: records are encoded twice rather than held twice, and the file is never in
    /// memory whole (at 100,000 targets it is some 40 MB).
    static func encode<Failure: Error>(
        _ contents: Contents, emit: (UnsafeRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) -> [UInt8] {
        var strings = StringInterner()
        let intern: (inout StateBinaryWriter, String) -> Void = { writer, string in
            writer.varint(strings.index(of: string))
        }
        // Entries are length-prefixed, so each is encoded into a reused scratch buffer first.
        var entry = StateBinaryWriter(capacity: 1024)
        var records: [String] = []
        records.reserveCapacity(contents.recordIDs.count)
        for id in contents.recordIDs {
            guard let record = contents.record(id) else { continue }
            entry.bytes.removeAll(keepingCapacity: true)
            record.encode(to: &entry, coldString: intern)
            records.append(id)
        }

        var output = ChunkedOutput()
        output.writer.append([UInt8](repeating: 0, count: Self.headerSize))
        output.payloadStart()
        output.writer.varint(strings.table.count)
        for string in strings.table {
            output.writer.inlineString(string)
            try output.flushIfFull(emit)
        }

        // The second pass finds every string already in the table, so the indices are the same.
        output.writer.varint(records.count)
        for id in records {
            guard let record = contents.record(id) else { preconditionFailure("a record vanished while encoding") }
            entry.bytes.removeAll(keepingCapacity: true)
            record.encode(to: &entry, coldString: intern)
            output.writer.varint(entry.bytes.count)
            output.writer.append(entry.bytes)
            try output.flushIfFull(emit)
        }
        records = []
        strings = StringInterner()
        output.writer.varint(contents.itemDurations.count)
        for task in contents.itemDurations.keys.sorted() {
            let items = contents.itemDurations[task]!
            output.writer.inlineString(task)
            output.writer.varint(items.count)
            for item in items.keys.sorted() {
                output.writer.inlineString(item)
                output.writer.float64(items[item]!)
                try output.flushIfFull(emit)
            }
        }
        // Paths whose entry is gone are left out; counted first, since the count precedes the entries.
        var statCount = 0
        for path in contents.statPaths where contents.statEntry(path) != nil { statCount += 1 }
        output.writer.varint(statCount)
        for path in contents.statPaths {
            guard let value = contents.statEntry(path) else { continue }
            entry.bytes.removeAll(keepingCapacity: true)
            entry.inlineString(path)
            Self.encode(value, to: &entry)
            output.writer.varint(entry.bytes.count)
            output.writer.append(entry.bytes)
            try output.flushIfFull(emit)
        }
        let (payloadLength, checksum) = try output.finish(emit)

        var header = StateBinaryWriter(capacity: Self.headerSize)
        header.append(Self.magic)
        header.uint32(Self.version)
        header.uint32(0)
        header.uint64(payloadLength)
        header.uint64(checksum)
        precondition(header.bytes.count == Self.headerSize, "header layout")
        return header.bytes
    }

    /// The size of the chunks ``encode(_:emit:)`` emits.
    static let chunkSize = 1 << 20

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

    /// A file kind as one byte, in the snapshot, the journal and the no-op stamp.
    static func code(of kind: FileKind) -> UInt8 {
        switch kind {
        case .regularFile: 0
        case .directory: 1
        case .symbolicLink: 2
        case .other: 3
        }
    }

    static func kind(of code: UInt8) throws(StateDecodingError) -> FileKind {
        switch code {
        case 0: .regularFile
        case 1: .directory
        case 2: .symbolicLink
        case 3: .other
        default: throw StateDecodingError(detail: "unknown file kind \(code)")
        }
    }
}

/// Assigns each distinct string an index in first-use order, for the snapshot's string table.
/// A writer whose bytes go out in chunks, with the length and XXH3-64 checksum of everything after the
/// header (the snapshot's payload) kept as they pass.
private struct ChunkedOutput {
    var writer = StateBinaryWriter(capacity: StateSnapshot.chunkSize + 4096)
    private let checksum = XXH3Stream(.bits64)
    private var payloadLength: UInt64 = 0
    /// Where the payload starts in `writer`'s current bytes (after the header, in the first chunk).
    private var payloadOffset = 0

    /// Marks the end of the header: what is written from here on is payload.
    mutating func payloadStart() {
        payloadOffset = writer.bytes.count
    }

    mutating func flushIfFull<Failure: Error>(
        _ emit: (UnsafeRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) {
        if writer.bytes.count >= StateSnapshot.chunkSize { try flush(emit) }
    }

    /// Emits what is left; the payload's length and checksum.
    mutating func finish<Failure: Error>(
        _ emit: (UnsafeRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) -> (length: UInt64, checksum: UInt64) {
        try flush(emit)
        return (payloadLength, checksum.checksum)
    }

    private mutating func flush<Failure: Error>(
        _ emit: (UnsafeRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) {
        let offset = payloadOffset
        let failure: Failure? = writer.bytes.withUnsafeBytes { raw in
            checksum.update(UnsafeRawBufferPointer(rebasing: raw[offset...]))
            do throws(Failure) {
                try emit(raw)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        payloadLength += UInt64(writer.bytes.count - offset)
        payloadOffset = 0
        writer.bytes.removeAll(keepingCapacity: true)
    }
}

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
