import Foundation
import StaskHTTPS
import StaskTestSupport
import Testing

@testable import StaskCore
@testable import StaskRemote

#if canImport(Glibc)
    import Glibc
#endif

/// `HTTPRemoteCache` on `AsyncHTTPClientTransport` against a real nginx speaking TLS, with a certificate for
/// 127.0.0.1 signed by a CA made for each test.
@Suite(
    .timeLimit(.minutes(1)), .enabled(if: NginxServer.executable != nil, NginxServer.missingComment), .nginxTLS)
struct AsyncHTTPClientTransportTests {
    let server: NginxServer
    let builder: ScratchDirectory
    let restorer: ScratchDirectory
    let warnings = WarningLog()

    static let files: [String: [UInt8]] = [
        "build/app": Array("#!/bin/sh\necho hi\n".utf8),
        "build/deep/data.txt": (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) },
        "build/empty": [],
    ]

    init() throws {
        server = try #require(NginxServer.current, "the suite runs each test with an nginx of its own (.nginxTLS)")
        builder = try ScratchDirectory()
        restorer = try ScratchDirectory()
        for (path, contents) in Self.files {
            let absolute = builder.appending(path)
            try FileManager.default.createDirectory(
                atPath: (absolute as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(contents).write(to: URL(fileURLWithPath: absolute))
        }
    }

    private func action(in directory: ScratchDirectory) -> RemoteCacheAction {
        RemoteCacheAction(
            taskID: "link", actionKey: ContentDigest(high: 9, low: 4), outputs: Self.files.keys.sorted(),
            projectDirectory: directory.path)
    }

    /// Runs `body` with a cache on a fresh transport, and shuts the transport down afterwards (async-http-client
    /// requires it), whatever `body` does.
    private func withCache(
        url: String? = nil, trustingTheTestCA: Bool = true, credentials: RemoteCacheCredentials = .none,
        _ body: (HTTPRemoteCache) async throws -> Void
    ) async throws {
        let configuration = RemoteCacheConfiguration(
            endpoint: try RemoteCacheEndpoint(parsing: url ?? server.url), isUploadEnabled: true,
            credentials: credentials, connectTimeout: .seconds(20), ioTimeout: .seconds(30), platform: "Linux x86_64")
        let environment = trustingTheTestCA ? [AsyncHTTPClientTransport.caFileVariable: server.caFile] : [:]
        let transport = try AsyncHTTPClientTransport(configuration: configuration, environment: environment)
        let warnings = warnings
        let cache = HTTPRemoteCache(configuration: configuration, transport: transport) { warnings.append($0) }
        do {
            try await body(cache)
        } catch {
            await transport.shutdown()
            throw error
        }
        await transport.shutdown()
    }

    @Test func storesAndRestoresByteIdenticalOutputsOverTLS() async throws {
        try await withCache { cache in
            await cache.store(action(in: builder), wallTime: .milliseconds(800))
            #expect(cache.statistics.uploads == 1, "\(warnings.all)")
            let restored = try #require(await cache.restore(action(in: restorer)), "\(warnings.all)")
            for (path, contents) in Self.files {
                let written = try #require(FileManager.default.contents(atPath: restorer.appending(path)))
                #expect(Array(written) == contents, "\(path)")
                #expect(restored.outputDigests[path] == ContentHasher.digest(of: contents))
            }
            #expect(restored.wallTime == .milliseconds(800))
            #expect(cache.statistics.hits == 1 && cache.statistics.errors == 0)
        }
        #expect(warnings.all.isEmpty)
        // The same layout as over plain HTTP: blobs under /cas/, the manifest under /ac/.
        let blob = SHA256Hasher.digest(of: Self.files["build/deep/data.txt"]!)
        #expect(FileManager.default.fileExists(atPath: server.storedPath("/cas/\(blob)")))
        #expect(server.accessLog().contains { $0.hasPrefix("PUT /ac/") && $0.contains(" 201 ") })
    }

    @Test func anUnknownActionIsAPlainMiss() async throws {
        try await withCache { cache in
            #expect(await cache.restore(action(in: restorer)) == nil)
            #expect(cache.statistics.misses == 1 && cache.statistics.errors == 0)
        }
        #expect(warnings.all.isEmpty)
    }

    @Test func anUntrustedCertificateIsOneWarningAndTurnsTheCacheOff() async throws {
        try await withCache(trustingTheTestCA: false) { cache in
            #expect(await cache.restore(action(in: restorer)) == nil)
            await cache.store(action(in: builder), wallTime: .seconds(1))
            #expect(await cache.restore(action(in: restorer)) == nil)
            #expect(cache.isDisabled)
        }
        let all = warnings.all
        #expect(all.count == 1, "\(all)")
        #expect(all.first?.kind == .unreachable)
        #expect(all.first?.message.contains("TLS handshake failed") == true, "\(all)")
        #expect(all.first?.message.contains(AsyncHTTPClientTransport.caFileVariable) == true, "\(all)")
        // nginx never saw a request.
        #expect(server.accessLog().isEmpty)
    }

    @Test func anUnreachableServerIsOneWarning() async throws {
        let closed = try NginxServer.freePort()
        try await withCache(url: "https://127.0.0.1:\(closed)") { cache in
            #expect(await cache.restore(action(in: restorer)) == nil)
            #expect(await cache.restore(action(in: restorer)) == nil)
            #expect(cache.isDisabled)
        }
        let all = warnings.all
        #expect(all.count == 1, "\(all)")
        #expect(all.first?.kind == .unreachable)
        #expect(all.first?.message.contains("continuing without the remote cache") == true, "\(all)")
    }

    @Test func credentialsGoInTheAuthorizationHeader() async throws {
        try await withCache(url: server.url + "/private", credentials: .bearer(token: NginxServer.token)) { cache in
            await cache.store(action(in: builder), wallTime: .seconds(1))
            #expect(await cache.restore(action(in: restorer)) != nil, "\(warnings.all)")
        }
        #expect(warnings.all.isEmpty)
        let log = server.accessLog()
        #expect(!log.isEmpty && log.allSatisfy { $0.contains("auth=\"Bearer \(NginxServer.token)\"") }, "\(log)")

        try await withCache(url: server.url + "/private", credentials: .basic(user: "ci", password: "pw")) { cache in
            #expect(await cache.restore(action(in: restorer)) == nil)
        }
        // Basic credentials, base64 of "ci:pw"; /private/ refuses them with 401, reported once.
        #expect(server.accessLog().last?.contains("auth=\"Basic Y2k6cHc=\"") == true, "\(server.accessLog())")
        #expect(warnings.all.count == 1 && warnings.all.first?.message.contains("401") == true, "\(warnings.all)")
    }

    @Test func anUnreadableCAFileIsAnError() throws {
        let configuration = RemoteCacheConfiguration(
            endpoint: try RemoteCacheEndpoint(parsing: server.url), isUploadEnabled: true, credentials: .none)
        #expect {
            _ = try AsyncHTTPClientTransport(
                configuration: configuration,
                environment: [AsyncHTTPClientTransport.caFileVariable: builder.appending("build/app")])
        } throws: { error in
            "\(error)".contains("STASK_REMOTE_CACHE_CA_FILE") && "\(error)".contains("build/app")
        }
    }
}
