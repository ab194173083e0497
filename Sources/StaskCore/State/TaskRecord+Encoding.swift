// MARK: - Binary encoding of a task record, shared by the snapshot and the journal

extension TaskRecord {
    /// Writes the record. `string` writes one string: an index into the snapshot's string table, or the
    /// string itself in the journal. Maps are written sorted by key so equal records encode identically.
    ///
    /// Layout: id, action key, wall ns, cpu ns, estimate ns, success count, flags (bit 0: invalidated),
    /// directory, commands, environment, variables, input digests, output paths, output digests; lists are
    /// a varint count followed by their elements.
    func encode(to writer: inout StateBinaryWriter, string: (inout StateBinaryWriter, String) -> Void) {
        string(&writer, id)
        writer.digest(actionKey)
        writer.varint(UInt64(SuccessfulRun.nanoseconds(of: wallTime)))
        writer.varint(UInt64(SuccessfulRun.nanoseconds(of: cpuTime)))
        writer.varint(UInt64(SuccessfulRun.nanoseconds(of: estimatedDuration)))
        writer.varint(max(successCount, 0))
        writer.byte(isInvalidated ? 1 : 0)
        string(&writer, keyInputs.directory)
        writer.varint(keyInputs.commands.count)
        for command in keyInputs.commands { string(&writer, command) }
        Self.encode(keyInputs.environment, to: &writer, string: string)
        Self.encode(keyInputs.variables, to: &writer, string: string)
        Self.encode(keyInputs.inputDigests, to: &writer, string: string)
        writer.varint(keyInputs.outputPaths.count)
        for path in keyInputs.outputPaths { string(&writer, path) }
        Self.encode(outputDigests, to: &writer, string: string)
    }

    /// Reads a record written by `encode(to:string:)` with the matching string reader.
    static func decode(
        from reader: inout StateBinaryReader,
        string: (inout StateBinaryReader) throws(StateDecodingError) -> String
    ) throws(StateDecodingError) -> TaskRecord {
        let id = try string(&reader)
        let actionKey = try reader.digest()
        let wallTime = try duration(from: &reader)
        let cpuTime = try duration(from: &reader)
        let estimate = try duration(from: &reader)
        let successCount = try reader.count(limit: Int.max)
        let flags = try reader.byte()
        guard flags <= 1 else { throw StateDecodingError(detail: "unknown record flags \(flags)") }
        let directory = try string(&reader)
        var commands: [String] = []
        let commandCount = try reader.count(limit: reader.remaining)
        commands.reserveCapacity(commandCount)
        for _ in 0..<commandCount { commands.append(try string(&reader)) }
        let environment = try decodeStringMap(from: &reader, string: string)
        let variables = try decodeStringMap(from: &reader, string: string)
        let inputDigests = try decodeDigestMap(from: &reader, string: string)
        var outputPaths: [String] = []
        let outputCount = try reader.count(limit: reader.remaining)
        outputPaths.reserveCapacity(outputCount)
        for _ in 0..<outputCount { outputPaths.append(try string(&reader)) }
        let outputDigests = try decodeDigestMap(from: &reader, string: string)
        return TaskRecord(
            id: id, actionKey: actionKey, outputDigests: outputDigests, wallTime: wallTime, cpuTime: cpuTime,
            estimatedDuration: estimate, successCount: successCount,
            keyInputs: ActionKeyInputs(
                commands: commands, directory: directory, environment: environment, variables: variables,
                inputDigests: inputDigests, outputPaths: outputPaths),
            isInvalidated: flags & 1 != 0)
    }

    private static func duration(from reader: inout StateBinaryReader) throws(StateDecodingError) -> Duration {
        let nanoseconds = try reader.varint()
        guard nanoseconds <= UInt64(Int64.max) else { throw StateDecodingError(detail: "duration out of range") }
        return .nanoseconds(Int64(nanoseconds))
    }

    private static func encode(
        _ map: [String: String], to writer: inout StateBinaryWriter, string: (inout StateBinaryWriter, String) -> Void
    ) {
        writer.varint(map.count)
        for (key, value) in map.sorted(by: { $0.key < $1.key }) {
            string(&writer, key)
            string(&writer, value)
        }
    }

    private static func encode(
        _ map: [String: ContentDigest], to writer: inout StateBinaryWriter,
        string: (inout StateBinaryWriter, String) -> Void
    ) {
        writer.varint(map.count)
        for (key, digest) in map.sorted(by: { $0.key < $1.key }) {
            string(&writer, key)
            writer.digest(digest)
        }
    }

    private static func decodeStringMap(
        from reader: inout StateBinaryReader,
        string: (inout StateBinaryReader) throws(StateDecodingError) -> String
    ) throws(StateDecodingError) -> [String: String] {
        let count = try reader.count(limit: reader.remaining)
        var map: [String: String] = [:]
        map.reserveCapacity(count)
        for _ in 0..<count {
            let key = try string(&reader)
            map[key] = try string(&reader)
        }
        return map
    }

    private static func decodeDigestMap(
        from reader: inout StateBinaryReader,
        string: (inout StateBinaryReader) throws(StateDecodingError) -> String
    ) throws(StateDecodingError) -> [String: ContentDigest] {
        let count = try reader.count(limit: reader.remaining)
        var map: [String: ContentDigest] = [:]
        map.reserveCapacity(count)
        for _ in 0..<count {
            let key = try string(&reader)
            map[key] = try reader.digest()
        }
        return map
    }
}
