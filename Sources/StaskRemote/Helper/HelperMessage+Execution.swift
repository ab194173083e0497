import StaskCore

// Field numbers. Execution request: 1 task id, 2 argument (repeated), 3 environment entry (repeated: 1 name,
// 2 value), 4 input (repeated), 5 output (repeated), 6 project directory, 7 timeout (ns), 8 has timeout,
// 9 skips cache. Execution result: 1 outcome (1 completed, 2 unavailable, 3 cancelled), 2 exit code (as
// UInt32), 3 has exit code, 4 output, 5 cached, 6 worker time (ns), 7 has worker time, 8 reason.
// Execution statistics: 1 executed, 2 cached, 3 local, 4 errors, 5 bytes up, 6 bytes down.

extension HelperMessage {
    static func write(_ request: RemoteExecutionRequest, into writer: inout ProtobufWriter) {
        writer.write(field: 1, string: request.taskID)
        for argument in request.arguments { writer.write(field: 2, string: argument) }
        for (name, value) in request.environment.sorted(by: { $0.key < $1.key }) {
            writer.write(field: 3) { entry in
                entry.write(field: 1, string: name)
                entry.write(field: 2, string: value)
            }
        }
        for input in request.inputs { writer.write(field: 4, string: input) }
        for output in request.outputs { writer.write(field: 5, string: output) }
        writer.write(field: 6, string: request.projectDirectory)
        if let timeout = request.timeout {
            writer.write(field: 7, varint: nanoseconds(timeout))
            writer.write(field: 8, varint: 1)
        }
        if request.skipsCache { writer.write(field: 9, varint: 1) }
    }

    static func readExecutionRequest(
        _ reader: inout ProtobufReader
    ) throws(ProtobufReader.Malformed) -> RemoteExecutionRequest {
        var request = RemoteExecutionRequest(
            taskID: "", arguments: [], environment: [:], inputs: [], outputs: [], projectDirectory: "")
        var timeout: UInt64 = 0
        var hasTimeout = false
        while let (field, wireType) = try reader.nextField() {
            switch (field, wireType) {
            case (1, .lengthDelimited): request.taskID = try reader.readString()
            case (2, .lengthDelimited): request.arguments.append(try reader.readString())
            case (3, .lengthDelimited):
                var entry = try reader.readMessage()
                var name = ""
                var value = ""
                while let (field, wireType) = try entry.nextField() {
                    switch (field, wireType) {
                    case (1, .lengthDelimited): name = try entry.readString()
                    case (2, .lengthDelimited): value = try entry.readString()
                    default: try entry.skip(wireType)
                    }
                }
                request.environment[name] = value
            case (4, .lengthDelimited): request.inputs.append(try reader.readString())
            case (5, .lengthDelimited): request.outputs.append(try reader.readString())
            case (6, .lengthDelimited): request.projectDirectory = try reader.readString()
            case (7, .varint): timeout = try reader.readVarint()
            case (8, .varint): hasTimeout = try reader.readVarint() == 1
            case (9, .varint): request.skipsCache = try reader.readVarint() == 1
            default: try reader.skip(wireType)
            }
        }
        if hasTimeout { request.timeout = .nanoseconds(Int64(bitPattern: timeout)) }
        return request
    }

    static func write(_ result: RemoteExecutionResult, into writer: inout ProtobufWriter) {
        switch result {
        case .completed(let completion):
            writer.write(field: 1, varint: 1)
            if let exitCode = completion.exitCode {
                writer.write(field: 2, varint: UInt64(UInt32(bitPattern: exitCode)))
                writer.write(field: 3, varint: 1)
            }
            if !completion.output.isEmpty { writer.write(field: 4, bytes: completion.output) }
            if completion.isCached { writer.write(field: 5, varint: 1) }
            if let workerTime = completion.workerTime {
                writer.write(field: 6, varint: nanoseconds(workerTime))
                writer.write(field: 7, varint: 1)
            }
        case .unavailable(let reason):
            writer.write(field: 1, varint: 2)
            writer.write(field: 8, string: reason)
        case .cancelled:
            writer.write(field: 1, varint: 3)
        }
    }

    static func readExecutionResult(
        _ reader: inout ProtobufReader
    ) throws(ProtobufReader.Malformed) -> RemoteExecutionResult? {
        var outcome: UInt64 = 0
        var completion = RemoteCompletion(exitCode: nil, output: [], isCached: false)
        var exitCode: UInt64 = 0
        var hasExitCode = false
        var workerTime: UInt64 = 0
        var hasWorkerTime = false
        var reason = ""
        while let (field, wireType) = try reader.nextField() {
            switch (field, wireType) {
            case (1, .varint): outcome = try reader.readVarint()
            case (2, .varint): exitCode = try reader.readVarint()
            case (3, .varint): hasExitCode = try reader.readVarint() == 1
            case (4, .lengthDelimited): completion.output = try reader.readBytes()
            case (5, .varint): completion.isCached = try reader.readVarint() == 1
            case (6, .varint): workerTime = try reader.readVarint()
            case (7, .varint): hasWorkerTime = try reader.readVarint() == 1
            case (8, .lengthDelimited): reason = try reader.readString()
            default: try reader.skip(wireType)
            }
        }
        switch outcome {
        case 1:
            if hasExitCode { completion.exitCode = Int32(bitPattern: UInt32(truncatingIfNeeded: exitCode)) }
            if hasWorkerTime { completion.workerTime = .nanoseconds(Int64(bitPattern: workerTime)) }
            return .completed(completion)
        case 2: return .unavailable(reason)
        case 3: return .cancelled
        default: return nil
        }
    }

    static func write(_ statistics: RemoteExecutionStatistics, into writer: inout ProtobufWriter) {
        for (field, value) in [
            (1, statistics.executed), (2, statistics.cached), (3, statistics.local), (4, statistics.errors),
            (5, statistics.bytesUploaded), (6, statistics.bytesDownloaded),
        ] {
            writer.write(field: field, varint: UInt64(max(0, value)))
        }
    }

    static func readExecutionStatistics(
        _ reader: inout ProtobufReader
    ) throws(ProtobufReader.Malformed) -> RemoteExecutionStatistics {
        let fields = try readVarintFields(&reader)
        var statistics = RemoteExecutionStatistics()
        statistics.executed = fields[1] ?? 0
        statistics.cached = fields[2] ?? 0
        statistics.local = fields[3] ?? 0
        statistics.errors = fields[4] ?? 0
        statistics.bytesUploaded = fields[5] ?? 0
        statistics.bytesDownloaded = fields[6] ?? 0
        return statistics
    }
}
