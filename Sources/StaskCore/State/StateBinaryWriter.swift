/// Appends the primitive fields of the build-state formats to a byte array (all integers little-endian).
struct StateBinaryWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    mutating func byte(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func uint32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func uint64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func int64(_ value: Int64) {
        uint64(UInt64(bitPattern: value))
    }

    mutating func float64(_ value: Double) {
        uint64(value.bitPattern)
    }

    /// Unsigned LEB128.
    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// The number of bytes `varint(_:)` writes for `value`.
    static func varintLength(_ value: Int) -> Int {
        var length = 1
        var rest = UInt64(value) >> 7
        while rest != 0 {
            length += 1
            rest >>= 7
        }
        return length
    }

    mutating func varint(_ value: Int) {
        precondition(value >= 0, "negative count")
        varint(UInt64(value))
    }

    mutating func digest(_ value: ContentDigest) {
        uint64(value.high)
        uint64(value.low)
    }

    /// A string written in place: varint byte count, then UTF-8.
    mutating func inlineString(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            varint(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func append(_ other: [UInt8]) {
        bytes.append(contentsOf: other)
    }
}
