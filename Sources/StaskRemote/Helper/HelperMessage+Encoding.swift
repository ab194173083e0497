import StaskCore

// Field numbers. Request and Reply: 1 kind. restore/store: 2 action, 3 wall time (ns). Action: 1 task id, 2 key high, 3 key low, 4 output
// (repeated), 5 project directory, 6 output digest (repeated Path digest), 7 has output digests.
// Path digest: 1 path, 2 high, 3 low. restored: 2 outputs (RestoredOutputs: 1 path digest (repeated),
// 2 wall time (ns), 3 has wall time, 4 byte count), 4 statistics. stored: 4 statistics. Statistics: 1 hits,
// 2 misses, 3 bytes down, 4 bytes up, 5 errors, 6 uploads. warning: 2 kind, 3 endpoint, 4 message.
// failed: 2 message. execute: 4 request; executed: 5 result, 6 statistics (HelperMessage+Execution).
// Version 2 added execute and executed.

extension HelperMessage.Request {
    private enum Kind: UInt64 {
        case restore = 2, store, execute
    }

    /// The message body.
    package func encoded() -> [UInt8] {
        var writer = ProtobufWriter()
        switch self {
        case .restore(let action):
            writer.write(field: 1, varint: Kind.restore.rawValue)
            writer.write(field: 2) { HelperMessage.write(action, into: &$0) }
        case .store(let action, let wallTime):
            writer.write(field: 1, varint: Kind.store.rawValue)
            writer.write(field: 2) { HelperMessage.write(action, into: &$0) }
            writer.write(field: 3, varint: HelperMessage.nanoseconds(wallTime))
        case .execute(let request):
            writer.write(field: 1, varint: Kind.execute.rawValue)
            writer.write(field: 4) { HelperMessage.write(request, into: &$0) }
        }
        return writer.bytes
    }

    /// Decodes a body written by ``encoded()``.
    ///
    /// - Throws: ``HelperMessageError`` for a malformed body or an unknown kind.
    package init(decoding bytes: [UInt8]) throws(HelperMessageError) {
        do {
            var reader = ProtobufReader(bytes)
            var kind: UInt64 = 0
            var numbers: [Int: UInt64] = [:]
            var action: RemoteCacheAction?
            var execution: RemoteExecutionRequest?
            while let (field, wireType) = try reader.nextField() {
                switch (field, wireType) {
                case (1, .varint): kind = try reader.readVarint()
                case (4, .lengthDelimited):
                    var nested = try reader.readMessage()
                    execution = try HelperMessage.readExecutionRequest(&nested)
                case (2, .lengthDelimited):
                    var nested = try reader.readMessage()
                    action = try HelperMessage.readAction(&nested)
                case (_, .varint): numbers[field] = try reader.readVarint()
                default: try reader.skip(wireType)
                }
            }
            switch Kind(rawValue: kind) {
            case .restore:
                guard let action else { throw HelperMessageError("a restore without its action") }
                self = .restore(action)
            case .store:
                guard let action else { throw HelperMessageError("a store without its action") }
                self = .store(action, wallTime: .nanoseconds(Int64(bitPattern: numbers[3] ?? 0)))
            case .execute:
                guard let execution else { throw HelperMessageError("an execute without its request") }
                self = .execute(execution)
            case nil:
                throw HelperMessageError("unknown request kind \(kind)")
            }
        } catch let error as HelperMessageError {
            throw error
        } catch {
            throw HelperMessageError("\(error)")
        }
    }
}

extension HelperMessage.Reply {
    private enum Kind: UInt64 {
        case restored = 2, stored, warning, failed, executed
    }

