/// Why a build-state payload could not be decoded (internal; reported as `BuildStateWarning`).
struct StateDecodingError: Error {
    var detail: String
}

/// Reads the primitive fields written by `StateBinaryWriter`, with bounds checks on every read.
///
/// Reads `offset..<end` of a buffer; offsets are always relative to the whole buffer, so sub-readers
/// (`subreader(_:)`, `entryReader()`) report positions that can be stored and used later. Valid only while
/// the buffer it reads is alive (use inside `withUnsafeBytes`).
struct StateBinaryReader {
    private let base: UnsafeRawBufferPointer
    private(set) var offset: Int
    private let end: Int

    /// A reader of `base[offset...]` (an offset past the end reads nothing).
    init(_ base: UnsafeRawBufferPointer, offset: Int = 0) {
        self.base = base
        self.end = base.count
        self.offset = min(max(offset, 0), base.count)
    }

    private init(base: UnsafeRawBufferPointer, range: Range<Int>) {
        self.base = base
        self.offset = range.lowerBound
        self.end = range.upperBound
    }

    var remaining: Int { end - offset }

    /// The whole buffer this reader reads part of.
    var buffer: UnsafeRawBufferPointer { base }

    var isAtEnd: Bool { offset == end }

    /// The bytes of a varint-length-prefixed entry at `offset` of `base` that starts with a text key: the
    /// key's bytes.
    static func keyOfEntry(in base: UnsafeRawBufferPointer, at offset: Int) throws(StateDecodingError)
        -> UnsafeRawBufferPointer
    {
        var reader = StateBinaryReader(base, offset: offset)
        var entry = try reader.entryReader()
        return try entry.bytes(try entry.count(limit: entry.remaining))
    }

    mutating func byte() throws(StateDecodingError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return base[offset]
    }

    mutating func uint32() throws(StateDecodingError) -> UInt32 {
        try need(4)
        defer { offset += 4 }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func uint64() throws(StateDecodingError) -> UInt64 {
        try need(8)
        defer { offset += 8 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    mutating func int64() throws(StateDecodingError) -> Int64 {
        Int64(bitPattern: try uint64())
    }

    mutating func float64() throws(StateDecodingError) -> Double {
        Double(bitPattern: try uint64())
    }

    mutating func varint() throws(StateDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64, shift < 63 || next <= 1 else { throw StateDecodingError(detail: "varint overflow") }
            result |= UInt64(next & 0x7f) << shift
            if next & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// A varint used as a count or index: it must fit in `Int` and be at most `limit`.
    mutating func count(limit: Int) throws(StateDecodingError) -> Int {
        let value = try varint()
        guard value <= UInt64(limit) else { throw StateDecodingError(detail: "count \(value) exceeds \(limit)") }
        return Int(value)
    }

    mutating func digest() throws(StateDecodingError) -> ContentDigest {
        let high = try uint64()
        return ContentDigest(high: high, low: try uint64())
    }

    mutating func inlineString() throws(StateDecodingError) -> String {
        let length = try count(limit: remaining)
        defer { offset += length }
        guard length > 0 else { return "" }
        // A typed `UnsafeBufferPointer<UInt8>` takes String's contiguous fast path (one allocation, or none
        // for short strings); a raw buffer goes through the generic, much slower path.
        let utf8 = UnsafeBufferPointer(
            start: (base.baseAddress! + offset).assumingMemoryBound(to: UInt8.self), count: length)
        return String(decoding: utf8, as: UTF8.self)
    }

    mutating func bytes(_ length: Int) throws(StateDecodingError) -> UnsafeRawBufferPointer {
        try need(length)
        defer { offset += length }
        return UnsafeRawBufferPointer(rebasing: base[offset..<offset + length])
    }

    /// A reader over `range` of the same buffer, starting at its beginning.
    func subreader(_ range: Range<Int>) throws(StateDecodingError) -> StateBinaryReader {
        guard range.lowerBound >= 0, range.upperBound <= base.count else {
            throw StateDecodingError(detail: "range out of bounds")
        }
        return StateBinaryReader(base: base, range: range)
    }

    /// Reads a varint length and returns a reader over that many following bytes, which it skips.
    mutating func entryReader() throws(StateDecodingError) -> StateBinaryReader {
        let length = try count(limit: remaining)
        defer { offset += length }
        return StateBinaryReader(base: base, range: offset..<offset + length)
    }

    private func need(_ count: Int) throws(StateDecodingError) {
        guard count <= remaining else { throw StateDecodingError(detail: "unexpected end of data") }
    }
}
