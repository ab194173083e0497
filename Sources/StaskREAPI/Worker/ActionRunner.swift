import Glibc
import StaskCore
import StaskPosix
import StaskRemote
import SwiftProtobuf

/// Runs the action of one lease from start to end: fetches its `Action`, `Command` and input root from the
/// CAS, materialises them in a fresh directory, runs the command there, uploads its outputs, stdout and
/// stderr, and returns the `ActionResult`; the directory is removed whatever happens.
///
/// Thread-safe; one call per lease. Cancelling the calling task kills the command's process group (SIGTERM,
/// then SIGKILL after the grace period) and returns ``Outcome/cancelled``.
struct ActionRunner: Sendable {
    typealias Digest = Build_Bazel_Remote_Execution_V2_Digest
    typealias Action = Build_Bazel_Remote_Execution_V2_Action
    typealias Command = Build_Bazel_Remote_Execution_V2_Command
    typealias ActionResult = Build_Bazel_Remote_Execution_V2_ActionResult

    /// How a lease ended.
    enum Outcome: Sendable {
        /// The command ran: its result, and whether it ran out of time (the lease's status is then
        /// DEADLINE_EXCEEDED).
        case ran(ActionResult, isTimedOut: Bool)
        /// The action could not be run; the lease's status says why.
        case failed(WorkerError)
        /// The task was cancelled (the lease was cancelled or the worker stops): nothing to report.
        case cancelled
    }

    let store: ContentStore
    let launcher: PosixProcessLauncher
    let workDirectory: String
    let botID: String
    let gracePeriod: Duration

    /// Runs the lease's `payload`, an `Action` (or the `Digest` of one), in a directory named after
    /// `leaseID`.
    ///
    /// - Returns: The outcome and the action's digest for the log (empty when the payload held none).
    func run(payload: Google_Protobuf_Any, leaseID: String) async -> (Outcome, actionDigest: Digest) {
        var actionDigest = Digest()
        let directory = workDirectory + "/" + Self.directoryName(for: leaseID)
        defer { Self.removeTree(directory) }
        do {
            let action: Action
            (action, actionDigest) = try await loadAction(payload)
            return (try await run(action, in: directory), actionDigest)
        } catch let error as WorkerError {
            return (Task.isCancelled ? .cancelled : .failed(error), actionDigest)
        } catch {
            if Task.isCancelled { return (.cancelled, actionDigest) }
            return (.failed(.contentStore(operation: "CAS", underlying: "\(error)")), actionDigest)
        }
    }

    private func loadAction(_ payload: Google_Protobuf_Any) async throws -> (Action, Digest) {
        if payload.isA(Action.self) {
            let action = try Action(unpackingAny: payload)
            return (action, Digest(of: OutputTree.serialized(action)))
        }
        guard payload.isA(Digest.self) else { throw WorkerError.unknownPayload(typeURL: payload.typeURL) }
        let digest = try Digest(unpackingAny: payload)
        let blobs = try await store.download([digest])
        return (try InputTree.decode(Action.self, kind: "action", digest: digest, from: blobs), digest)
    }

    private func run(_ action: Action, in directory: String) async throws -> Outcome {
        var metadata = Build_Bazel_Remote_Execution_V2_ExecutedActionMetadata()
        metadata.worker = botID
        metadata.workerStartTimestamp = Self.now()
        metadata.inputFetchStartTimestamp = Self.now()
        let commandBlobs = try await store.download([action.commandDigest])
        let command = try InputTree.decode(
            Command.self, kind: "command", digest: action.commandDigest, from: commandBlobs)
        let inputs = try await InputTree.fetch(root: action.inputRootDigest, from: store)
        let files = try await store.download(inputs.fileDigests)
        for digest in inputs.fileDigests where files[digest].map({ Digest(of: $0) != digest }) ?? false {
            throw WorkerError.corruptBlob(kind: "input file", digest: digest.resourcePath)
        }
        let root = directory + "/root"
        do {
            try LocalFileSystem().createDirectory(atPath: root)
        } catch {
            throw WorkerError.localFiles("cannot create '\(root)': \(error)")
        }
        try inputs.materialize(into: root, blobs: files)
        let workingDirectory = try Self.resolve(command.workingDirectory, in: root)
        let outputs = Self.outputPaths(of: command)
        for path in outputs {
            let absolute = try Self.resolve(path, in: workingDirectory)
            let parent = String(absolute[..<(absolute.lastIndex(of: "/") ?? absolute.endIndex)])
            do {
                try LocalFileSystem().createDirectory(atPath: parent, beneath: root)
            } catch {
                throw WorkerError.localFiles("cannot create '\(parent)': \(error)")
            }
        }
        metadata.inputFetchCompletedTimestamp = Self.now()

        var environment: [String: String] = [:]
        for variable in command.environmentVariables { environment[variable.name] = variable.value }
        var spec = ProcessSpec(
            arguments: command.arguments, environment: environment, workingDirectory: workingDirectory,
            timeout: action.hasTimeout && action.timeout.seconds + Int64(action.timeout.nanos) > 0
                ? .seconds(action.timeout.seconds) + .nanoseconds(action.timeout.nanos) : nil,
            gracePeriod: gracePeriod)
        let stdoutPath = directory + "/stdout"
        let stderrPath = directory + "/stderr"
        spec.outputFiles = .init(standardOutput: stdoutPath, standardError: stderrPath)
        metadata.executionStartTimestamp = Self.now()
        var result = ActionResult()
        var isTimedOut = false
        var spawnFailure: [UInt8] = []
        do {
            let process = try await launcher.run(spec)
            switch process.termination {
            case .exited(let status): result.exitCode = status
            case .signalled(let signal): result.exitCode = 128 + signal
            case .timedOut:
                isTimedOut = true
                result.exitCode = 128 + SIGKILL
            }
        } catch .cancelled {
            return .cancelled
        } catch {
            // What a shell would say and do: the action's result, not the worker's failure.
            result.exitCode = 127
            spawnFailure = Array("\(error)\n".utf8)
        }
        metadata.executionCompletedTimestamp = Self.now()

        metadata.outputUploadStartTimestamp = Self.now()
        var blobs: [Digest: [UInt8]] = [:]
        let stdout = (try? LocalFileSystem().readFile(atPath: stdoutPath)) ?? []
        let stderr = ((try? LocalFileSystem().readFile(atPath: stderrPath)) ?? []) + spawnFailure
        result.stdoutDigest = Digest(of: stdout)
        result.stderrDigest = Digest(of: stderr)
        blobs[result.stdoutDigest] = stdout
        blobs[result.stderrDigest] = stderr
        if !isTimedOut {
            try collectOutputs(of: command, in: workingDirectory, into: &result, blobs: &blobs)
        }
        let digests = Array(blobs.keys)
        let missing = try await store.missing(digests)
        _ = try await store.upload(digests.filter(missing.contains).map { ($0, blobs[$0] ?? []) })
        metadata.outputUploadCompletedTimestamp = Self.now()
        metadata.workerCompletedTimestamp = Self.now()
        result.executionMetadata = metadata
        return .ran(result, isTimedOut: isTimedOut)
    }

