// MARK: - Binary encoding of a task record, shared by the snapshot and the journal

extension TaskRecord {
    /// Writes the record: the hot part (everything a build reads) with strings in place, then the cold part
    /// (`keyInputs`, read only by `stask explain`), which runs to the end of the record.
    ///
    /// Hot part: id, action key, wall ns, cpu ns, estimate ns, success count (varints), flags (bit 0:
    /// invalidated, bit 1: discovered inputs follow, bit 2: peak memory follows), with bit 2 the peak memory in
    /// bytes (varint), output digests (varint count, then path and digest
    /// each), then with bit 1 the discovered inputs (varint count, then path and digest each, sorted by
    /// path). Cold part: see
    /// `ActionKeyInputs.encode(to:string:)`; `coldString` writes its strings (a string-table index in the
    /// snapshot, the string itself in the journal). Maps are written sorted so equal records encode equally.
    func encode(to writer: inout StateBinaryWriter, coldString: (inout StateBinaryWriter, String) -> Void) {
        writer.inlineString(id)
        writer.digest(actionKey)
        writer.varint(UInt64(SuccessfulRun.nanoseconds(of: wallTime)))
        writer.varint(UInt64(SuccessfulRun.nanoseconds(of: cpuTime)))
        writer.varint(UInt64(SuccessfulRun.nanoseconds(of: estimatedDuration)))
        writer.varint(max(successCount, 0))
        writer.byte((isInvalidated ? 1 : 0) | (discoveredInputs.isEmpty ? 0 : 2) | (peakMemory == 0 ? 0 : 4))
        if peakMemory != 0 { writer.varint(peakMemory) }
        writer.varint(outputDigests.count)
        for (path, digest) in outputDigests.sorted(by: { $0.key < $1.key }) {
            writer.inlineString(path)
            writer.digest(digest)
        }
        if !discoveredInputs.isEmpty {
            writer.varint(discoveredInputs.count)
            for input in discoveredInputs {
                writer.inlineString(input.path)
                writer.digest(input.digest)
            }
        }
        keyInputs.encode(to: &writer, string: coldString)
    }

    /// Reads a record written by `encode(to:coldString:)`, which must fill the reader to its end; `coldPart`
    /// turns the cold part's byte range (offset and length within the reader's buffer) into a value.
    ///
    /// `knownID`, when given, is used instead of decoding the id (the caller has matched the stored id).
    static func decode(
        from reader: inout StateBinaryReader, knownID: String? = nil,
        coldPart: (_ offset: Int, _ length: Int) throws(StateDecodingError) -> TaskRecordColdPart
    ) throws(StateDecodingError) -> TaskRecord {
        let id: String
        if let knownID {
            _ = try reader.bytes(try reader.count(limit: reader.remaining))
            id = knownID
        } else {
            id = try reader.inlineString()
        }
        let actionKey = try reader.digest()
        let wallTime = try duration(from: &reader)
        let cpuTime = try duration(from: &reader)
        let estimate = try duration(from: &reader)
        let successCount = try reader.count(limit: Int.max)
        let flags = try reader.byte()
        guard flags <= 7 else { throw StateDecodingError(detail: "unknown record flags \(flags)") }
        let peakMemory = flags & 4 != 0 ? try reader.varint() : 0
        let outputCount = try reader.count(limit: reader.remaining)
        var outputDigests: [String: ContentDigest] = [:]
        outputDigests.reserveCapacity(outputCount)
        for _ in 0..<outputCount {
            let path = try reader.inlineString()
            outputDigests[path] = try reader.digest()
        }
        var discovered: [DiscoveredInput] = []
        if flags & 2 != 0 {
            let count = try reader.count(limit: reader.remaining)
            discovered.reserveCapacity(count)
            for _ in 0..<count {
                let path = try reader.inlineString()
                discovered.append(DiscoveredInput(path: path, digest: try reader.digest()))
            }
        }
        let cold = try coldPart(reader.offset, reader.remaining)
        _ = try reader.bytes(reader.remaining)
        return TaskRecord(
            id: id, actionKey: actionKey, outputDigests: outputDigests, wallTime: wallTime, cpuTime: cpuTime,
            estimatedDuration: estimate, successCount: successCount, coldPart: cold, isInvalidated: flags & 1 != 0,
            discoveredInputs: discovered, peakMemory: peakMemory)
    }

    private static func duration(from reader: inout StateBinaryReader) throws(StateDecodingError) -> Duration {
        let nanoseconds = try reader.varint()
        guard nanoseconds <= UInt64(Int64.max) else { throw StateDecodingError(detail: "duration out of range") }
        return .nanoseconds(Int64(nanoseconds))
    }
}

extension ActionKeyInputs {
    /// Writes directory, commands, environment, variables, input digests and output paths; lists and maps
    /// are a varint count followed by their elements, maps sorted by key.
    func encode(to writer: inout StateBinaryWriter, string: (inout StateBinaryWriter, String) -> Void) {
        string(&writer, directory)
        writer.varint(commands.count)
        for command in commands { string(&writer, command) }
        for map in [environment, variables] {
            writer.varint(map.count)
            for (key, value) in map.sorted(by: { $0.key < $1.key }) {
                string(&writer, key)
                string(&writer, value)
            }
        }
        writer.varint(sortedInputs.count)
        for input in sortedInputs {
            string(&writer, input.path)
            writer.digest(input.digest)
        }
        writer.varint(outputPaths.count)
        for path in outputPaths { string(&writer, path) }
    }

    /// Reads what `encode(to:string:)` wrote, with the matching string reader.
    static func decode(
        from reader: inout StateBinaryReader,
        string: (inout StateBinaryReader) throws(StateDecodingError) -> String
    ) throws(StateDecodingError) -> ActionKeyInputs {
        let directory = try string(&reader)
        var commands: [String] = []
        let commandCount = try reader.count(limit: reader.remaining)
        commands.reserveCapacity(commandCount)
        for _ in 0..<commandCount { commands.append(try string(&reader)) }
        var maps: [[String: String]] = []
        for _ in 0..<2 {
            let count = try reader.count(limit: reader.remaining)
            var map: [String: String] = [:]
            map.reserveCapacity(count)
            for _ in 0..<count {
                let key = try string(&reader)
                map[key] = try string(&reader)
            }
            maps.append(map)
        }
        let inputCount = try reader.count(limit: reader.remaining)
        var inputs: [InputDigest] = []
        inputs.reserveCapacity(inputCount)
        for _ in 0..<inputCount {
            let path = try string(&reader)
            inputs.append(InputDigest(path: path, digest: try reader.digest()))
        }
        if !zip(inputs, inputs.dropFirst()).allSatisfy({ $0.path < $1.path }) {
            // Not as stask writes them (an altered file): the last digest of a path wins, as in a dictionary.
            var byPath: [String: ContentDigest] = [:]
            for input in inputs { byPath[input.path] = input.digest }
            inputs = byPath.map { InputDigest(path: $0.key, digest: $0.value) }.sorted { $0.path < $1.path }
        }
        var outputPaths: [String] = []
        let outputCount = try reader.count(limit: reader.remaining)
        outputPaths.reserveCapacity(outputCount)
        for _ in 0..<outputCount { outputPaths.append(try string(&reader)) }
        return ActionKeyInputs(
            commands: commands, directory: directory, environment: maps[0], variables: maps[1],
            sortedInputs: inputs, outputPaths: outputPaths)
    }
}
