import FoundationEssentials
import GRPCCore
import GRPCNIOTransportHTTP2Posix
package import StaskCore
import StaskPosix
import StaskRemote
import SwiftProtobuf
import Synchronization

/// A ``RemoteCache`` over the Remote Execution API: the `ActionCache` service for entries, the
/// `ContentAddressableStorage` (and `ByteStream` above the batch limit) for output contents, as BuildGrid,
/// bazel-remote, Buildbarn and NativeLink serve them (`grpc://HOST:PORT[/INSTANCE]`).
///
/// - Keys: an entry is keyed by the digest of a REAPI `Action` stask makes for the task: its `salt` is the
///   ``RemoteCacheKey`` (platform and action key), its command names the cache entry kind and the declared
///   outputs. The Action and its Command are stored in the CAS with the outputs, for servers that check
///   that an entry's action exists.
/// - Entries: the same `ActionResult` as the HTTP cache writes (``CacheManifest``), checked by the same
///   rules (exactly the declared outputs, paths inside the project, sizes and SHA-256 verified before any
///   output is written).
/// - Storing: `FindMissingBlobs`, then the missing blobs (`BatchUpdateBlobs`, or ByteStream `Write`), then
///   `UpdateActionResult`; never for failed tasks, never when uploads are off.
/// - Failure: as ``HTTPRemoteCache``: every call has a deadline; a server that cannot be reached or does
///   not answer in time turns the cache off for the rest of the build with one warning; a server error
///   skips the task at hand with one warning per kind; a server that does not offer SHA-256 turns it off.
///
/// **Concurrency.** Thread-safe and `Sendable`; the engine calls it from many tasks at once. Calls are
/// async (no thread is blocked on the network); cancelling the caller cancels its calls, and the method
/// returns at once without a warning. Statistics and warned kinds sit behind a `Mutex`.
package final class GRPCRemoteCache: RemoteCache {
    /// The configuration in use.
    package let configuration: RemoteCacheConfiguration
    private let connection: REAPIConnection
    private let warn: @Sendable (RemoteCacheWarning) -> Void
    private let state = Mutex(State())

    private struct State {
        var statistics = RemoteCacheStatistics()
        var warned: Set<RemoteCacheWarning.Kind> = []
        var isDisabled = false
        var batchLimit: Int?
    }

    /// A cache client for one build; nothing is sent before the first lookup or upload.
    ///
    /// - Parameters:
    ///   - configuration: The server (a `grpc://` endpoint) and options.
    ///   - warn: Receives each kind of ``RemoteCacheWarning`` once, from any thread.
    /// - Throws: `RPCError` when the endpoint's host cannot be made a gRPC target.
    package init(
        configuration: RemoteCacheConfiguration, warn: @escaping @Sendable (RemoteCacheWarning) -> Void
    ) throws {
        self.configuration = configuration
        self.connection = try REAPIConnection(
            endpoint: configuration.endpoint, credentials: configuration.credentials,
            connectTimeout: configuration.connectTimeout, ioTimeout: configuration.ioTimeout)
        self.warn = warn
    }

    /// What the cache did so far.
    package var statistics: RemoteCacheStatistics {
        state.withLock { $0.statistics }
    }

    /// Whether the cache turned itself off for this build.
    package var isDisabled: Bool {
        state.withLock { $0.isDisabled }
    }

    // MARK: - Restoring

    /// See ``RemoteCache/restore(_:)``.
    package func restore(_ action: RemoteCacheAction) async -> RestoredOutputs? {
        let restored = isDisabled ? nil : await fetchAndWrite(action)
        count { restored == nil ? ($0.misses += 1) : ($0.hits += 1) }
        return restored
    }

    private func fetchAndWrite(_ action: RemoteCacheAction) async -> RestoredOutputs? {
        guard let store = await contentStore() else { return nil }
        let key = actionMessages(for: action).actionDigest
        let entry = "action \(key.hash)"
        var request = Build_Bazel_Remote_Execution_V2_GetActionResultRequest()
        request.instanceName = connection.instanceName
        request.actionDigest = key
        request.digestFunction = .sha256
        let result: Build_Bazel_Remote_Execution_V2_ActionResult
        do {
            result = try await actionCache.getActionResult(
                request, metadata: connection.metadata, options: connection.options())
        } catch let error as RPCError where error.code == .notFound {
            return nil
        } catch {
            reportFailure(error, call: "GetActionResult")
            return nil
        }
        let bytes: [UInt8]
        do {
            bytes = try result.serializedBytes()
        } catch {
            report(.badManifest, "entry \(entry) for '\(action.taskID)' cannot be re-encoded: \(error)")
            return nil
        }
        count { $0.bytesDownloaded += bytes.count }
        let manifest: CacheManifest
        switch CacheManifest.verdict(on: bytes, for: action, entry: entry) {
        case .usable(let usable): manifest = usable
        case .otherFormat: return nil
        case .refused(let message):
            report(.badManifest, message)
            return nil
        }

        let wanted = manifest.outputs.filter { $0.size > 0 }.map {
            Build_Bazel_Remote_Execution_V2_Digest($0.digest, size: $0.size)
        }
        let blobs: [Build_Bazel_Remote_Execution_V2_Digest: [UInt8]]
        do {
            blobs = try await store.download(wanted)
        } catch {
            reportFailure(error, call: "reading outputs from the CAS")
            return nil
        }
        if Task.isCancelled { return nil }
        var contents: [(output: CacheManifest.Output, bytes: [UInt8])] = []
        for output in manifest.outputs {
            guard output.size > 0 else {
                contents.append((output, []))
                continue
            }
            // A blob evicted from the store while its entry survived: a plain miss.
            guard let bytes = blobs[Build_Bazel_Remote_Execution_V2_Digest(output.digest, size: output.size)]
            else { return nil }
            count { $0.bytesDownloaded += bytes.count }
            guard bytes.count == output.size else {
                reportCorrupt(output, of: action, "has \(bytes.count) bytes, not the \(output.size) listed")
                return nil
            }
            guard SHA256Hasher.digest(of: bytes) == output.digest else {
                reportCorrupt(output, of: action, "does not match its SHA-256")
                return nil
            }
            contents.append((output, bytes))
        }

        guard let digests = CacheOutputFiles.write(contents, of: action, report: { report($0, $1) }) else { return nil }
        return RestoredOutputs(outputDigests: digests, wallTime: manifest.wallTime, byteCount: manifest.totalSize)
    }

    private func reportCorrupt(_ output: CacheManifest.Output, of action: RemoteCacheAction, _ problem: String) {
        report(
            .corruptBlob,
            "blob \(output.digest)/\(output.size) for '\(output.path)' \(problem): the server holds corrupt data; "
                + "running '\(action.taskID)' locally")
    }

    // MARK: - Storing

    /// See ``RemoteCache/store(_:wallTime:)``.
    package func store(_ action: RemoteCacheAction, wallTime: Duration) async {
        guard configuration.isUploadEnabled, !isDisabled else { return }
        guard let files = CacheOutputFiles.read(action, report: { report($0, $1) }) else { return }
        let outputs = files.map(\.output)
        var blobs: [Build_Bazel_Remote_Execution_V2_Digest: [UInt8]] = [:]
        for (output, contents) in files where !contents.isEmpty {
            blobs[Build_Bazel_Remote_Execution_V2_Digest(output.digest, size: contents.count)] = contents
        }
        let messages = actionMessages(for: action)
        blobs[messages.actionDigest] = messages.action
        blobs[messages.commandDigest] = messages.command

        guard let store = await contentStore() else { return }
        do {
            let missing = try await store.missing(Array(blobs.keys))
            let sent = try await store.upload(
                blobs.filter { missing.contains($0.key) }.sorted { $0.key.hash < $1.key.hash }.map {
                    (digest: $0.key, contents: $0.value)
                })
            count { $0.bytesUploaded += sent }
        } catch {
            reportFailure(error, call: "uploading outputs to the CAS")
            return
        }
        let end = HTTPRemoteCache.wallClockNow()
        let manifest = CacheManifest(outputs: outputs, executionStart: end - wallTime, executionEnd: end)
        var request = Build_Bazel_Remote_Execution_V2_UpdateActionResultRequest()
        request.instanceName = connection.instanceName
        request.actionDigest = messages.actionDigest
        request.digestFunction = .sha256
        do {
            request.actionResult = try Build_Bazel_Remote_Execution_V2_ActionResult(serializedBytes: manifest.encoded())
            _ = try await actionCache.updateActionResult(
                request, metadata: connection.metadata, options: connection.options())
        } catch {
            reportFailure(error, call: "UpdateActionResult")
            return
        }
        count {
            $0.uploads += 1
            $0.bytesUploaded += manifest.encoded().count
        }
    }

    // MARK: - Shared by the restore and store paths

    private var actionCache: Build_Bazel_Remote_Execution_V2_ActionCache.Client<HTTP2ClientTransport.Posix> {
        .init(wrapping: connection.client)
    }

    /// The Action (and its Command) whose digest keys `action`'s entry, serialized.
    private func actionMessages(
        for action: RemoteCacheAction
    ) -> (
        action: [UInt8], actionDigest: Build_Bazel_Remote_Execution_V2_Digest, command: [UInt8],
        commandDigest: Build_Bazel_Remote_Execution_V2_Digest
    ) {
        let key = RemoteCacheKey.digest(
            actionKey: action.actionKey, platform: configuration.platform ?? RemotePlatform.current)
        var command = Build_Bazel_Remote_Execution_V2_Command()
        command.arguments = ["stask", "cache-entry", RemoteCacheKey.domain]
        command.outputPaths = action.outputs.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        // Deterministic: proto3 messages without maps serialize their fields in number order.
        let commandBytes = (try? command.serializedBytes() as [UInt8]) ?? []
        var message = Build_Bazel_Remote_Execution_V2_Action()
        message.commandDigest = .init(of: commandBytes)
        message.inputRootDigest = .init(.empty, size: 0)
        message.salt = Data(key.bytes)
        message.doNotCache = false
        let actionBytes = (try? message.serializedBytes() as [UInt8]) ?? []
        return (actionBytes, .init(of: actionBytes), commandBytes, .init(of: commandBytes))
    }

    /// The CAS with the batch limit the server gives (asked once); `nil` when the cache is off or the
    /// server cannot serve it (reported).
    private func contentStore() async -> ContentStore? {
        if let limit = state.withLock({ $0.batchLimit }) {
            return ContentStore(connection: connection, batchLimit: limit)
        }
        let limit: Int
        do {
            let cache = try await ContentStore.cacheCapabilities(of: connection)
            if let cache, !cache.digestFunctions.isEmpty && !cache.digestFunctions.contains(.sha256) {
                report(
                    .serverError, "the server does not offer SHA-256 digests; continuing without the remote cache",
                    disabling: true)
                return nil
            }
            limit = ContentStore.batchLimit(serverLimit: cache?.maxBatchTotalSizeBytes ?? 0)
        } catch {
            reportFailure(error, call: "GetCapabilities")
            return nil
        }
        state.withLock { $0.batchLimit = limit }
        return ContentStore(connection: connection, batchLimit: limit)
    }

    /// Reports a failed call: an unreachable server turns the cache off; cancellation is silent.
    private func reportFailure(_ error: any Error, call: String) {
        if Task.isCancelled { return }
        if let error = error as? ContentStoreError {
            report(.serverError, error.description)
            return
        }
        switch REAPIFailure(error, call: call) {
        case .cancelled: return
        case .unreachable(let message):
            report(.unreachable, "\(message); continuing without the remote cache for this build", disabling: true)
        case .serverError(let message):
            report(.serverError, message)
        }
    }

    /// Counts an error and delivers the warning if it is the first of its kind.
    private func report(_ kind: RemoteCacheWarning.Kind, _ message: String, disabling: Bool = false) {
        let isFirst = state.withLock { state in
            state.statistics.errors += 1
            if disabling { state.isDisabled = true }
            return state.warned.insert(kind).inserted
        }
        if isFirst {
            warn(RemoteCacheWarning(kind: kind, endpoint: configuration.endpoint.description, message: message))
        }
    }

    private func count(_ update: (inout RemoteCacheStatistics) -> Void) {
        state.withLock { update(&$0.statistics) }
    }
}