    /// The outputs the command declares: `output_paths` (REAPI 2.1), else `output_files` and
    /// `output_directories`.
    static func outputPaths(of command: Command) -> [String] {
        command.outputPaths.isEmpty ? command.outputFiles + command.outputDirectories : command.outputPaths
    }

    /// Adds what exists of the command's outputs to `result`: files, directories as `Tree`s, symbolic links.
    private func collectOutputs(
        of command: Command, in workingDirectory: String, into result: inout ActionResult,
        blobs: inout [Digest: [UInt8]]
    ) throws {
        for path in Self.outputPaths(of: command) {
            let absolute = try Self.resolve(path, in: workingDirectory)
            do {
                switch try OutputEntry.read(at: absolute) {
                case .file(let contents, let isExecutable):
                    var file = Build_Bazel_Remote_Execution_V2_OutputFile()
                    file.path = path
                    file.digest = Digest(of: contents)
                    file.isExecutable = isExecutable
                    blobs[file.digest] = contents
                    result.outputFiles.append(file)
                case .directory:
                    let tree = try OutputTree(directoryAt: absolute)
                    var directory = Build_Bazel_Remote_Execution_V2_OutputDirectory()
                    directory.path = path
                    directory.treeDigest = tree.treeDigest
                    directory.rootDirectoryDigest = tree.rootDigest
                    blobs.merge(tree.blobs) { first, _ in first }
                    result.outputDirectories.append(directory)
                case .symbolicLink(let target):
                    var link = Build_Bazel_Remote_Execution_V2_OutputSymlink()
                    link.path = path
                    link.target = target
                    result.outputSymlinks.append(link)
                case nil:
                    continue
                }
            } catch {
                throw WorkerError.localFiles("cannot read the output '\(path)': \(error)")
            }
        }
    }

    /// `relative` below `base`, refusing absolute paths and `..` components.
    static func resolve(_ relative: String, in base: String) throws(WorkerError) -> String {
        guard !relative.hasPrefix("/") else { throw .invalidPath(relative) }
        var path = base
        for component in relative.split(separator: "/") where component != "." {
            guard component != ".." else { throw .invalidPath(relative) }
            path += "/" + component
        }
        return path
    }

    /// A directory name for a lease: its id's letters and digits, made unique by a random suffix.
    static func directoryName(for leaseID: String) -> String {
        let safe = String(
            leaseID.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
                .prefix(40).map(Character.init))
        return "action-\(safe)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    }

    /// Removes an action's directory, first making every directory in it writable (a command may have made
    /// one read-only).
    static func removeTree(_ path: String) {
        let fileSystem = LocalFileSystem()
        if (try? fileSystem.removeItem(atPath: path)) != nil { return }
        func makeWritable(_ directory: String) {
            _ = chmod(directory, 0o700)
            for entry in (try? fileSystem.directoryEntries(atPath: directory)) ?? [] where entry.kind == .directory {
                makeWritable(directory + "/" + entry.name)
            }
        }
        makeWritable(path)
        try? fileSystem.removeItem(atPath: path)
    }

    /// The wall clock now, as a protobuf timestamp.
    static func now() -> Google_Protobuf_Timestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Google_Protobuf_Timestamp(seconds: Int64(time.tv_sec), nanos: Int32(time.tv_nsec))
    }
}
