import Testing

@testable import StaskCore
@testable import StaskRemote

@Suite struct CacheManifestTests {
    static let sample = CacheManifest(
        outputs: [
            .init(
                path: "build/tool", digest: SHA256Digest(hex: String(repeating: "ab", count: 32))!, size: 1234,
                isExecutable: true, mode: 0o755),
            .init(path: "build/empty", digest: .empty, size: 0, isExecutable: false, mode: 0o644),
        ],
        executionStart: .seconds(1_700_000_000) + .nanoseconds(5),
        executionEnd: .seconds(1_700_000_002) + .milliseconds(500))

    @Test func roundTripsAndSortsOutputsByPath() throws {
        let decoded = try CacheManifest(decoding: Self.sample.encoded())
        #expect(decoded == Self.sample)
        #expect(decoded.outputs.map(\.path) == ["build/empty", "build/tool"])
        #expect(decoded.wallTime == .seconds(2) + .milliseconds(500) - .nanoseconds(5))
        #expect(decoded.totalSize == 1234)
    }

    /// The exact bytes of a small entry, worked out by hand from the protobuf encoding rules, so the layout
    /// documented on `CacheManifest` (Bazel's `ActionResult` field numbers) cannot drift silently.
    @Test func encodesBazelActionResultFieldNumbers() {
        let digest = SHA256Digest.empty
        let manifest = CacheManifest(outputs: [
            .init(path: "a", digest: digest, size: 0, isExecutable: true, mode: 0o755)
        ])
        let hash = Array(digest.description.utf8)
        let digestMessage: [UInt8] = [0x0a, 64] + hash  // Digest.hash = 1; size 0 omitted
        let mode: [UInt8] = [0x08, 0xed, 0x03]  // UInt32Value.value = 1: 493
        let properties: [UInt8] = [0x1a, UInt8(mode.count)] + mode  // NodeProperties.unix_mode = 3
        let file: [UInt8] =
            [0x0a, 1, UInt8(ascii: "a")] + [0x12, UInt8(digestMessage.count)] + digestMessage + [0x20, 1]
            + [0x3a, UInt8(properties.count)] + properties
        let marker = Array("stask-manifest/1".utf8)
        let metadata: [UInt8] = [0x0a, UInt8(marker.count)] + marker  // ExecutedActionMetadata.worker = 1
        let expected: [UInt8] = [0x4a, UInt8(metadata.count)] + metadata + [0x12, UInt8(file.count)] + file
        #expect(manifest.encoded() == expected)
    }

    @Test func damageBeforeTheMarkerMeansAForeignEntry() {
        var writer = ProtobufWriter()
        writer.write(field: 2, varint: 1)
        writer.write(field: 9) { $0.write(field: 1, string: CacheManifest.formatMarker) }
        #expect(throws: CacheManifest.DecodingError.otherFormat(marker: nil)) {
            try CacheManifest(decoding: writer.bytes)
        }
    }

    @Test func anotherFormatMarkerIsNotAnError() {
        var writer = ProtobufWriter()
        writer.write(field: 9) { $0.write(field: 1, string: "stask-manifest/2") }
        #expect(throws: CacheManifest.DecodingError.otherFormat(marker: "stask-manifest/2")) {
            try CacheManifest(decoding: writer.bytes)
        }
        #expect(throws: CacheManifest.DecodingError.otherFormat(marker: nil)) {
            try CacheManifest(decoding: [])
        }
    }

    @Test func skipsFieldsItDoesNotKnow() throws {
        var writer = ProtobufWriter()
        writer.write(field: 5, bytes: Array("stdout".utf8))
        writer.write(field: 1000, varint: 7)
        let bytes = writer.bytes + Self.sample.encoded()
        #expect(try CacheManifest(decoding: bytes) == Self.sample)
    }

    static func withMarker(_ body: (inout ProtobufWriter) -> Void) -> [UInt8] {
        var writer = ProtobufWriter()
        writer.write(field: 9) { $0.write(field: 1, string: CacheManifest.formatMarker) }
        body(&writer)
        return writer.bytes
    }

    static let malformed: [(String, [UInt8])] = [
        ("truncated", Array(sample.encoded().dropLast(3))),
        (
            "bad digest",
            withMarker {
                $0.write(field: 2) { file in
                    file.write(field: 1, string: "x")
                    file.write(field: 2) { $0.write(field: 1, string: "not hex") }
                }
            }
        ),
        (
            "no path",
            withMarker {
                $0.write(field: 2) { file in
                    file.write(field: 2) { $0.write(field: 1, string: SHA256Digest.empty.description) }
                }
            }
        ),
        (
            "negative size",
            withMarker {
                $0.write(field: 2) { file in
                    file.write(field: 1, string: "x")
                    file.write(field: 2) { digest in
                        digest.write(field: 1, string: SHA256Digest.empty.description)
                        digest.write(field: 2, varint: UInt64(bitPattern: -1))
                    }
                }
            }
        ),
        (
            "twice",
            withMarker { writer in
                for _ in 0..<2 {
                    writer.write(field: 2) { file in
                        file.write(field: 1, string: "x")
                        file.write(field: 2) { $0.write(field: 1, string: SHA256Digest.empty.description) }
                    }
                }
            }
        ),
        ("failed run", withMarker { $0.write(field: 4, varint: 1) }),
        ("wrong wire type", withMarker { $0.write(field: 2, varint: 1) }),
    ]

    @Test(arguments: malformed)
    func rejectsMalformedEntriesOfItsOwnFormat(name: String, bytes: [UInt8]) {
        #expect(
            performing: { try CacheManifest(decoding: bytes) },
            throws: { error in
                if case .malformed = error as? CacheManifest.DecodingError { return true }
                return false
            })
    }

    @Test func survivesEveryTruncationAndByteFlipWithoutTrapping() {
        let bytes = Self.sample.encoded()
        for length in 0..<bytes.count {
            _ = try? CacheManifest(decoding: Array(bytes.prefix(length)))
        }
        for index in bytes.indices {
            var damaged = bytes
            damaged[index] ^= 0xff
            _ = try? CacheManifest(decoding: damaged)
        }
    }
}
