import Foundation
import StaskTestSupport
import Synchronization
import Testing

@testable import StaskCore
@testable import StaskRemote

#if canImport(Glibc)
    import Glibc
#endif

/// `HTTPRemoteCache` against a real nginx (WebDAV `PUT`) on a loopback port.
@Suite(
    .timeLimit(.minutes(1)), .enabled(if: NginxServer.executable != nil, NginxServer.missingComment), .nginx)
struct HTTPRemoteCacheTests {
    let server: NginxServer
    let builder: ScratchDirectory
    let restorer: ScratchDirectory
    let warnings = WarningLog()

    static let files: [String: (contents: [UInt8], mode: mode_t)] = [
        "build/app": (Array("#!/bin/sh\necho hi\n".utf8), 0o755),
        "build/deep/data.txt": ((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }, 0o644),
        "build/empty": ([], 0o644),
    ]
    static let action = RemoteCacheAction(
        taskID: "link", actionKey: ContentDigest(high: 42, low: 7), outputs: files.keys.sorted(),
        projectDirectory: "")

    init() throws {
        server = try #require(NginxServer.current, "the suite runs each test with an nginx of its own (.nginx)")
        builder = try ScratchDirectory()
        restorer = try ScratchDirectory()
        for (path, file) in Self.files {
            let absolute = builder.appending(path)
            try FileManager.default.createDirectory(
                atPath: (absolute as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(file.contents).write(to: URL(fileURLWithPath: absolute))
            chmod(absolute, file.mode)
        }
    }

    private func cache(
        _ path: String = "", upload: Bool = true, credentials: RemoteCacheCredentials = .none,
        platform: String = "Linux x86_64", url: String? = nil, ioTimeout: Duration = .seconds(30)
    ) throws -> HTTPRemoteCache {
        // Limits far above a loopback round trip even on a loaded machine: only the timeout test is about time.
        let configuration = RemoteCacheConfiguration(
            endpoint: try RemoteCacheEndpoint(parsing: (url ?? server.url) + path), isUploadEnabled: upload,
            credentials: credentials, connectTimeout: .seconds(20), ioTimeout: ioTimeout, platform: platform)
        let warnings = warnings
        return HTTPRemoteCache(configuration: configuration) { warnings.append($0) }
    }

    private func action(in directory: ScratchDirectory, key: ContentDigest? = nil) -> RemoteCacheAction {
        var action = Self.action
        action.projectDirectory = directory.path
        if let key { action.actionKey = key }
        return action
    }

    /// Stores the builder's outputs; unless `mayFail`, a failed upload fails the test with the warnings
    /// that say why.
    private func storeFromBuilder(_ cache: HTTPRemoteCache, key: ContentDigest? = nil, mayFail: Bool = false) async {
        let uploads = cache.statistics.uploads
        await cache.store(action(in: builder, key: key), wallTime: .milliseconds(1500))
        let mustUpload = cache.configuration.isUploadEnabled && !mayFail
        #expect(!mustUpload || cache.statistics.uploads == uploads + 1, "the upload failed: \(warnings.all)")
    }

    private func blobPath(of path: String) throws -> String {
        let digest = SHA256Hasher.digest(of: Self.files[path]!.contents)
        return server.storedPath("/cas/\(digest)")
    }

    // MARK: - Round trip

    @Test func restoresByteIdenticalOutputsInAnotherDirectory() async throws {
        let cache = try cache()
        await storeFromBuilder(cache)
        #expect(cache.statistics.uploads == 1)
        let restored = try #require(await cache.restore(action(in: restorer)))

        for (path, file) in Self.files {
            let written = try #require(FileManager.default.contents(atPath: restorer.appending(path)))
            #expect(Array(written) == file.contents, "\(path)")
            #expect(restored.outputDigests[path] == ContentHasher.digest(of: file.contents))
            var info = stat()
            stat(restorer.appending(path), &info)
            #expect((info.st_mode & 0o111 != 0) == (file.mode & 0o111 != 0), "executable bit of \(path)")
        }
        #expect(restored.wallTime == .milliseconds(1500))
        #expect(restored.byteCount == Self.files.values.reduce(0) { $0 + $1.contents.count })
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: restorer.path).filter {
            $0.contains(".stask-remote-")
        }
        #expect(leftovers.isEmpty)
        #expect(warnings.all.isEmpty)

        let statistics = cache.statistics
        #expect(statistics.hits == 1 && statistics.misses == 0 && statistics.errors == 0)
        // Two non-empty blobs went up and came down; the manifest too, in both directions.
        let blobBytes = restored.byteCount
        #expect(statistics.bytesUploaded > blobBytes && statistics.bytesUploaded == statistics.bytesDownloaded)
    }

    @Test func anUnknownActionIsAPlainMiss() async throws {
        let cache = try cache()
        #expect(await cache.restore(action(in: restorer)) == nil)
        #expect(cache.statistics.misses == 1 && cache.statistics.errors == 0)
        #expect(warnings.all.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: restorer.appending("build")))
    }

    @Test func otherPlatformsDoNotShareEntries() async throws {
        await storeFromBuilder(try cache(platform: "Linux x86_64"))
        let darwin = try cache(platform: "Darwin arm64")
        #expect(await darwin.restore(action(in: restorer)) == nil)
        let linux = try cache(platform: "Linux x86_64")
        #expect(await linux.restore(action(in: restorer)) != nil)
    }

    @Test func blobsAlreadyStoredAreNotUploadedAgain() async throws {
        let cache = try cache()
        await storeFromBuilder(cache)
        let first = cache.statistics.bytesUploaded
        await storeFromBuilder(cache, key: ContentDigest(high: 1, low: 1))
        let manifestOnly = cache.statistics.bytesUploaded - first
        #expect(manifestOnly > 0 && manifestOnly < 1000)
        let puts = server.accessLog().filter { $0.hasPrefix("PUT /cas/") }
        #expect(puts.count == 2)
    }

    @Test func readOnlyClientsUploadNothing() async throws {
        let cache = try cache(upload: false)
        await storeFromBuilder(cache)
        #expect(server.accessLog().isEmpty)
        #expect(cache.statistics == RemoteCacheStatistics())
    }

    // MARK: - Damage on the server

    @Test func aCorruptBlobIsDetectedWarnedOnceAndNothingIsWritten() async throws {
        let cache = try cache()
        await storeFromBuilder(cache)
        let blob = try blobPath(of: "build/deep/data.txt")
        let size = Self.files["build/deep/data.txt"]!.contents.count
        try Data(repeating: 0x5a, count: size).write(to: URL(fileURLWithPath: blob))

        #expect(await cache.restore(action(in: restorer)) == nil)
        #expect(await cache.restore(action(in: restorer)) == nil)
        #expect(warnings.all.map(\.kind) == [.corruptBlob])
        #expect(warnings.all.first?.description.contains("does not match its SHA-256") == true)
        #expect(cache.statistics.errors == 2 && cache.statistics.misses == 2)
        #expect(!FileManager.default.fileExists(atPath: restorer.appending("build/app")))
    }

    @Test func aBlobOfTheWrongSizeIsCorruptToo() async throws {
        let cache = try cache()
        await storeFromBuilder(cache)
        try Data("short".utf8).write(to: URL(fileURLWithPath: try blobPath(of: "build/app")))
        #expect(await cache.restore(action(in: restorer)) == nil)
        #expect(warnings.all.map(\.kind) == [.corruptBlob])
    }

    @Test func aManifestOfAnotherVersionIsAMissWithoutWarning() async throws {
        let cache = try cache()
        await storeFromBuilder(cache)
        var writer = ProtobufWriter()
        writer.write(field: 9) { $0.write(field: 1, string: "stask-manifest/2") }
        try Data(writer.bytes).write(to: URL(fileURLWithPath: try manifestPath()))
        #expect(await cache.restore(action(in: restorer)) == nil)
        #expect(warnings.all.isEmpty)
        #expect(cache.statistics.misses == 1 && cache.statistics.errors == 0)
    }

    @Test func aDamagedManifestIsWarnedAbout() async throws {
        let cache = try cache()
        await storeFromBuilder(cache)
        let path = try manifestPath()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.dropLast(5).write(to: URL(fileURLWithPath: path))
        #expect(await cache.restore(action(in: restorer)) == nil)
        #expect(warnings.all.map(\.kind) == [.badManifest])
    }

    @Test func aManifestListingOtherOutputsIsRefused() async throws {
        let cache = try cache()
        await storeFromBuilder(cache)
        var other = action(in: restorer)
        other.outputs = ["build/app", "../../etc/passwd"]
        #expect(await cache.restore(other) == nil)
        #expect(warnings.all.map(\.kind) == [.badManifest])
        #expect(!FileManager.default.fileExists(atPath: restorer.appending("build/app")))
    }

    @Test(arguments: ["../escaped.txt", "/tmp/stask-escaped.txt", "build/../../escaped.txt"])
    func anEntryNamingAPathOutsideTheProjectIsRefused(_ escaping: String) async throws {
        let cache = try cache()
        await storeFromBuilder(cache)
        // A poisoned entry for an action whose declared outputs match it exactly: only the path check stops it.
        let stored = try CacheManifest(decoding: Array(Data(contentsOf: URL(fileURLWithPath: manifestPath()))))
        var output = try #require(stored.outputs.first { $0.path == "build/app" })
        output.path = escaping
        try Data(CacheManifest(outputs: [output]).encoded()).write(to: URL(fileURLWithPath: manifestPath()))
        var poisoned = action(in: restorer)
        poisoned.outputs = [escaping]
        #expect(await cache.restore(poisoned) == nil)
        #expect(warnings.all.map(\.kind) == [.badManifest])
        #expect(warnings.all.first?.description.contains("not a path inside the project") == true, "\(warnings.all)")
        let target = escaping.hasPrefix("/") ? escaping : ProjectPath.absolute(escaping, base: restorer.path)
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func anOutputWhoseDirectoryLinksOutOfTheProjectIsNotRestored() async throws {
        let cache = try cache()
        await storeFromBuilder(cache)
        let outside = try ScratchDirectory()
        try FileManager.default.createSymbolicLink(
            atPath: restorer.appending("build"), withDestinationPath: outside.path)
        #expect(await cache.restore(action(in: restorer)) == nil)
        #expect(warnings.all.map(\.kind) == [.localFiles], "\(warnings.all)")
        #expect(warnings.all.first?.description.contains("symbolic link") == true, "\(warnings.all)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
    }

    @Test func anOutputBehindALinkInsideTheProjectIsRestoredThere() async throws {
        let cache = try cache()
        await storeFromBuilder(cache)
        try FileManager.default.createDirectory(
            atPath: restorer.appending("real"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: restorer.appending("build"), withDestinationPath: restorer.appending("real"))
        #expect(await cache.restore(action(in: restorer)) != nil)
        #expect(warnings.all.isEmpty, "\(warnings.all)")
        #expect(FileManager.default.fileExists(atPath: restorer.appending("real/deep/data.txt")))
    }

    private func manifestPath() throws -> String {
        let key = RemoteCacheKey.digest(actionKey: Self.action.actionKey, platform: "Linux x86_64")
        return server.storedPath("/ac/\(key)")
    }

    // MARK: - A server that fails

    @Test func aStoppedServerTurnsTheCacheOffAfterOneFastFailure() async throws {
        let cache = try cache()
        await server.stop()
        #expect(await cache.restore(action(in: restorer)) == nil)
        #expect(await cache.restore(action(in: restorer)) == nil)
        await storeFromBuilder(cache, mayFail: true)
        #expect(cache.isDisabled)
        #expect(warnings.all.map(\.kind) == [.unreachable])
        #expect(warnings.all.first?.description.contains("Connection refused") == true)
        #expect(cache.statistics.errors == 1 && cache.statistics.misses == 2)
    }

    @Test func aServerThatHangsTimesOutAndIsDroppedForTheBuild() async throws {
        let silent = try ScriptedHTTPServer(isAccepting: false)
        let cache = try cache(url: silent.url, ioTimeout: .milliseconds(200))
        #expect(await cache.restore(action(in: restorer)) == nil)
        #expect(await cache.restore(action(in: restorer)) == nil)
        #expect(warnings.all.map(\.kind) == [.unreachable])
        #expect(warnings.all.first?.description.contains("timed out") == true)
    }

    @Test func serverErrorsAreWarnedOnceAndDoNotTurnTheCacheOff() async throws {
        let cache = try cache("/broken")
        #expect(await cache.restore(action(in: restorer)) == nil)
        await storeFromBuilder(cache, mayFail: true)
        #expect(warnings.all.map(\.kind) == [.serverError])
        #expect(warnings.all.first?.description.contains("answered 500") == true)
        #expect(!cache.isDisabled)
        #expect(cache.statistics.errors == 2)
    }

    @Test func credentialsComeFromTheEnvironmentAndAreNeverPrinted() async throws {
        let rejected = try cache(
            "/private",
            credentials: RemoteCacheCredentials(environment: [
                RemoteCacheCredentials.tokenVariable: "wrong-token"
            ]))
        #expect(await rejected.restore(action(in: restorer)) == nil)
        let warning = try #require(warnings.all.first)
        #expect(warning.kind == .serverError && warning.description.contains("answered 401"))
        #expect(warning.description.contains(RemoteCacheCredentials.tokenVariable))
        #expect(!warning.description.contains("wrong-token"))

        let accepted = try cache(
            "/private",
            credentials: RemoteCacheCredentials(environment: [
                RemoteCacheCredentials.tokenVariable: NginxServer.token
            ]))
        await storeFromBuilder(accepted)
        #expect(await accepted.restore(action(in: restorer)) != nil)
        let authorized = server.accessLog().filter { $0.contains("auth=\"Bearer \(NginxServer.token)\"") }
        #expect(authorized.count == server.accessLog().count - 1)
    }
}

/// Collects the warnings a cache delivers, from any thread.
final class WarningLog: Sendable {
    private let warnings = Mutex<[RemoteCacheWarning]>([])

    func append(_ warning: RemoteCacheWarning) {
        warnings.withLock { $0.append(warning) }
    }

    var all: [RemoteCacheWarning] { warnings.withLock { $0 } }
}
