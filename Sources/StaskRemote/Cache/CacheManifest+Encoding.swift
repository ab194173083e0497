import StaskCore

// MARK: - Encoding and decoding (the format is documented on CacheManifest)

extension CacheManifest {
    /// Why bytes from the action cache are not a usable version 1 manifest.
    enum DecodingError: Error, Equatable {
        /// Not a stask version 1 manifest (marker missing or different): a cache miss, silently.
        case otherFormat(marker: String?)
        /// Malformed bytes or fields: a warning.
        case malformed(reason: String)
    }

    /// The `ActionResult` bytes.
    package func encoded() -> [UInt8] {
        var writer = ProtobufWriter()
        // The marker goes first, so that damage further on is recognised as damage to a stask entry.
        writer.write(field: 9) { metadata in
            metadata.write(field: 1, string: Self.formatMarker)
            if let executionStart { metadata.write(field: 7) { Self.writeTimestamp(executionStart, into: &$0) } }
            if let executionEnd { metadata.write(field: 8) { Self.writeTimestamp(executionEnd, into: &$0) } }
        }
        for output in outputs {
            writer.write(field: 2) { file in
                file.write(field: 1, string: output.path)
                file.write(field: 2) { digest in
                    digest.write(field: 1, string: output.digest.description)
                    if output.size != 0 { digest.write(field: 2, varint: UInt64(output.size)) }
                }
                if output.isExecutable { file.write(field: 4, varint: 1) }
                file.write(field: 7) { properties in
                    properties.write(field: 3) { mode in mode.write(field: 1, varint: UInt64(output.mode & 0o7777)) }
                }
            }
        }
        return writer.bytes
    }

    /// Parses an `ActionResult` written by `encoded()` (or any writer following the documented layout).
    ///
    /// - Throws: `DecodingError.otherFormat` when the marker is missing or different (checked first, so a
    ///   future format is never reported as corrupt), `.malformed` otherwise.
    init(decoding bytes: [UInt8]) throws(DecodingError) {
        var outputs: [Output] = []
        var marker: String?
        var start: Duration?
        var end: Duration?
        var exitCode: UInt64 = 0
        var malformation: String?
        do throws(ProtobufReader.Malformed) {
            var reader = ProtobufReader(bytes)
            while let (field, wireType) = try reader.nextField() {
                switch field {
                case 2:
                    try ProtobufReader.require(wireType, is: .lengthDelimited, field: "output_files")
                    var file = try reader.readMessage()
                    do throws(DecodingError) {
                        outputs.append(try Self.decodeOutput(&file))
                    } catch {
                        if case .malformed(let reason) = error, malformation == nil { malformation = reason }
                    }
                case 4:
                    try ProtobufReader.require(wireType, is: .varint, field: "exit_code")
                    exitCode = try reader.readVarint()
                case 9:
                    try ProtobufReader.require(wireType, is: .lengthDelimited, field: "execution_metadata")
                    var metadata = try reader.readMessage()
                    while let (field, wireType) = try metadata.nextField() {
                        switch (field, wireType) {
                        case (1, .lengthDelimited): marker = try metadata.readString()
                        case (7, .lengthDelimited): start = try Self.readTimestamp(&metadata)
                        case (8, .lengthDelimited): end = try Self.readTimestamp(&metadata)
                        default: try metadata.skip(wireType)
                        }
                    }
                default:
                    try reader.skip(wireType)
                }
            }
        } catch {
            // The marker may sit after the damage; without it, the bytes are not known to be ours.
            guard marker == Self.formatMarker else { throw .otherFormat(marker: marker) }
            throw .malformed(reason: error.reason)
        }
        guard marker == Self.formatMarker else { throw .otherFormat(marker: marker) }
        if let malformation { throw .malformed(reason: malformation) }
        guard exitCode == 0 else { throw .malformed(reason: "exit code \(exitCode) (only successes are stored)") }
        var seen = Set<String>()
        for output in outputs where !seen.insert(output.path).inserted {
            throw .malformed(reason: "output '\(output.path)' is listed twice")
        }
        self.init(outputs: outputs, executionStart: start, executionEnd: end)
    }

    private static func decodeOutput(_ file: inout ProtobufReader) throws(DecodingError) -> Output {
        var path: String?
        var hash: String?
        var size: UInt64 = 0
        var isExecutable = false
        var mode: UInt32 = 0
        do throws(ProtobufReader.Malformed) {
            while let (field, wireType) = try file.nextField() {
                switch (field, wireType) {
                case (1, .lengthDelimited):
                    path = try file.readString()
                case (2, .lengthDelimited):
                    var digest = try file.readMessage()
                    while let (field, wireType) = try digest.nextField() {
                        switch (field, wireType) {
                        case (1, .lengthDelimited): hash = try digest.readString()
                        case (2, .varint): size = try digest.readVarint()
                        default: try digest.skip(wireType)
                        }
                    }
                case (4, .varint):
                    isExecutable = try file.readVarint() != 0
                case (7, .lengthDelimited):
                    var properties = try file.readMessage()
                    while let (field, wireType) = try properties.nextField() {
                        guard field == 3, wireType == .lengthDelimited else {
                            try properties.skip(wireType)
                            continue
                        }
                        var value = try properties.readMessage()
                        while let (field, wireType) = try value.nextField() {
                            if field == 1, wireType == .varint {
                                mode = UInt32(truncatingIfNeeded: try value.readVarint()) & 0o7777
                            } else {
                                try value.skip(wireType)
                            }
                        }
                    }
                default:
                    try file.skip(wireType)
                }
            }
        } catch {
            throw .malformed(reason: error.reason)
        }
        guard let path, !path.isEmpty else { throw .malformed(reason: "an output has no path") }
        guard let hash, let digest = SHA256Digest(hex: hash) else {
            throw .malformed(reason: "output '\(path)' has no valid SHA-256 digest")
        }
        // size_bytes is an int64: a negative value arrives as a huge varint.
        guard size <= UInt64(Int64.max) else { throw .malformed(reason: "output '\(path)' has a negative size") }
        return Output(path: path, digest: digest, size: Int(size), isExecutable: isExecutable, mode: mode)
    }

    private static func writeTimestamp(_ time: Duration, into writer: inout ProtobufWriter) {
        let (seconds, attoseconds) = time.components
        // Timestamp.nanos is in 0 ..< 1e9 even for times before the epoch.
        var wholeSeconds = seconds
        var nanos = attoseconds / 1_000_000_000
        if nanos < 0 {
            wholeSeconds -= 1
            nanos += 1_000_000_000
        }
        if wholeSeconds != 0 { writer.write(field: 1, varint: UInt64(bitPattern: wholeSeconds)) }
        if nanos != 0 { writer.write(field: 2, varint: UInt64(nanos)) }
    }

    private static func readTimestamp(_ reader: inout ProtobufReader) throws(ProtobufReader.Malformed) -> Duration {
        var timestamp = try reader.readMessage()
        var seconds: Int64 = 0
        var nanos: Int64 = 0
        while let (field, wireType) = try timestamp.nextField() {
            switch (field, wireType) {
            case (1, .varint): seconds = Int64(bitPattern: try timestamp.readVarint())
            case (2, .varint): nanos = Int64(Int32(truncatingIfNeeded: try timestamp.readVarint()))
            default: try timestamp.skip(wireType)
            }
        }
        guard (0..<1_000_000_000).contains(nanos) else { throw ProtobufReader.Malformed(reason: "bad timestamp") }
        return .seconds(seconds) + .nanoseconds(nanos)
    }
}
