import StaskCore

/// The protocol-buffers wire types the manifest meets (groups, 3 and 4, are obsolete and rejected).
enum ProtobufWireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
}

/// Writes the protocol-buffers wire format: just enough for ``CacheManifest`` (varints, strings and nested
/// messages), so that the action cache entries are Bazel `ActionResult` messages without a protobuf library.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    /// A base-128 varint, least significant group first.
    mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// A varint field (`int32`, `int64`, `uint32`, `bool`); negative numbers take ten bytes, as `int64` does.
    mutating func write(field: Int, varint value: UInt64) {
        writeTag(field: field, wireType: .varint)
        writeVarint(value)
    }

    /// A length-delimited field holding raw bytes.
    mutating func write(field: Int, bytes value: [UInt8]) {
        writeTag(field: field, wireType: .lengthDelimited)
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `string` field (UTF-8).
    mutating func write(field: Int, string value: String) {
        write(field: field, bytes: Array(value.utf8))
    }

    /// An embedded message field, written by `body` into a nested writer.
    mutating func write(field: Int, message body: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        body(&nested)
        write(field: field, bytes: nested.bytes)
    }

    private mutating func writeTag(field: Int, wireType: ProtobufWireType) {
        precondition(field > 0 && field < 1 << 29, "protobuf field numbers are 1 ..< 2^29")
        writeVarint(UInt64(field) << 3 | UInt64(wireType.rawValue))
    }
}
