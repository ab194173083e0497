import StaskCore

/// Reads the protocol-buffers wire format field by field, skipping what the caller does not know.
///
/// Every read is bounds-checked: truncated or malformed input throws ``ProtobufReader/Malformed``, never
/// traps, because the bytes come from a server.
struct ProtobufReader {
    /// The input is not a well-formed protobuf message.
    struct Malformed: Error, Equatable {
        var reason: String
    }

    private let bytes: [UInt8]
    private var position: Int
    private let end: Int

    /// A reader over `bytes`.
    init(_ bytes: [UInt8]) {
        self.init(bytes, range: 0..<bytes.count)
    }

    private init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    /// The next field's number and wire type; `nil` at the end of the message.
    ///
    /// - Throws: ``Malformed`` for a bad tag, field number 0 or an obsolete group wire type.
    mutating func nextField() throws(Malformed) -> (field: Int, wireType: ProtobufWireType)? {
        guard position < end else { return nil }
        let tag = try readVarint()
        guard let wireType = ProtobufWireType(rawValue: UInt8(tag & 7)) else {
            throw Malformed(reason: "unsupported wire type \(tag & 7)")
        }
        let field = tag >> 3
        guard field > 0, field < 1 << 29 else { throw Malformed(reason: "bad field number \(field)") }
        return (Int(field), wireType)
    }

    /// A base-128 varint of at most ten bytes.
    mutating func readVarint() throws(Malformed) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw Malformed(reason: "truncated varint") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw Malformed(reason: "varint longer than ten bytes") }
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    /// The payload of a length-delimited field.
    mutating func readBytes() throws(Malformed) -> [UInt8] {
        let range = try readLengthDelimitedRange()
        return Array(bytes[range])
    }

    /// The payload of a length-delimited field as UTF-8 text.
    mutating func readString() throws(Malformed) -> String {
        let payload = try readBytes()
        guard let text = String(validating: payload, as: UTF8.self) else {
            throw Malformed(reason: "a string field is not valid UTF-8")
        }
        return text
    }

    /// A reader over an embedded message field.
    mutating func readMessage() throws(Malformed) -> ProtobufReader {
        ProtobufReader(bytes, range: try readLengthDelimitedRange())
    }

    /// Skips the payload of a field of `wireType`.
    mutating func skip(_ wireType: ProtobufWireType) throws(Malformed) {
        switch wireType {
        case .varint: _ = try readVarint()
        case .lengthDelimited: _ = try readLengthDelimitedRange()
        case .fixed64: try advance(by: 8)
        case .fixed32: try advance(by: 4)
        }
    }

    /// Requires `wireType` to be `expected` for a field the caller knows.
    static func require(
        _ wireType: ProtobufWireType, is expected: ProtobufWireType, field: String
    ) throws(Malformed) {
        guard wireType == expected else { throw Malformed(reason: "field '\(field)' has the wrong wire type") }
    }

    private mutating func readLengthDelimitedRange() throws(Malformed) -> Range<Int> {
        let length = try readVarint()
        guard length <= UInt64(end - position) else { throw Malformed(reason: "truncated field") }
        let start = position
        position += Int(length)
        return start..<position
    }

    private mutating func advance(by count: Int) throws(Malformed) {
        guard count <= end - position else { throw Malformed(reason: "truncated field") }
        position += count
    }
}
