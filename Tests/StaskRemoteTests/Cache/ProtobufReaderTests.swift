import Testing

@testable import StaskCore
@testable import StaskRemote

@Suite struct ProtobufReaderTests {
    /// Varints from the protobuf encoding guide, plus the extremes.
    static let varints: [(UInt64, [UInt8])] = [
        (0, [0x00]), (1, [0x01]), (127, [0x7f]), (128, [0x80, 0x01]), (150, [0x96, 0x01]), (300, [0xac, 0x02]),
        (UInt64.max, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
    ]

    @Test(arguments: varints)
    func varintsMatchTheEncodingGuide(value: UInt64, bytes: [UInt8]) throws {
        var writer = ProtobufWriter()
        writer.writeVarint(value)
        #expect(writer.bytes == bytes)
        var reader = ProtobufReader(bytes)
        #expect(try reader.readVarint() == value)
    }

    @Test func readsFieldsAndSkipsEveryWireType() throws {
        var writer = ProtobufWriter()
        writer.write(field: 1, varint: 150)
        writer.write(field: 2, string: "testing")
        writer.write(field: 3) { $0.write(field: 1, varint: 7) }
        let fixed: [UInt8] = [0x21] + [UInt8](repeating: 9, count: 8) + [0x2d] + [UInt8](repeating: 9, count: 4)
        var reader = ProtobufReader(writer.bytes + fixed + [0x30, 0x05])
        #expect(try reader.nextField()! == (1, .varint))
        #expect(try reader.readVarint() == 150)
        #expect(try reader.nextField()! == (2, .lengthDelimited))
        #expect(try reader.readString() == "testing")
        #expect(try reader.nextField()! == (3, .lengthDelimited))
        var nested = try reader.readMessage()
        #expect(try nested.nextField()! == (1, .varint))
        #expect(try nested.readVarint() == 7)
        #expect(try nested.nextField() == nil)
        #expect(try reader.nextField()! == (4, .fixed64))
        try reader.skip(.fixed64)
        #expect(try reader.nextField()! == (5, .fixed32))
        try reader.skip(.fixed32)
        #expect(try reader.nextField()! == (6, .varint))
        #expect(try reader.readVarint() == 5)
        #expect(try reader.nextField() == nil)
    }

    @Test(
        arguments: [
            [0x80],  // varint without its last byte
            [0x12, 0x05, 0x61],  // length beyond the end
            [0x0b],  // group start: obsolete wire type
            [0x00, 0x00],  // field number 0
            [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],  // eleven-byte varint
            [0x12, 0x01, 0xff],  // string that is not UTF-8
        ] as [[UInt8]])
    func throwsOnMalformedInput(bytes: [UInt8]) {
        #expect(throws: ProtobufReader.Malformed.self) {
            var reader = ProtobufReader(bytes)
            while let (_, wireType) = try reader.nextField() {
                if wireType == .lengthDelimited { _ = try reader.readString() } else { try reader.skip(wireType) }
            }
        }
    }
}
