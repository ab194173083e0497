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

    /// The snapshot file's bytes for `contents`, built in one buffer: a first pass over the records fills
    /// the string table (which precedes them in the file), the second writes them after it. Records are
    /// encoded twice rather than held twice.
    static func encode(_ contents: Contents) -> [UInt8] {
        var strings = StringInterner()
        let intern: (inout StateBinaryWriter, String) -> Void = { writer, string in
            writer.varint(strings.index(of: string))
        }
        // Entries are length-prefixed, so each is encoded into a reused scratch buffer first.
        var entry = StateBinaryWriter(capacity: 1024)
        var records: [String] = []
        records.reserveCapacity(contents.recordIDs.count)
        var encodedSize = 0
        for id in contents.recordIDs {
            guard let record = contents.record(id) else { continue }
            entry.bytes.removeAll(keepingCapacity: true)
            record.encode(to: &entry, coldString: intern)
            encodedSize += entry.bytes.count + 5
            records.append(id)
        }
        var statSize = 0
        for path in contents.statPaths { statSize += path.utf8.count + 80 }

        var file = StateBinaryWriter(capacity: Self.headerSize + strings.byteCount + encodedSize + statSize + 64)
        file.append(Self.magic)
        file.uint32(Self.version)
        file.uint32(0)
        let lengthOffset = file.bytes.count
        file.uint64(0)
        file.uint64(0)
        precondition(file.bytes.count == Self.headerSize, "header layout")
        file.varint(strings.table.count)
        for string in strings.table { file.inlineString(string) }

        // The second pass finds every string already in the table, so the indices are the same.
        file.varint(records.count)
        for id in records {
            guard let record = contents.record(id) else { preconditionFailure("a record vanished while encoding") }
            entry.bytes.removeAll(keepingCapacity: true)
            record.encode(to: &entry, coldString: intern)
            file.varint(entry.bytes.count)
            file.append(entry.bytes)
        }
        strings = StringInterner()
        file.varint(contents.itemDurations.count)
        for task in contents.itemDurations.keys.sorted() {
            let items = contents.itemDurations[task]!
            file.inlineString(task)
            file.varint(items.count)
            for item in items.keys.sorted() {
                file.inlineString(item)
                file.float64(items[item]!)
            }
        }
        var statEntries: [(String, FileDigestCache.Entry)] = []
        for path in contents.statPaths {
            if let value = contents.statEntry(path) { statEntries.append((path, value)) }
        }
        file.varint(statEntries.count)
        for (path, value) in statEntries {
            entry.bytes.removeAll(keepingCapacity: true)
            entry.inlineString(path)
            Self.encode(value, to: &entry)
            file.varint(entry.bytes.count)
            file.append(entry.bytes)
        }

        let payloadLength = UInt64(file.bytes.count - Self.headerSize)
        let checksum = file.bytes.withUnsafeBytes {
            ContentHasher.checksum(of: UnsafeRawBufferPointer(rebasing: $0[Self.headerSize...]))
        }
        file.bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: payloadLength.littleEndian, toByteOffset: lengthOffset, as: UInt64.self)
            raw.storeBytes(of: checksum.littleEndian, toByteOffset: lengthOffset + 8, as: UInt64.self)
        }
        return file.bytes
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
