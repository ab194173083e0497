import FoundationEssentials
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import StaskCore
import StaskRemote

/// The content-addressable storage of a Remote Execution API server: which blobs it lacks, uploads and
/// downloads, in batches up to the server's limit and by ByteStream above it.
///
/// Every call has a deadline (``REAPIConnection``); a failure is thrown as the `RPCError` the call got, or
/// as ``ContentStoreError`` when the server's answer is unusable. Thread-safe.
struct ContentStore: Sendable {
    typealias Digest = Build_Bazel_Remote_Execution_V2_Digest

    let connection: REAPIConnection
    /// The largest total of blob bytes in one batch request or response.
    let batchLimit: Int

    /// The server's limit (0: none given) bounded by what one gRPC message may hold here.
    static func batchLimit(serverLimit: Int64) -> Int {
        let ceiling = REAPIConnection.maximumResponseSize - (1 << 20)
        guard serverLimit > 0 else { return 4 << 20 - (64 << 10) }
        return min(Int(clamping: serverLimit) - (64 << 10), ceiling)
    }

    /// The server's cache capabilities (`GetCapabilities`); `nil` for a server without the Capabilities
    /// service (some proxies), whose limits are then REAPI's defaults.
    static func cacheCapabilities(
        of connection: REAPIConnection
    ) async throws -> Build_Bazel_Remote_Execution_V2_CacheCapabilities? {
        var request = Build_Bazel_Remote_Execution_V2_GetCapabilitiesRequest()
        request.instanceName = connection.instanceName
        do {
            return try await Build_Bazel_Remote_Execution_V2_Capabilities.Client(wrapping: connection.client)
                .getCapabilities(request, metadata: connection.metadata, options: connection.options())
                .cacheCapabilities
        } catch let error as RPCError where error.code == .unimplemented {
            return nil
        }
    }

    private var cas: Build_Bazel_Remote_Execution_V2_ContentAddressableStorage.Client<HTTP2ClientTransport.Posix> {
        .init(wrapping: connection.client)
    }

    private var byteStream: Google_Bytestream_ByteStream.Client<HTTP2ClientTransport.Posix> {
        .init(wrapping: connection.client)
    }

    /// The digests among `digests` the server does not hold.
    func missing(_ digests: [Digest]) async throws -> Set<Digest> {
        guard !digests.isEmpty else { return [] }
        var request = Build_Bazel_Remote_Execution_V2_FindMissingBlobsRequest()
        request.instanceName = connection.instanceName
        request.blobDigests = digests
        request.digestFunction = .sha256
        let response = try await cas.findMissingBlobs(
            request, metadata: connection.metadata, options: connection.options())
        return Set(response.missingBlobDigests)
    }

    /// Uploads `blobs` (digest → contents): small ones in batches, large ones by ByteStream.
    ///
    /// - Returns: The bytes sent.
    func upload(_ blobs: [(digest: Digest, contents: [UInt8])]) async throws -> Int {
        var sent = 0
        var batch: [Build_Bazel_Remote_Execution_V2_BatchUpdateBlobsRequest.Request] = []
        var batchSize = 0
        func flush() async throws {
            guard !batch.isEmpty else { return }
            var request = Build_Bazel_Remote_Execution_V2_BatchUpdateBlobsRequest()
            request.instanceName = connection.instanceName
            request.requests = batch
            request.digestFunction = .sha256
            let response = try await cas.batchUpdateBlobs(
                request, metadata: connection.metadata,
                options: connection.options(extra: REAPIConnection.transferTime(batchSize)))
            for answer in response.responses where answer.status.code != 0 {
                throw ContentStoreError.blobRefused(digest: answer.digest.resourcePath, message: answer.status.message)
            }
            batch = []
            batchSize = 0
        }
        for blob in blobs {
            if blob.contents.count > batchLimit {
                try await write(blob.contents, digest: blob.digest)
            } else {
                if batchSize + blob.contents.count > batchLimit { try await flush() }
                var entry = Build_Bazel_Remote_Execution_V2_BatchUpdateBlobsRequest.Request()
                entry.digest = blob.digest
                entry.data = .init(blob.contents)
                batch.append(entry)
                batchSize += blob.contents.count
            }
            sent += blob.contents.count
        }
        try await flush()
        return sent
    }

