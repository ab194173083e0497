import Foundation
import Testing

extension EndToEndTests {
    /// `Fixtures/remote-cache/`: two copies of one project, in different directories, share an nginx cache.
    @Suite(.enabled(if: CacheServer.executable != nil, "nginx not found: install nginx-light (scripts/ensure-deps)"))
    struct RemoteCacheTests {
        static let everything = ["compile-a", "compile-b", "docs", "link"]
        static let outputs = ["build/a.o", "build/b.o", "build/app", "build/guide.html", "build/docs.stamp"]

        let server: CacheServer
        let first: FixtureProject
        let second: FixtureProject

        init() async throws {
            server = try await CacheServer.start()
            first = try FixtureProject("remote-cache")
            second = try FixtureProject("remote-cache")
        }

        /// Builds the first copy, filling the cache.
        private func fillCache() async throws {
            let result = try await first.build("--remote-cache", server.url)
            #expect(result.status == 0, "\(result)")
            #expect(first.ran == Self.everything)
            #expect(result.standardOutput.contains("stask: 0 from remote cache"), "\(result)")
        }

        @Test func aSecondCheckoutRunsNothingAndGetsIdenticalOutputs() async throws {
            try await fillCache()
            let result = try await second.build(environment: ["STASK_REMOTE_CACHE": server.url])
            #expect(result.status == 0, "\(result)")
            #expect(second.ran == [], "the second checkout must run no command")
            #expect(result.standardOutput.contains("stask: 4 from remote cache"), "\(result)")
            #expect(result.standardOutput.contains("] link (from remote cache"), "\(result)")
            #expect(result.warnings.isEmpty, "\(result)")
            for output in Self.outputs {
                let original = try Data(contentsOf: first.url(output))
                #expect(try Data(contentsOf: second.url(output)) == original, "\(output)")
            }
            #expect(FileManager.default.isExecutableFile(atPath: second.url("build/app").path))

            // Recorded as built: the next build is a no-op, without the cache.
            let again = try await second.build("--remote-cache", server.url)
            #expect(second.ran == [])
            #expect(again.standardOutput.contains("built 0, up to date 4"), "\(again)")
            #expect(!again.standardOutput.contains("remote cache"), "\(again)")
        }

        @Test func theTaskfileCanNameTheCache() async throws {
            try await fillCache()
            let taskfile = try #require(second.read("Taskfile"))
            try second.write(
                "Taskfile", taskfile.replacing("version: 1\n", with: "version: 1\nremote_cache: \(server.url)\n"))
            let result = try await second.build()
            #expect(result.status == 0, "\(result)")
            #expect(second.ran == [])
            // The command line turns it off for one build.
            try second.remove("build")
            let off = try await second.build("--remote-cache", "off")
            #expect(second.ran == Self.everything, "\(off)")
        }

        @Test func aCorruptBlobIsRebuiltLocallyWithOneWarning() async throws {
            try await fillCache()
            for blob in try server.blobs() {
                let size = try Data(contentsOf: blob).count
                try Data(repeating: 0x21, count: size).write(to: blob)
            }
            let result = try await second.build("--remote-cache", server.url)
            #expect(result.status == 0, "\(result)")
            #expect(second.ran == Self.everything)
            let found = result.warnings
            #expect(found.count == 1, "\(result)")
            #expect(found.first?.contains("does not match its SHA-256") == true, "\(result)")
            for output in Self.outputs {
                #expect(try Data(contentsOf: second.url(output)) == Data(contentsOf: first.url(output)), "\(output)")
            }
        }

        @Test func aStoppedServerOnlySlowsTheBuild() async throws {
            try await fillCache()
            await server.stop()
            let result = try await second.build("--remote-cache", server.url)
            #expect(result.status == 0, "\(result)")
            #expect(second.ran == Self.everything)
            let found = result.warnings
            #expect(found.count == 1, "\(result)")
            #expect(found.first?.contains("continuing without the remote cache") == true, "\(result)")
        }

        @Test func readOnlyClientsUploadNothing() async throws {
            let result = try await first.build("--remote-cache", server.url, "--remote-cache-upload=false")
            #expect(result.status == 0, "\(result)")
            #expect(result.standardOutput.contains("0.0 MB up"), "\(result)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory.path).isEmpty)
        }

        @Test func aBadURLIsAUsageError() async throws {
            let result = try await first.build("--remote-cache", "grpcs://cache.example:443")
            #expect(result.status == 2, "\(result)")
            #expect(
                result.standardError.contains(
                    "--remote-cache: remote cache URL 'grpcs://cache.example:443': grpcs is not supported"),
                "\(result)")
            #expect(first.ran == [])
        }
    }
}
