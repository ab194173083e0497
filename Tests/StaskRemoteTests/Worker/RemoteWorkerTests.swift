import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import StaskTestSupport
import SwiftProtobuf
import Synchronization
import Testing

@testable import StaskCore
@testable import StaskREAPI
@testable import StaskRemote

/// `RemoteWorker` in this process against the BuildGrid on loopback: actions submitted with the Execution
/// service, their inputs uploaded to the CAS by the test. Every action carries a nonce so that the server's
/// action cache never answers for it, and each test stops its worker before it ends. Any worker of the
/// shared instance may take any action, so the actions need nothing but what they get from the CAS.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RemoteWorkerTests {
    typealias Digest = Build_Bazel_Remote_Execution_V2_Digest
    typealias Execution = Build_Bazel_Remote_Execution_V2_Execution.Client<HTTP2ClientTransport.Posix>
    typealias Operations = Google_Longrunning_Operations.Client<HTTP2ClientTransport.Posix>

    let work: ScratchDirectory
    let log = WorkerLogLines()
    /// The bot id of this test's worker, to tell its leases from those of other workers of the instance.
    let botID = WorkerConfiguration.defaultBotID()

    init() throws {
        work = try ScratchDirectory()
    }

    @Test(BuildGridServer.enabled)
    func runsACommandThatReadsAnInputAndWritesAnOutput() async throws {
        try await withWorker { store, execution, _ in
            let input = Array("hello worker\n".utf8)
            let (response, _) = try await execute(
                #"mkdir -p out/sub && tr a-z A-Z < in/data.txt > out/sub/result.txt && echo said >&2 && echo done"#,
                inputs: ["in/data.txt": input], outputs: ["out/sub/result.txt", "out/dir"], store: store,
                execution: execution)
            #expect(response.status.code == 0, "\(response.status.message)")
            let result = response.result
            #expect(result.exitCode == 0)
            let file = try #require(result.outputFiles.first)
            #expect(file.path == "out/sub/result.txt")
            #expect(file.digest == Digest(of: Array("HELLO WORKER\n".utf8)))
            let blobs = try await store.download([result.stdoutDigest, result.stderrDigest, file.digest])
            #expect(blobs[result.stdoutDigest] == Array("done\n".utf8))
            #expect(blobs[result.stderrDigest] == Array("said\n".utf8))
            #expect(blobs[file.digest] == Array("HELLO WORKER\n".utf8))
            #expect(result.executionMetadata.hasExecutionStartTimestamp)
        }
    }

    @Test(BuildGridServer.enabled)
    func uploadsAnOutputDirectoryAsATree() async throws {
        try await withWorker { store, execution, _ in
            let (response, _) = try await execute(
                "mkdir -p gen/a && echo one > gen/a/1.txt && echo two > gen/2.txt", inputs: [:],
                outputs: ["gen"], store: store, execution: execution)
            let directory = try #require(response.result.outputDirectories.first)
            #expect(directory.path == "gen")
            let blobs = try await store.download([directory.treeDigest])
            let tree = try Build_Bazel_Remote_Execution_V2_Tree(
                serializedBytes: try #require(blobs[directory.treeDigest]))
            #expect(tree.root.files.map(\.name) == ["2.txt"])
            #expect(tree.root.directories.map(\.name) == ["a"])
            #expect(tree.children.first?.files.first?.digest == Digest(of: Array("one\n".utf8)))
        }
    }

    @Test(BuildGridServer.enabled)
    func aFailingCommandReportsItsExitCode() async throws {
        try await withWorker { store, execution, _ in
            let (response, _) = try await execute(
                "echo broken >&2; exit 3", inputs: [:], outputs: [], store: store, execution: execution)
            #expect(response.status.code == 0)
            #expect(response.result.exitCode == 3)
            let stderr = try await store.download([response.result.stderrDigest])
            #expect(stderr[response.result.stderrDigest] == Array("broken\n".utf8))
        }
    }

    @Test(BuildGridServer.enabled)
    func aCommandPastItsTimeoutIsKilledAndReportedAsDeadlineExceeded() async throws {
        try await withWorker { store, execution, _ in
            let (response, _) = try await execute(
                "sleep 60", inputs: [:], outputs: [], timeout: .seconds(1), store: store, execution: execution)
            #expect(response.status.code == Int32(RPCError.Code.deadlineExceeded.rawValue), "\(response)")
        }
    }

    @Test(BuildGridServer.enabled)
    func aCancelledOperationKillsTheActionAndRemovesItsDirectory() async throws {
        let log = log
        let botID = botID
        let isOurs = Mutex(false)
        try await withWorker { store, execution, operations in
            let (response, _) = try await execute(
                "sleep 60", inputs: [:], outputs: [], store: store, execution: execution,
                onExecuting: { operation in
                    let metadata = try Build_Bazel_Remote_Execution_V2_ExecuteOperationMetadata(
                        unpackingAny: operation.metadata)
                    isOurs.withLock { $0 = metadata.partialExecutionMetadata.worker == botID }
                    var request = Google_Longrunning_CancelOperationRequest()
                    request.name = operation.name
                    _ = try await operations.cancelOperation(request)
                })
            #expect(response.status.code == Int32(RPCError.Code.cancelled.rawValue), "\(response)")
            // Another test's worker may have taken the action; this one's cancellation is checked when it ran it.
            if isOurs.withLock({ $0 }) {
                await log.waitForLine(containing: "cancelled by the server")
            }
        }
    }

    @Test(BuildGridServer.enabled)
    func anInputMissingFromTheCASFailsTheActionWithFailedPrecondition() async throws {
        try await withWorker { store, execution, _ in
            let (response, _) = try await execute(
                "cat data.txt", inputs: ["data.txt": Array("never uploaded \(UInt64.random(in: 0...UInt64.max))".utf8)],
                outputs: [], store: store, execution: execution, skipping: { $0 == "data.txt" })
            #expect(response.status.code == Int32(RPCError.Code.failedPrecondition.rawValue), "\(response)")
        }
    }

    @Test(BuildGridServer.enabled)
    func aStoppedWorkerHandsItsActionBackAndAnotherRunsIt() async throws {
        let endpoint = try RemoteCacheEndpoint(parsing: try await BuildGridServer.endpoint())
        let secondDirectory = try ScratchDirectory()
        let first = try RemoteWorker(configuration: configuration(endpoint, directory: work.path))
        let second = try RemoteWorker(
            configuration: configuration(endpoint, directory: secondDirectory.path, suffix: "-second"))
        let firstRun = Task { await first.run() }
        // Started once the first worker has stopped, so that only the first can take the action.
        let secondRun = Mutex<Task<Void, Never>?>(nil)
        let connection = try REAPIConnection(
            endpoint: endpoint, credentials: .none, connectTimeout: .seconds(10), ioTimeout: .seconds(60))
        let store = ContentStore(connection: connection, batchLimit: ContentStore.batchLimit(serverLimit: 0))
        let started = ContinuousClock.now
        let (response, _) = try await execute(
            "sleep 1; echo finished", inputs: [:], outputs: [], store: store,
            execution: .init(wrapping: connection.client),
            onExecuting: { _ in
                firstRun.cancel()
                await firstRun.value
                secondRun.withLock { $0 = Task { await second.run() } }
            })
        let secondTask = secondRun.withLock { $0 }
        secondTask?.cancel()
        await secondTask?.value
        #expect(response.status.code == 0, "\(response)")
        #expect(response.result.exitCode == 0)
        // Handed back at once, not requeued when the first session expired (60 s).
        #expect(started.duration(to: .now) < .seconds(30), "\(log.lines)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: secondDirectory.path).isEmpty)
    }

    // MARK: - Support

    private func configuration(
        _ endpoint: RemoteCacheEndpoint, directory: String, suffix: String = ""
    ) -> WorkerConfiguration {
        let log = log
        var configuration = WorkerConfiguration(
            endpoint: endpoint, capacity: 2, workDirectory: directory, botID: botID + suffix
        ) {
            log.append($0)
        }
        configuration.gracePeriod = .milliseconds(200)
        return configuration
    }

    /// Runs a worker while `body` runs, stops it, and checks that it left nothing in its work directory.
    private func withWorker(
        _ body: (ContentStore, Execution, Operations) async throws ->
            Void
    ) async throws {
        let endpoint = try RemoteCacheEndpoint(parsing: try await BuildGridServer.endpoint())
        let worker = try RemoteWorker(configuration: configuration(endpoint, directory: work.path))
        let running = Task { await worker.run() }
        let connection = try REAPIConnection(
            endpoint: endpoint, credentials: .none, connectTimeout: .seconds(10), ioTimeout: .seconds(60))
        let store = ContentStore(connection: connection, batchLimit: ContentStore.batchLimit(serverLimit: 0))
        let execution = Build_Bazel_Remote_Execution_V2_Execution.Client(wrapping: connection.client)
        do {
            try await body(store, execution, .init(wrapping: connection.client))
        } catch {
            running.cancel()
            await running.value
            throw error
        }
        running.cancel()
        await running.value
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).isEmpty, "\(log.lines)")
    }

    /// Uploads a `/bin/sh -c script` action with `inputs` and runs it remotely; its `ExecuteResponse`.
    private func execute(
        _ script: String, inputs: [String: [UInt8]], outputs: [String], timeout: Duration? = nil,
        store: ContentStore, execution: Execution,
        skipping isSkipped: (String) -> Bool = { _ in false },
        onExecuting: @escaping @Sendable (Google_Longrunning_Operation) async throws -> Void = { _ in }
    ) async throws -> (Build_Bazel_Remote_Execution_V2_ExecuteResponse, Digest) {
        var blobs: [Digest: [UInt8]] = [:]
        var command = Build_Bazel_Remote_Execution_V2_Command()
        command.arguments = ["/bin/sh", "-c", script]
        var path = Build_Bazel_Remote_Execution_V2_Command.EnvironmentVariable()
        path.name = "PATH"
        path.value = "/usr/bin:/bin"
        var nonce = Build_Bazel_Remote_Execution_V2_Command.EnvironmentVariable()
        nonce.name = "NONCE"
        nonce.value = "\(UInt64.random(in: 0...UInt64.max))"
        command.environmentVariables = [path, nonce]
        command.outputPaths = outputs
        let commandBytes = OutputTree.serialized(command)
        blobs[Digest(of: commandBytes)] = commandBytes
        var skipped: Set<Digest> = []
        for (path, contents) in inputs where isSkipped(path) { skipped.insert(Digest(of: contents)) }
        let root = Self.inputRoot(inputs, blobs: &blobs)
        for digest in skipped { blobs[digest] = nil }
        var action = Build_Bazel_Remote_Execution_V2_Action()
        action.commandDigest = Digest(of: commandBytes)
        action.inputRootDigest = root
        if let timeout { action.timeout = Google_Protobuf_Duration(seconds: timeout.components.seconds) }
        let actionBytes = OutputTree.serialized(action)
        let actionDigest = Digest(of: actionBytes)
        blobs[actionDigest] = actionBytes
        _ = try await store.upload(blobs.map { ($0.key, $0.value) })

        var request = Build_Bazel_Remote_Execution_V2_ExecuteRequest()
        request.actionDigest = actionDigest
        request.skipCacheLookup = true
        request.digestFunction = .sha256
        var options = CallOptions.defaults
        options.timeout = .seconds(120)
        let operation = try await execution.execute(request, options: options) { response in
            var last = Google_Longrunning_Operation()
            var isExecuting = false
            for try await operation in response.messages {
                last = operation
                if operation.done { break }
                let metadata = try? Build_Bazel_Remote_Execution_V2_ExecuteOperationMetadata(
                    unpackingAny: operation.metadata)
                if !isExecuting, metadata?.stage == .executing {
                    isExecuting = true
                    try await onExecuting(operation)
                }
            }
            return last
        }
        #expect(operation.done)
        if case .error(let status)? = operation.result {
            var response = Build_Bazel_Remote_Execution_V2_ExecuteResponse()
            response.status = status
            return (response, actionDigest)
        }
        return (try Build_Bazel_Remote_Execution_V2_ExecuteResponse(unpackingAny: operation.response), actionDigest)
    }

    /// The `Directory` tree of `files` (path → contents), its messages and files added to `blobs`.
    private static func inputRoot(_ files: [String: [UInt8]], blobs: inout [Digest: [UInt8]]) -> Digest {
        var here = Build_Bazel_Remote_Execution_V2_Directory()
        var below: [String: [String: [UInt8]]] = [:]
        for (path, contents) in files {
            if let slash = path.firstIndex(of: "/") {
                below[String(path[..<slash]), default: [:]][String(path[path.index(after: slash)...])] = contents
            } else {
                var node = Build_Bazel_Remote_Execution_V2_FileNode()
                node.name = path
                node.digest = Digest(of: contents)
                blobs[node.digest] = contents
                here.files.append(node)
            }
        }
        here.files.sort { $0.name < $1.name }
        for name in below.keys.sorted() {
            var node = Build_Bazel_Remote_Execution_V2_DirectoryNode()
            node.name = name
            node.digest = inputRoot(below[name] ?? [:], blobs: &blobs)
            here.directories.append(node)
        }
        let bytes = OutputTree.serialized(here)
        blobs[Digest(of: bytes)] = bytes
        return Digest(of: bytes)
    }
}

/// The worker's log lines, for failure messages and for waiting until the worker says something.
final class WorkerLogLines: Sendable {
    private struct State {
        var lines: [String] = []
        var waiters: [(text: String, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    func append(_ line: String) {
        let ready = state.withLock { state in
            state.lines.append(line)
            let ready = state.waiters.filter { line.contains($0.text) }.map(\.continuation)
            state.waiters.removeAll { line.contains($0.text) }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    var lines: [String] { state.withLock { $0.lines } }

    /// Returns once a line containing `text` has been logged (at once if one has); the suite's time limit ends
    /// a wait for a line that never comes.
    func waitForLine(containing text: String) async {
        await withCheckedContinuation { continuation in
            let isLogged = state.withLock { state in
                if state.lines.contains(where: { $0.contains(text) }) { return true }
                state.waiters.append((text, continuation))
                return false
            }
            if isLogged { continuation.resume() }
        }
    }
}
