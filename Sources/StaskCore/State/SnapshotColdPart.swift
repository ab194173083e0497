/// A loaded snapshot file's bytes and the offsets of its string table, shared by its records' cold parts.
///
/// Immutable after loading, hence `Sendable` without locks.
final class SnapshotStorage: Sendable {
    /// The whole snapshot file.
    let bytes: [UInt8]
    /// For each string-table index, the offset (in `bytes`) of the string's varint length.
    let stringOffsets: [Int]

    init(bytes: [UInt8], stringOffsets: [Int]) {
        self.bytes = bytes
        self.stringOffsets = stringOffsets
    }
}

/// A record's `keyInputs` still encoded in a loaded snapshot (validated when loaded).
struct SnapshotColdPart: Sendable {
    let storage: SnapshotStorage
    let offset: Int
    let length: Int

    /// Decodes the value. It was validated when the snapshot was loaded, so this cannot fail; if it
    /// somehow did, the result is an empty value, which only makes `explain` vaguer.
    func decoded() -> ActionKeyInputs {
        storage.bytes.withUnsafeBytes { raw in
            var reader = StateBinaryReader(UnsafeRawBufferPointer(rebasing: raw[offset..<offset + length]))
            let string = { (reader: inout StateBinaryReader) throws(StateDecodingError) -> String in
                let index = try reader.count(limit: storage.stringOffsets.count - 1)
                var stringReader = StateBinaryReader(raw, offset: storage.stringOffsets[index])
                return try stringReader.inlineString()
            }
            return (try? ActionKeyInputs.decode(from: &reader, string: string))
                ?? ActionKeyInputs(commands: [], directory: "")
        }
    }
}
