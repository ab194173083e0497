/// A task record kept in its journal encoding (``TaskRecord/encode(to:coldString:)`` with strings in place),
/// as the live state holds every record set since the snapshot.
///
/// Why not the record itself: a decoded record of a one-command step is about a dozen allocations (its id,
/// the output-digest map, and in the key inputs the commands, the input-digest map, the output list and
/// their strings), some 650 bytes; encoded it is one array of about 200. A 100,000-target build keeps
/// 100,000 of them until the state is saved, so this is most of what the state costs while it runs.
/// Lookups decode only the record asked for, and its cold part (``TaskRecord/keyInputs``) only when read.
/// The journal writes the same bytes (``BuildStateJournal/encodeSuccess(_:)``), so a record is encoded once.
struct EncodedTaskRecord: Sendable {
    /// The encoded record; never mutated in place, so a decoded cold part can share it.
    let bytes: [UInt8]

    /// Encodes `record`.
    init(_ record: TaskRecord) {
        var writer = StateBinaryWriter(capacity: Self.encodedSize(of: record))
        record.encode(to: &writer) { writer, string in writer.inlineString(string) }
        assert(writer.bytes.count == Self.encodedSize(of: record), "the size of an encoded record")
        // 100,000 records keep their buffers all build long: none with much room to spare.
        if writer.bytes.capacity - writer.bytes.count > 16 {
            bytes = writer.bytes.withUnsafeBufferPointer { [UInt8]($0) }
        } else {
            bytes = writer.bytes
        }
    }

    /// The encoded size of `record`, exactly (checked in debug builds): the buffer never doubles while
    /// an aggregate step's record of 100,000 inputs (megabytes) is written, and is rarely copied to fit.
    private static func encodedSize(of record: TaskRecord) -> Int {
        let varint = StateBinaryWriter.varintLength
        func text(_ string: String) -> Int { string.utf8.count + varint(string.utf8.count) }
        let inputs = record.keyInputs
        var size = text(record.id) + 16 + 1 + varint(max(record.successCount, 0))
        for duration in [record.wallTime, record.cpuTime, record.estimatedDuration] {
            size += varint(Int(SuccessfulRun.nanoseconds(of: duration)))
        }
        if record.peakMemory != 0 {
            var length = 1
            var rest = record.peakMemory >> 7
            while rest != 0 {
                length += 1
                rest >>= 7
            }
            size += length
        }
        size += varint(record.outputDigests.count)
        for path in record.outputDigests.keys { size += text(path) + 16 }
        if !record.discoveredInputs.isEmpty {
            size += varint(record.discoveredInputs.count)
            for input in record.discoveredInputs { size += text(input.path) + 16 }
        }
        size += text(inputs.directory) + varint(inputs.commands.count)
        for command in inputs.commands { size += text(command) }
        for map in [inputs.environment, inputs.variables] {
            size += varint(map.count)
            for (key, value) in map { size += text(key) + text(value) }
        }
        size += varint(inputs.sortedInputs.count)
        for input in inputs.sortedInputs { size += text(input.path) + 16 }
        size += varint(inputs.outputPaths.count)
        for path in inputs.outputPaths { size += text(path) }
        return size
    }

    /// The record. Its cold part stays encoded (it refers to ``bytes``) until it is read.
    func decoded() -> TaskRecord {
        let bytes = self.bytes
        let record = bytes.withUnsafeBytes { raw -> TaskRecord? in
            var reader = StateBinaryReader(raw)
            return try? TaskRecord.decode(from: &reader) { (offset, length) throws(StateDecodingError) in
                .inline(InlineColdPart(bytes: bytes, offset: offset, length: length))
            }
        }
        // Only this type writes these bytes, from a record, so they always decode.
        guard let record else { preconditionFailure("an encoded task record does not decode") }
        return record
    }
}

/// A record's `keyInputs` still encoded with its strings in place (inside an ``EncodedTaskRecord``).
struct InlineColdPart: Sendable {
    let bytes: [UInt8]
    /// Offset and length of the cold part within `bytes`.
    let offset: Int
    let length: Int

    func decoded() -> ActionKeyInputs {
        bytes.withUnsafeBytes { raw in
            let inline = { (reader: inout StateBinaryReader) throws(StateDecodingError) -> String in
                try reader.inlineString()
            }
            guard var reader = try? StateBinaryReader(raw).subreader(offset..<offset + length),
                let inputs = try? ActionKeyInputs.decode(from: &reader, string: inline)
            else { preconditionFailure("an encoded task record's key inputs do not decode") }
            return inputs
        }
    }
}
