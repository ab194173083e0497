// MARK: - Writing the snapshot file (the format is documented on `StateSnapshot`)

extension StateSnapshot {
    /// The snapshot file's bytes for `state`. Equal states give equal bytes.
    ///
    /// - Complexity: O(n log n) in the size of the state; cold parts still encoded from an older snapshot are
    ///   decoded and re-encoded against the new string table.
    static func encode(_ state: BuildState) -> [UInt8] {
        var strings = StringInterner()
        var body = StateBinaryWriter(capacity: 256 * state.records.count + 80 * state.statCache.count)
        let intern: (inout StateBinaryWriter, String) -> Void = { writer, string in
            writer.varint(strings.index(of: string))
        }

        // Entries are length-prefixed, so each is encoded into a reused scratch buffer first.
        var entry = StateBinaryWriter(capacity: 1024)
        body.varint(state.records.count)
        for id in state.records.keys.sorted() {
            entry.bytes.removeAll(keepingCapacity: true)
            state.records[id]!.encode(to: &entry, coldString: intern)
            body.varint(entry.bytes.count)
            body.append(entry.bytes)
        }
        body.varint(state.itemDurations.count)
        for task in state.itemDurations.keys.sorted() {
            let items = state.itemDurations[task]!
            body.inlineString(task)
            body.varint(items.count)
            for item in items.keys.sorted() {
                body.inlineString(item)
                body.float64(items[item]!)
            }
        }
        body.varint(state.statCache.count)
        for path in state.statCache.keys.sorted() {
            entry.bytes.removeAll(keepingCapacity: true)
            entry.inlineString(path)
            Self.encode(state.statCache[path]!, to: &entry)
            body.varint(entry.bytes.count)
            body.append(entry.bytes)
        }

        // The payload (string table, then body) goes straight after a header whose length and checksum
        // are filled in last: one copy of the body, not two (at 100,000 targets the body is ~40 MB).
        var file = StateBinaryWriter(capacity: Self.headerSize + strings.byteCount + body.bytes.count + 16)
        file.append(Self.magic)
        file.uint32(Self.version)
        file.uint32(0)
        let lengthOffset = file.bytes.count
        file.uint64(0)
        file.uint64(0)
        precondition(file.bytes.count == Self.headerSize, "header layout")
        file.varint(strings.table.count)
        for string in strings.table { file.inlineString(string) }
        strings = StringInterner()
        file.append(body.bytes)
        body = StateBinaryWriter()
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
