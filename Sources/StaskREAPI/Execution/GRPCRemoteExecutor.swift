import FoundationEssentials
import GRPCCore
import GRPCNIOTransportHTTP2Posix
package import StaskCore
import StaskPosix
import StaskRemote
import SwiftProtobuf
import Synchronization

/// A ``RemoteExecutor`` over the Remote Execution API (BuildGrid, Buildbarn, BuildBuddy, NativeLink): it runs in
/// the `stask-remote` helper.
///
/// For each request, in order:
/// 1. the input root: each input file's SHA-256 (``InputDigests``), the `Directory` tree (``InputRoot``), the
///    `Command` and `Action` (``RemoteAction``; the platform is this machine's `OSFamily` and `ISA`);
/// 2. the action cache (`GetActionResult`), unless the task must always run: a result with exit status 0 is
///    downloaded and nothing runs;
/// 3. the blobs the server lacks (`FindMissingBlobs`, then `BatchUpdateBlobs` or ByteStream `Write`);
/// 4. `Execute`, following the operation to its end, with `WaitExecution` when the stream drops first; once
///    more from step 3 when the server answers `FAILED_PRECONDITION` (a blob went missing meanwhile);
/// 5. the outputs, standard output and standard error downloaded, checked (size and SHA-256) and written
///    beneath the project (only paths the request declared).
///
/// Warnings and ``RemoteExecutionResult/unavailable(_:)`` reasons name the problem alone: what follows (the task
/// runs locally, or fails under `--remote-only`) is the client's to say.
///
/// Failure never hangs or breaks a build: every call has a deadline (`Execute`'s is the action's timeout, or an
/// hour, plus ten minutes); a server that cannot be reached turns the executor off for the build with one
/// warning, and every request then answers ``RemoteExecutionResult/unavailable(_:)`` (the task runs locally);
/// a server error is one warning per kind and that task runs locally. ``finish()`` cancels on the server
/// (`CancelOperation`) every operation whose request was cancelled or failed before it ended.
///
/// **Concurrency.** Thread-safe and `Sendable`; the statistics, warned kinds and running operations sit behind
/// a `Mutex`.
package final class GRPCRemoteExecutor: RemoteExecutor {
    typealias Digest = Build_Bazel_Remote_Execution_V2_Digest

    /// The configuration in use.
    package let configuration: RemoteExecutionConfiguration
    private let connection: REAPIConnection
    private let warn: @Sendable (RemoteCacheWarning) -> Void
    private let inputDigests = InputDigests()
    private let state = Mutex(State())

    private struct State {
        var statistics = RemoteExecutionStatistics()
        var warned: Set<RemoteCacheWarning.Kind> = []
        var isDisabled = false
        var batchLimit: Int?
        /// The operations running on the server, by request, for ``finish()``.
        var operations: [UInt64: String] = [:]
        var nextRequest: UInt64 = 0
    }

    /// An executor for one build; nothing is sent before the first request.
    ///
    /// - Parameter warn: Receives the warnings (each kind once), from any thread.
    /// - Throws: `RPCError` when the endpoint's host cannot be made a gRPC target.
    package init(
        configuration: RemoteExecutionConfiguration, warn: @escaping @Sendable (RemoteCacheWarning) -> Void
    ) throws {
        self.configuration = configuration
        self.connection = try REAPIConnection(
            endpoint: configuration.endpoint, instanceName: configuration.instanceName,
            credentials: configuration.credentials, connectTimeout: configuration.connectTimeout,
            ioTimeout: configuration.ioTimeout)
        self.warn = warn
    }

    /// See ``RemoteExecutor/statistics``.
    package var statistics: RemoteExecutionStatistics { state.withLock { $0.statistics } }

    /// See ``RemoteExecutor/isDisabled``.
    package var isDisabled: Bool { state.withLock { $0.isDisabled } }

    /// The platform properties of this machine's actions: what a worker must match.
    static let platform: [(name: String, value: String)] = {
        // "Linux x86_64", as `uname` names them.
        let parts = RemotePlatform.current.split(separator: " ", maxSplits: 1).map(String.init)
        let machine = parts.count == 2 ? parts[1] : "unknown"
        return [
            ("OSFamily", (parts.first ?? "unknown").lowercased()), ("ISA", machine == "x86_64" ? "x86-64" : machine),
        ]
    }()

    // MARK: - Executing

    /// See ``RemoteExecutor/execute(_:)``.
    package func execute(_ request: RemoteExecutionRequest) async -> RemoteExecutionResult {
        if isDisabled {
            count { $0.local += 1 }
            return .unavailable("the remote executor is off for this build")
        }
        do {
            let result = try await run(request)
            if case .unavailable = result { count { $0.local += 1 } }
            return result
        } catch {
            if Task.isCancelled { return .cancelled }
            count { $0.local += 1 }
            return reportFailure(error, task: request.taskID)
        }
    }

    private func run(_ request: RemoteExecutionRequest) async throws -> RemoteExecutionResult {
        var files: [InputRoot.File] = []
        var sources: [Digest: String] = [:]
        for path in request.inputs {
            let absolute = ProjectPath.absolute(path, project: request.projectDirectory)
            guard let entry = try inputDigests.entry(atPath: absolute) else { continue }
            let digest = Digest(entry.digest, size: entry.size)
            files.append(InputRoot.File(path: path, digest: digest, isExecutable: entry.isExecutable))
            sources[digest] = absolute
        }
        let tree: InputRoot
        do {
            tree = try InputRoot(files: files)
        } catch {
            return report(.localFiles, "'\(request.taskID)' cannot run remotely: \(error)")
        }
        let action = RemoteAction(
            arguments: request.arguments, environment: request.environment, workingDirectory: "",
            outputPaths: request.outputs, platform: Self.platform, inputRootDigest: tree.rootDigest,
            timeout: request.timeout, doNotCache: request.skipsCache)
        let store = try await contentStore()

        if !request.skipsCache, let cached = try await cachedResult(of: action.actionDigest), cached.exitCode == 0 {
            if let completion = try await download(cached, for: request, from: store, isCached: true) {
                count { $0.cached += 1 }
                return .completed(completion)
            }
        }

        var inMemory: [Digest: [UInt8]] = tree.directories
        inMemory[action.commandDigest] = action.command
        inMemory[action.actionDigest] = action.action
        var response = Build_Bazel_Remote_Execution_V2_ExecuteResponse()
        // A second try when the server says a blob is missing (FAILED_PRECONDITION): evicted between the
        // upload and the run, it is sent again.
        for _ in 0..<2 {
            let missing = try await store.missing(Array(Set(inMemory.keys).union(sources.keys)))
            var blobs: [(digest: Digest, contents: [UInt8])] = []
            for digest in missing.sorted(by: { $0.hash < $1.hash }) {
                if let contents = inMemory[digest] {
                    blobs.append((digest, contents))
                } else if let path = sources[digest] {
                    let contents = try LocalFileSystem().readFile(atPath: path)
                    // Changed since it was hashed (another step wrote it): the action would name other contents.
                    guard Digest(of: contents) == digest else {
                        return report(.localFiles, "input '\(path)' changed while '\(request.taskID)' was sent")
                    }
                    blobs.append((digest, contents))
                }
            }
            let sent = try await store.upload(blobs)
            count { $0.bytesUploaded += sent }
            response = try await executeOperation(
                action.actionDigest, skippingCache: request.skipsCache, timeout: request.timeout)
            if response.status.code != Int32(RPCError.Code.failedPrecondition.rawValue) { break }
        }
        let status = response.status
        if status.code == Int32(RPCError.Code.deadlineExceeded.rawValue) {
            // The worker killed the command at its timeout; keep what it printed.
            let output = (try? await printed(response.result, from: store)) ?? []
            count { $0.executed += 1 }
            return .completed(RemoteCompletion(exitCode: nil, output: output, isCached: false))
        }
        guard status.code == 0 else {
            return report(
                .serverError,
                "the cluster could not run '\(request.taskID)' (status \(status.code): \(status.message))")
        }
        guard
            let completion = try await download(
                response.result, for: request, from: store, isCached: response.cachedResult)
        else { return .unavailable("the outputs of '\(request.taskID)' could not be fetched") }
        count { response.cachedResult ? ($0.cached += 1) : ($0.executed += 1) }
        return .completed(completion)
    }

    /// The action cache's entry for `digest`; `nil` when there is none.
    private func cachedResult(of digest: Digest) async throws -> Build_Bazel_Remote_Execution_V2_ActionResult? {
        var request = Build_Bazel_Remote_Execution_V2_GetActionResultRequest()
        request.instanceName = connection.instanceName
        request.actionDigest = digest
        request.digestFunction = .sha256
        request.inlineStdout = true
        request.inlineStderr = true
        do {
            return try await Build_Bazel_Remote_Execution_V2_ActionCache.Client(wrapping: connection.client)
                .getActionResult(request, metadata: connection.metadata, options: connection.options())
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }

    /// Runs the action and follows its operation to the end.
    private func executeOperation(
        _ digest: Digest, skippingCache: Bool, timeout: Duration?
    ) async throws -> Build_Bazel_Remote_Execution_V2_ExecuteResponse {
        let execution = Build_Bazel_Remote_Execution_V2_Execution.Client(wrapping: connection.client)
        let options = connection.options(extra: (timeout ?? .seconds(3600)) + .seconds(600))
        let id = state.withLock { state in
            state.nextRequest += 1
            return state.nextRequest
        }
        let name = OperationName()
        let follow:
            @Sendable (StreamingClientResponse<Google_Longrunning_Operation>) async throws ->
                Google_Longrunning_Operation? = {
                    [self] response in
                    var last: Google_Longrunning_Operation?
                    for try await operation in response.messages {
                        if !operation.name.isEmpty, name.set(operation.name) {
                            self.state.withLock { $0.operations[id] = operation.name }
                        }
                        last = operation
                        if operation.done { break }
                    }
                    return last
                }
        do {
            var request = Build_Bazel_Remote_Execution_V2_ExecuteRequest()
            request.instanceName = connection.instanceName
            request.actionDigest = digest
            request.skipCacheLookup = skippingCache
            request.digestFunction = .sha256
            var operation: Google_Longrunning_Operation?
            do {
                operation = try await execution.execute(
                    request, metadata: connection.metadata, options: options, onResponse: follow)
            } catch let error as RPCError where error.code == .deadlineExceeded {
                // The action queued or ran past its deadline: this action's problem, not the cluster's.
                throw OperationLost("Execute passed its deadline (\(error.message))")
            }
            // A stream that ended before the operation did (a proxy's or the server's restart): wait on it by name.
            var waits = 0
            while operation?.done != true, let known = name.value, waits < 3 {
                waits += 1
                var wait = Build_Bazel_Remote_Execution_V2_WaitExecutionRequest()
                wait.name = known
                do {
                    operation = try await execution.waitExecution(
                        wait, metadata: connection.metadata, options: options, onResponse: follow)
                } catch let error as RPCError where error.code == .deadlineExceeded {
                    throw OperationLost("WaitExecution passed its deadline (\(error.message))")
                }
            }
            guard let operation, operation.done else {
                throw OperationLost("the operation's stream ended before the operation did")
            }
            // Over: nothing to cancel. An operation whose call failed or was cancelled stays listed, for finish().
            state.withLock { _ = $0.operations.removeValue(forKey: id) }
            switch operation.result {
            case .error(let status)?:
                var response = Build_Bazel_Remote_Execution_V2_ExecuteResponse()
                response.status = status
                return response
            case .response(let any)?:
                return try Build_Bazel_Remote_Execution_V2_ExecuteResponse(unpackingAny: any)
            case nil:
                throw RPCError(code: .internalError, message: "a finished operation without a result")
            }
        }
    }

    /// See ``RemoteExecutor/finish()``: cancels the operations still running (those of cancelled or failed
    /// requests), waiting at most 1 s for the server (stask gives its helper 2 s to exit).
    package func finish() async {
        let running = state.withLock { state in
            defer { state.operations = [:] }
            return Array(state.operations.values)
        }
        await withTaskGroup(of: Void.self) { group in
            for operation in running {
                group.addTask { [connection] in
                    var request = Google_Longrunning_CancelOperationRequest()
                    request.name = operation
                    var options = connection.options()
                    options.timeout = .seconds(1)
                    _ = try? await Google_Longrunning_Operations.Client(wrapping: connection.client)
                        .cancelOperation(request, metadata: connection.metadata, options: options)
                }
            }
        }
    }

    // MARK: - Results

    /// Writes `result`'s outputs beneath the project and returns the command's end; `nil` when they cannot be
    /// fetched or written (reported).
    private func download(
        _ result: Build_Bazel_Remote_Execution_V2_ActionResult, for request: RemoteExecutionRequest,
        from store: ContentStore, isCached: Bool
    ) async throws -> RemoteCompletion? {
        let declared = Set(request.outputs)
        let files = result.outputFiles.filter { declared.contains($0.path) }
        for file in result.outputFiles where !declared.contains(file.path) {
            _ = report(.badManifest, "the cluster returned '\(file.path)', which '\(request.taskID)' does not declare")
            return nil
        }
        let wanted = files.map(\.digest).filter { $0.sizeBytes > 0 }
        let blobs = try await store.download(wanted)
        var contents: [(CacheManifest.Output, [UInt8])] = []
        for file in files {
            let bytes = file.digest.sizeBytes == 0 ? [] : blobs[file.digest]
            guard let bytes, bytes.count == Int(file.digest.sizeBytes), Digest(of: bytes) == file.digest else {
                _ = report(
                    .corruptBlob,
                    "output '\(file.path)' of '\(request.taskID)' is missing from the cluster's storage or does not match its digest"
                )
                return nil
            }
            count { $0.bytesDownloaded += bytes.count }
            guard let digest = SHA256Digest(hex: file.digest.hash) else { return nil }
            contents.append(
                (
                    CacheManifest.Output(
                        path: file.path, digest: digest, size: bytes.count, isExecutable: file.isExecutable,
                        mode: file.isExecutable ? 0o755 : 0o644), bytes
                ))
        }
        let action = RemoteCacheAction(
            taskID: request.taskID, actionKey: ContentDigest(high: 0, low: 0), outputs: request.outputs,
            projectDirectory: request.projectDirectory)
        guard CacheOutputFiles.write(contents, of: action, report: { _ = report($0, $1) }) != nil else { return nil }
        let output = try await printed(result, from: store)
        var workerTime: Duration?
        let metadata = result.executionMetadata
        if metadata.hasExecutionStartTimestamp, metadata.hasExecutionCompletedTimestamp {
            let start = metadata.executionStartTimestamp
            let end = metadata.executionCompletedTimestamp
            workerTime = .seconds(end.seconds - start.seconds) + .nanoseconds(Int64(end.nanos) - Int64(start.nanos))
        }
        return RemoteCompletion(exitCode: result.exitCode, output: output, isCached: isCached, workerTime: workerTime)
    }

    /// The command's standard output, then its standard error.
    private func printed(
        _ result: Build_Bazel_Remote_Execution_V2_ActionResult, from store: ContentStore
    ) async throws -> [UInt8] {
        var wanted: [Digest] = []
        if result.stdoutRaw.isEmpty && result.hasStdoutDigest && result.stdoutDigest.sizeBytes > 0 {
            wanted.append(result.stdoutDigest)
        }
        if result.stderrRaw.isEmpty && result.hasStderrDigest && result.stderrDigest.sizeBytes > 0 {
            wanted.append(result.stderrDigest)
        }
        let blobs = wanted.isEmpty ? [:] : try await store.download(wanted)
        let stdout = result.stdoutRaw.isEmpty ? blobs[result.stdoutDigest] ?? [] : Array(result.stdoutRaw)
        let stderr = result.stderrRaw.isEmpty ? blobs[result.stderrDigest] ?? [] : Array(result.stderrRaw)
        count { $0.bytesDownloaded += stdout.count + stderr.count }
        return stdout + stderr
    }

    // MARK: - Shared

    /// The CAS with the batch limit the server gives (asked once).
    private func contentStore() async throws -> ContentStore {
        if let limit = state.withLock({ $0.batchLimit }) {
            return ContentStore(connection: connection, batchLimit: limit)
        }
        let capabilities = try await ContentStore.cacheCapabilities(of: connection)
        let limit = ContentStore.batchLimit(serverLimit: capabilities?.maxBatchTotalSizeBytes ?? 0)
        state.withLock { $0.batchLimit = limit }
        return ContentStore(connection: connection, batchLimit: limit)
    }

    /// Judges a failed call: an unreachable server turns the executor off.
    private func reportFailure(_ error: any Error, task: String) -> RemoteExecutionResult {
        if let error = error as? OperationLost {
            return report(.serverError, "the operation of '\(task)' was lost: \(error.reason)")
        }
        if let error = error as? ContentStoreError {
            return report(.serverError, "\(error.description) ('\(task)')")
        }
        if let error = error as? FileSystemError {
            return report(.localFiles, "cannot read an input of '\(task)': \(error)")
        }
        switch REAPIFailure(error, call: "remote execution of '\(task)'") {
        // Cancelled by the server or a proxy, not by this build: the task runs here instead.
        case .cancelled: return Task.isCancelled ? .cancelled : report(.serverError, "the cluster cancelled '\(task)'")
        case .unreachable(let message):
            return report(.unreachable, message, disabling: true)
        case .serverError(let message):
            return report(.serverError, message)
        }
    }

    /// Counts an error, warns if it is the first of its kind, and answers that the task runs locally.
    @discardableResult
    private func report(
        _ kind: RemoteCacheWarning.Kind, _ message: String, disabling: Bool = false
    ) -> RemoteExecutionResult {
        let isFirst = state.withLock { state in
            state.statistics.errors += 1
            if disabling { state.isDisabled = true }
            return state.warned.insert(kind).inserted
        }
        if isFirst {
            warn(RemoteCacheWarning(kind: kind, endpoint: configuration.endpoint.description, message: message))
        }
        return .unavailable(message)
    }

    private func count(_ update: (inout RemoteExecutionStatistics) -> Void) {
        state.withLock { update(&$0.statistics) }
    }
}

/// An operation that ended without a result for its action alone (its stream ended early, or it passed its
/// deadline): the task runs here; the cluster stays in use.
private struct OperationLost: Error {
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}

/// The name of an operation, once the server has given it.
private final class OperationName: Sendable {
    private let name = Mutex<String?>(nil)

    var value: String? { name.withLock { $0 } }

    /// Records `new`; `true` when it is the first name or a different one.
    func set(_ new: String) -> Bool {
        name.withLock { name in
            defer { name = new }
            return name != new
        }
    }
}