    /// Downloads `digests`: small ones in batches, large ones by ByteStream. A blob the server lacks is
    /// absent from the result; the contents are not verified here.
    func download(_ digests: [Digest]) async throws -> [Digest: [UInt8]] {
        var found: [Digest: [UInt8]] = [:]
        var batch: [Digest] = []
        var batchSize = 0
        func flush() async throws {
            guard !batch.isEmpty else { return }
            var request = Build_Bazel_Remote_Execution_V2_BatchReadBlobsRequest()
            request.instanceName = connection.instanceName
            request.digests = batch
            request.digestFunction = .sha256
            let response = try await cas.batchReadBlobs(
                request, metadata: connection.metadata,
                options: connection.options(extra: REAPIConnection.transferTime(batchSize)))
            for answer in response.responses {
                switch answer.status.code {
                case 0: found[answer.digest] = Array(answer.data)
                case Int32(RPCError.Code.notFound.rawValue): continue
                default:
                    throw ContentStoreError.blobRefused(
                        digest: answer.digest.resourcePath, message: answer.status.message)
                }
            }
            batch = []
            batchSize = 0
        }
        for digest in Set(digests).sorted(by: { $0.hash < $1.hash }) {
            let size = Int(clamping: digest.sizeBytes)
            if size > batchLimit {
                if let contents = try await read(digest) { found[digest] = contents }
            } else {
                if batchSize + size > batchLimit { try await flush() }
                batch.append(digest)
                batchSize += size
            }
        }
        try await flush()
        return found
    }

    /// Reads one blob by ByteStream; `nil` when the server does not hold it.
    private func read(_ digest: Digest) async throws -> [UInt8]? {
        var request = Google_Bytestream_ReadRequest()
        request.resourceName = resource(prefix: "blobs", digest)
        let expected = Int(clamping: digest.sizeBytes)
        do {
            return try await byteStream.read(
                request, metadata: connection.metadata,
                options: connection.options(extra: REAPIConnection.transferTime(expected))
            ) { response in
                var contents: [UInt8] = []
                contents.reserveCapacity(expected)
                for try await chunk in response.messages {
                    contents += chunk.data
                    // More than the digest says: corrupt; the caller's size check reports it.
                    if contents.count > expected { break }
                }
                return contents
            }
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
    }

    /// Writes one blob by ByteStream, in chunks of 1 MiB.
    private func write(_ contents: [UInt8], digest: Digest) async throws {
        let name = resource(prefix: "uploads/\(Self.uploadID())/blobs", digest)
        let chunkSize = 1 << 20
        _ = try await byteStream.write(
            metadata: connection.metadata,
            options: connection.options(extra: REAPIConnection.transferTime(contents.count))
        ) { writer in
            var offset = 0
            repeat {
                let end = min(offset + chunkSize, contents.count)
                var request = Google_Bytestream_WriteRequest()
                if offset == 0 { request.resourceName = name }
                request.writeOffset = Int64(offset)
                request.data = .init(contents[offset..<end])
                request.finishWrite = end == contents.count
                try await writer.write(request)
                offset = end
            } while offset < contents.count
        }
    }

    private func resource(prefix: String, _ digest: Digest) -> String {
        let path = "\(prefix)/\(digest.resourcePath)"
        return connection.instanceName.isEmpty ? path : "\(connection.instanceName)/\(path)"
    }

    /// A random version 4 UUID, for an upload's resource name.
    private static func uploadID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0f | 0x40
        bytes[8] = bytes[8] & 0x3f | 0x80
        let hex = Array(SHA256Digest.hex(bytes))
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }
        return parts.joined(separator: "-")
    }
}

/// A content-addressable storage answer stask cannot use.
enum ContentStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server refused one blob of a batch.
    case blobRefused(digest: String, message: String)

    var description: String {
        switch self {
        case .blobRefused(let digest, let message): "the server refused blob \(digest): \(message)"
        }
    }
}
