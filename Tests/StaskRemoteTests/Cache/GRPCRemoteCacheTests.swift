import Foundation
import StaskTestSupport
import Testing

@testable import StaskCore
@testable import StaskREAPI
@testable import StaskRemote

#if canImport(Glibc)
    import Glibc
#endif

/// `GRPCRemoteCache` against a real BuildGrid on loopback (``BuildGridServer``), and against servers that
/// refuse or never answer. Each test uses action keys of its own, so tests share the server safely.
@Suite(.timeLimit(.minutes(3)))
struct GRPCRemoteCacheTests {
    let builder: ScratchDirectory
    let restorer: ScratchDirectory
    let warnings = WarningLog()
    /// This test's action key.
    let key = ContentDigest(high: UInt64.random(in: 1...UInt64.max), low: UInt64.random(in: 1...UInt64.max))

    static let files: [String: (contents: [UInt8], mode: mode_t)] = [
        "build/app": (Array("#!/bin/sh\necho hi\n".utf8), 0o755),
        "build/deep/data.txt": ((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }, 0o644),
        "build/empty": ([], 0o644),
    ]

    init() throws {
        builder = try ScratchDirectory()
        restorer = try ScratchDirectory()
        for (path, file) in Self.files { try write(file.contents, to: path, mode: file.mode) }
    }

