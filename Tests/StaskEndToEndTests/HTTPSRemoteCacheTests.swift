import Foundation
import Testing

extension EndToEndTests {
    /// `Fixtures/remote-cache/` against nginx over TLS, with a CA made for the test: the https:// client runs in
    /// the `stask-remote` helper (built beside `stask`).
    @Suite(.enabled(if: CacheServer.executable != nil, "nginx not found: install nginx-light (scripts/ensure-deps)"))
    struct HTTPSRemoteCacheTests {
        let server: CacheServer
        let first: FixtureProject
        let second: FixtureProject

        init() async throws {
            server = try await CacheServer.start(tls: true)
            first = try FixtureProject("remote-cache")
            second = try FixtureProject("remote-cache")
        }

        private var trusting: [String: String] { ["STASK_REMOTE_CACHE_CA_FILE": server.caFile] }

        @Test func aBuildStoresThroughHTTPSAndASecondCheckoutRestoresEverything() async throws {
            let filling = try await first.build(environment: trusting, "--remote-cache", server.url)
            #expect(filling.status == 0, "\(filling)")
            #expect(first.ran == RemoteCacheTests.everything)
            #expect(filling.warnings.isEmpty, "\(filling)")
            #expect(try !server.blobs().isEmpty)

            var environment = trusting
            environment["STASK_REMOTE_CACHE"] = server.url
            let result = try await second.build(environment: environment)
            #expect(result.status == 0, "\(result)")
            #expect(second.ran == [], "the second checkout must run no command")
            #expect(result.standardOutput.contains("stask: 4 from remote cache"), "\(result)")
            #expect(result.warnings.isEmpty, "\(result)")
            for output in RemoteCacheTests.outputs {
                #expect(try Data(contentsOf: second.url(output)) == Data(contentsOf: first.url(output)), "\(output)")
            }
            #expect(FileManager.default.isExecutableFile(atPath: second.url("build/app").path))
        }

        @Test func anUntrustedCertificateIsOneWarningAndTheBuildRunsLocally() async throws {
            let result = try await first.build("--remote-cache", server.url)
            #expect(result.status == 0, "\(result)")
            #expect(first.ran == RemoteCacheTests.everything)
            let found = result.warnings
            #expect(found.count == 1, "\(result)")
            #expect(found.first?.contains("TLS handshake failed") == true, "\(result)")
            #expect(found.first?.contains("STASK_REMOTE_CACHE_CA_FILE") == true, "\(result)")
            #expect(((try? server.blobs()) ?? []).isEmpty)
        }

        @Test func anUnreachableServerIsOneWarning() async throws {
            await server.stop()
            let result = try await first.build(environment: trusting, "--remote-cache", server.url)
            #expect(result.status == 0, "\(result)")
            #expect(first.ran == RemoteCacheTests.everything)
            let found = result.warnings
            #expect(found.count == 1, "\(result)")
            #expect(found.first?.contains("continuing without the remote cache") == true, "\(result)")
        }
    }
}