    /// The message body.
    package func encoded() -> [UInt8] {
        var writer = ProtobufWriter()
        switch self {
        case .restored(let outputs, let statistics):
            writer.write(field: 1, varint: Kind.restored.rawValue)
            if let outputs {
                writer.write(field: 2) { nested in
                    for (path, digest) in outputs.outputDigests.sorted(by: { $0.key < $1.key }) {
                        nested.write(field: 1) { HelperMessage.write(path: path, digest: digest, into: &$0) }
                    }
                    if let wallTime = outputs.wallTime {
                        nested.write(field: 2, varint: HelperMessage.nanoseconds(wallTime))
                        nested.write(field: 3, varint: 1)
                    }
                    nested.write(field: 4, varint: UInt64(outputs.byteCount))
                }
            }
            writer.write(field: 4) { HelperMessage.write(statistics, into: &$0) }
        case .stored(let statistics):
            writer.write(field: 1, varint: Kind.stored.rawValue)
            writer.write(field: 4) { HelperMessage.write(statistics, into: &$0) }
        case .warning(let warning):
            writer.write(field: 1, varint: Kind.warning.rawValue)
            writer.write(field: 2, string: "\(warning.kind)")
            writer.write(field: 3, string: warning.endpoint)
            writer.write(field: 4, string: warning.message)
        case .failed(let message):
            writer.write(field: 1, varint: Kind.failed.rawValue)
            writer.write(field: 2, string: message)
        case .executed(let result, let statistics):
            writer.write(field: 1, varint: Kind.executed.rawValue)
            writer.write(field: 5) { HelperMessage.write(result, into: &$0) }
            writer.write(field: 6) { HelperMessage.write(statistics, into: &$0) }
        }
        return writer.bytes
    }

    /// Decodes a body written by ``encoded()``.
    ///
    /// - Throws: ``HelperMessageError`` for a malformed body or an unknown kind.
    package init(decoding bytes: [UInt8]) throws(HelperMessageError) {
        do {
            var reader = ProtobufReader(bytes)
            var kind: UInt64 = 0
            var strings: [Int: String] = [:]
            var outputs: RestoredOutputs?
            var statistics = RemoteCacheStatistics()
            var result: RemoteExecutionResult?
            var executionStatistics = RemoteExecutionStatistics()
            while let (field, wireType) = try reader.nextField() {
                switch (field, wireType) {
                case (1, .varint): kind = try reader.readVarint()
                case (5, .lengthDelimited) where kind == Kind.executed.rawValue:
                    var nested = try reader.readMessage()
                    result = try HelperMessage.readExecutionResult(&nested)
                case (6, .lengthDelimited) where kind == Kind.executed.rawValue:
                    var nested = try reader.readMessage()
                    executionStatistics = try HelperMessage.readExecutionStatistics(&nested)
                case (2, .lengthDelimited) where kind == Kind.restored.rawValue:
                    var nested = try reader.readMessage()
                    outputs = try HelperMessage.readRestoredOutputs(&nested)
                case (4, .lengthDelimited) where kind == Kind.restored.rawValue || kind == Kind.stored.rawValue:
                    var nested = try reader.readMessage()
                    statistics = try HelperMessage.readStatistics(&nested)
                case (_, .lengthDelimited): strings[field] = try reader.readString()
                default: try reader.skip(wireType)
                }
            }
            switch Kind(rawValue: kind) {
            case .restored: self = .restored(outputs, statistics)
            case .stored: self = .stored(statistics)
            case .warning:
                let kind = RemoteCacheWarning.Kind.allCases.first { "\($0)" == strings[2] } ?? .serverError
                self = .warning(
                    RemoteCacheWarning(kind: kind, endpoint: strings[3] ?? "", message: strings[4] ?? ""))
            case .failed: self = .failed(strings[2] ?? "")
            case .executed:
                guard let result else { throw HelperMessageError("an executed reply without its result") }
                self = .executed(result, executionStatistics)
            case nil: throw HelperMessageError("unknown reply kind \(kind)")
            }
        } catch let error as HelperMessageError {
            throw error
        } catch {
            throw HelperMessageError("\(error)")
        }
    }
}

// MARK: - Shared pieces