    private func write(_ contents: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        let absolute = builder.appending(path)
        try FileManager.default.createDirectory(
            atPath: (absolute as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(contents).write(to: URL(fileURLWithPath: absolute))
        chmod(absolute, mode)
    }

    private func cache(
        url: String? = nil, upload: Bool = true, connectTimeout: Duration = .seconds(20),
        ioTimeout: Duration = .seconds(30)
    ) async throws -> GRPCRemoteCache {
        let server = if let url { url } else { try await BuildGridServer.endpoint() }
        let configuration = RemoteCacheConfiguration(
            endpoint: try RemoteCacheEndpoint(parsing: server), isUploadEnabled: upload,
            connectTimeout: connectTimeout, ioTimeout: ioTimeout, platform: "Linux x86_64")
        let warnings = warnings
        return try GRPCRemoteCache(configuration: configuration) { warnings.append($0) }
    }

    private func action(in directory: ScratchDirectory, outputs: [String]? = nil) -> RemoteCacheAction {
        RemoteCacheAction(
            taskID: "link", actionKey: key, outputs: outputs ?? Self.files.keys.sorted(),
            projectDirectory: directory.path)
    }

    // MARK: - Against BuildGrid

    @Test(BuildGridServer.enabled)
    func restoresByteIdenticalOutputsInAnotherDirectory() async throws {
        let cache = try await cache()
        await cache.store(action(in: builder), wallTime: .milliseconds(1500))
        #expect(cache.statistics.uploads == 1, "\(warnings.all)")
        let restored = try #require(await cache.restore(action(in: restorer)), "\(warnings.all)")

        for (path, file) in Self.files {
            let written = try #require(FileManager.default.contents(atPath: restorer.appending(path)))
            #expect(Array(written) == file.contents, "\(path)")
            #expect(restored.outputDigests[path] == ContentHasher.digest(of: file.contents))
            var info = stat()
            stat(restorer.appending(path), &info)
            #expect((info.st_mode & 0o111 != 0) == (file.mode & 0o111 != 0), "executable bit of \(path)")
        }
        #expect(restored.wallTime == .milliseconds(1500))
        #expect(warnings.all.isEmpty)
        let statistics = cache.statistics
        #expect(statistics.hits == 1 && statistics.misses == 0 && statistics.errors == 0)
    }

    @Test(BuildGridServer.enabled)
    func anUnknownActionIsAPlainMiss() async throws {
        let cache = try await cache()
        #expect(await cache.restore(action(in: restorer)) == nil)
        #expect(cache.statistics.misses == 1 && cache.statistics.errors == 0)
        #expect(warnings.all.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: restorer.appending("build")))
    }

    @Test(BuildGridServer.enabled)
    func blobsTheServerHoldsAreNotUploadedAgain() async throws {
        let cache = try await cache()
        await cache.store(action(in: builder), wallTime: .seconds(1))
        let first = cache.statistics.bytesUploaded
        // Another action with the same outputs: only its entry and its Action message go up.
        let other = RemoteCacheAction(
            taskID: "link", actionKey: ContentDigest(high: key.high, low: key.low &+ 1),
            outputs: Self.files.keys.sorted(), projectDirectory: builder.path)
        await cache.store(other, wallTime: .seconds(1))
        let second = cache.statistics.bytesUploaded - first
        #expect(cache.statistics.uploads == 2 && second > 0 && second < 1000, "\(warnings.all)")
    }

    @Test(BuildGridServer.enabled)
    func outputsAboveTheBatchLimitGoThroughByteStream() async throws {
        // Above BuildGrid's 4 MiB batch limit, and not a multiple of the 1 MiB chunk.
        let large = (0..<(5 << 20) + 12345).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }
        try write(large, to: "build/large.bin")
        let cache = try await cache()
        let outputs = ["build/large.bin"]
        await cache.store(action(in: builder, outputs: outputs), wallTime: .seconds(1))
        #expect(cache.statistics.uploads == 1, "\(warnings.all)")
        let restored = try #require(await cache.restore(action(in: restorer, outputs: outputs)), "\(warnings.all)")
        #expect(restored.byteCount == large.count)
        #expect(FileManager.default.contents(atPath: restorer.appending("build/large.bin")) == Data(large))
    }

    @Test(BuildGridServer.enabled)
    func readOnlyClientsUploadNothing() async throws {
        let cache = try await cache(upload: false)
        await cache.store(action(in: builder), wallTime: .seconds(1))
        #expect(cache.statistics == RemoteCacheStatistics())
        let writer = try await self.cache()
        #expect(await writer.restore(action(in: restorer)) == nil)
    }

    // MARK: - Servers that fail

    @Test func aServerThatRefusesTurnsTheCacheOffAfterOneFastFailure() async throws {
        // Port 1: nothing listens there, so the connection is refused.
        let cache = try await cache(url: "grpc://127.0.0.1:1")
        let start = ContinuousClock.now
        #expect(await cache.restore(action(in: restorer)) == nil)
        // Refused, not timed out: well before the call's deadline (connect + I/O timeouts, 50 s).
        #expect(ContinuousClock.now - start < .seconds(45))
        let afterwards = ContinuousClock.now
        #expect(await cache.restore(action(in: restorer)) == nil)
        await cache.store(action(in: builder), wallTime: .seconds(1))
        #expect(ContinuousClock.now - afterwards < .seconds(1))
        #expect(cache.isDisabled)
        #expect(warnings.all.map(\.kind) == [.unreachable], "\(warnings.all)")
        #expect(cache.statistics.errors == 1 && cache.statistics.misses == 2)
    }

    @Test func aServerThatNeverAnswersTimesOutOnceAndIsDroppedForTheBuild() async throws {
        let silent = try ScriptedHTTPServer(isAccepting: false)
        let cache = try await cache(
            url: "grpc://127.0.0.1:\(silent.port)", connectTimeout: .milliseconds(200), ioTimeout: .milliseconds(300))
        #expect(await cache.restore(action(in: restorer)) == nil)
        let second = ContinuousClock.now
        #expect(await cache.restore(action(in: restorer)) == nil)
        #expect(ContinuousClock.now - second < .seconds(1))
        #expect(cache.isDisabled)
        #expect(warnings.all.map(\.kind) == [.unreachable], "\(warnings.all)")
        #expect(warnings.all.first?.description.contains("grpc://127.0.0.1:\(silent.port)") == true)
    }
}
