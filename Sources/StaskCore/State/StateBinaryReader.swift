/// Why a build-state payload could not be decoded (internal; reported as `BuildStateWarning`).
struct StateDecodingError: Error {
    var detail: String
}

/// Reads the primitive fields written by `StateBinaryWriter`, with bounds checks on every read.
///
/// Valid only while the buffer it reads is alive (use inside `withUnsafeBytes`).
struct StateBinaryReader {
    private let base: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ base: UnsafeRawBufferPointer, offset: Int = 0) {
        self.base = base
        self.offset = offset
    }

    var remaining: Int { base.count - offset }

    var isAtEnd: Bool { offset == base.count }

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
        return String(decoding: UnsafeRawBufferPointer(rebasing: base[offset..<offset + length]), as: UTF8.self)
    }

    mutating func bytes(_ length: Int) throws(StateDecodingError) -> UnsafeRawBufferPointer {
        try need(length)
        defer { offset += length }
        return UnsafeRawBufferPointer(rebasing: base[offset..<offset + length])
    }

    /// A reader over `range` (offsets in this reader's buffer), starting at its beginning.
    func subreader(_ range: Range<Int>) throws(StateDecodingError) -> StateBinaryReader {
        guard range.lowerBound >= 0, range.upperBound <= base.count else {
            throw StateDecodingError(detail: "range out of bounds")
        }
        return StateBinaryReader(UnsafeRawBufferPointer(rebasing: base[range]))
    }

    private func need(_ count: Int) throws(StateDecodingError) {
        guard count <= remaining else { throw StateDecodingError(detail: "unexpected end of data") }
    }
}