extension HelperMessage {
    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(bitPattern: seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000)
    }

    static func write(_ action: RemoteCacheAction, into writer: inout ProtobufWriter) {
        writer.write(field: 1, string: action.taskID)
        writer.write(field: 2, varint: action.actionKey.high)
        writer.write(field: 3, varint: action.actionKey.low)
        for output in action.outputs { writer.write(field: 4, string: output) }
        writer.write(field: 5, string: action.projectDirectory)
        if let digests = action.outputDigests {
            for (path, digest) in digests.sorted(by: { $0.key < $1.key }) {
                writer.write(field: 6) { write(path: path, digest: digest, into: &$0) }
            }
            writer.write(field: 7, varint: 1)
        }
    }

    static func readAction(_ reader: inout ProtobufReader) throws(ProtobufReader.Malformed) -> RemoteCacheAction {
        var action = RemoteCacheAction(
            taskID: "", actionKey: ContentDigest(high: 0, low: 0), outputs: [], projectDirectory: "")
        var digests: [String: ContentDigest] = [:]
        var hasDigests = false
        while let (field, wireType) = try reader.nextField() {
            switch (field, wireType) {
            case (1, .lengthDelimited): action.taskID = try reader.readString()
            case (2, .varint): action.actionKey.high = try reader.readVarint()
            case (3, .varint): action.actionKey.low = try reader.readVarint()
            case (4, .lengthDelimited): action.outputs.append(try reader.readString())
            case (5, .lengthDelimited): action.projectDirectory = try reader.readString()
            case (6, .lengthDelimited):
                var nested = try reader.readMessage()
                let (path, digest) = try readPathDigest(&nested)
                digests[path] = digest
            case (7, .varint): hasDigests = try reader.readVarint() == 1
            default: try reader.skip(wireType)
            }
        }
        action.outputDigests = hasDigests ? digests : nil
        return action
    }

    static func write(path: String, digest: ContentDigest, into writer: inout ProtobufWriter) {
        writer.write(field: 1, string: path)
        writer.write(field: 2, varint: digest.high)
        writer.write(field: 3, varint: digest.low)
    }

    static func readPathDigest(
        _ reader: inout ProtobufReader
    ) throws(ProtobufReader.Malformed) -> (String, ContentDigest) {
        var path = ""
        var digest = ContentDigest(high: 0, low: 0)
        while let (field, wireType) = try reader.nextField() {
            switch (field, wireType) {
            case (1, .lengthDelimited): path = try reader.readString()
            case (2, .varint): digest.high = try reader.readVarint()
            case (3, .varint): digest.low = try reader.readVarint()
            default: try reader.skip(wireType)
            }
        }
        return (path, digest)
    }

    static func readRestoredOutputs(
        _ reader: inout ProtobufReader
    ) throws(ProtobufReader.Malformed) -> RestoredOutputs {
        var outputs = RestoredOutputs(outputDigests: [:], wallTime: nil, byteCount: 0)
        var wallTime: UInt64 = 0
        var hasWallTime = false
        while let (field, wireType) = try reader.nextField() {
            switch (field, wireType) {
            case (1, .lengthDelimited):
                var nested = try reader.readMessage()
                let (path, digest) = try readPathDigest(&nested)
                outputs.outputDigests[path] = digest
            case (2, .varint): wallTime = try reader.readVarint()
            case (3, .varint): hasWallTime = try reader.readVarint() == 1
            case (4, .varint): outputs.byteCount = Int(truncatingIfNeeded: try reader.readVarint())
            default: try reader.skip(wireType)
            }
        }
        if hasWallTime { outputs.wallTime = .nanoseconds(Int64(bitPattern: wallTime)) }
        return outputs
    }

    static func write(_ statistics: RemoteCacheStatistics, into writer: inout ProtobufWriter) {
        for (field, value) in [
            (1, statistics.hits), (2, statistics.misses), (3, statistics.bytesDownloaded),
            (4, statistics.bytesUploaded), (5, statistics.errors), (6, statistics.uploads),
        ] {
            writer.write(field: field, varint: UInt64(max(0, value)))
        }
    }

    static func readStatistics(
        _ reader: inout ProtobufReader
    ) throws(ProtobufReader.Malformed) -> RemoteCacheStatistics {
        let fields = try readVarintFields(&reader)
        var statistics = RemoteCacheStatistics()
        statistics.hits = fields[1] ?? 0
        statistics.misses = fields[2] ?? 0
        statistics.bytesDownloaded = fields[3] ?? 0
        statistics.bytesUploaded = fields[4] ?? 0
        statistics.errors = fields[5] ?? 0
        statistics.uploads = fields[6] ?? 0
        return statistics
    }

    /// Every varint field of a message of counters, by number (other fields skipped; a repeated number's
    /// last value counts).
    static func readVarintFields(_ reader: inout ProtobufReader) throws(ProtobufReader.Malformed) -> [Int: Int] {
        var fields: [Int: Int] = [:]
        while let (field, wireType) = try reader.nextField() {
            guard wireType == .varint else {
                try reader.skip(wireType)
                continue
            }
            fields[field] = Int(truncatingIfNeeded: try reader.readVarint())
        }
        return fields
    }
}
