import Foundation
import Testing

extension EndToEndTests {
    /// `Fixtures/symlink-safety/`: stask writes and removes only inside the project, whatever symbolic links
    /// the project holds or its commands create in the middle of a build.
    @Suite struct SymlinkSafetyTests {
        /// A directory outside the project, holding a file that must survive every build and clean.
        private static func outside() throws -> URL {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("stask-outside-\(UUID())")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try Data("precious\n".utf8).write(to: url.appendingPathComponent("precious"))
            return url
        }

        private static func link(_ project: FixtureProject, _ path: String, to destination: URL) throws {
            try FileManager.default.createSymbolicLink(
                atPath: project.url(path).path, withDestinationPath: destination.path)
        }

        private static func entries(_ directory: URL) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        }

        @Test func anOutputThroughALinkOutOfTheProjectIsALoadErrorForBuildAndClean() async throws {
            let outside = try Self.outside()
            defer { try? FileManager.default.removeItem(at: outside) }
            let project = try FixtureProject("symlink-safety/output-link")
            try Self.link(project, "outlink", to: outside)

            let build = try await project.build(environment: ["OUTSIDE": outside.path])
            #expect(build.status == 2, "\(build)")
            #expect(
                build.standardError.contains(
                    "Taskfile:7:15: error: output 'outlink/evil' of 'evil' lies outside the project directory through the "
                        + "symbolic link 'outlink' (-> \(outside.path))"), "\(build)")
            #expect(!project.exists("log.txt"), "nothing may run")

            // Built while `outlink` was a real directory, cleaned after it became a link out: nothing outside
            // is removed.
            try FileManager.default.removeItem(at: project.url("outlink"))
            try FileManager.default.createDirectory(at: project.url("outlink"), withIntermediateDirectories: true)
            let real = try await project.build(environment: ["OUTSIDE": outside.path])
            #expect(real.status == 0, "\(real)")
            try FileManager.default.removeItem(at: project.url("outlink"))
            try Self.link(project, "outlink", to: outside)
            try Data("mine\n".utf8).write(to: outside.appendingPathComponent("evil"))
            let clean = try await project.stask(["clean"])
            #expect(clean.status == 2, "\(clean)")
            #expect(clean.standardError.contains("through the symbolic link 'outlink'"), "\(clean)")
            #expect(try Self.entries(outside) == ["evil", "precious"])

            // The Taskfile no longer declares it, but the state still records it: the removal itself refuses.
            let taskfile = try #require(project.read("Taskfile"))
            try project.write("Taskfile", taskfile.replacing("\"outlink/evil\"", with: "\"inside/evil\""))
            let recorded = try await project.stask(["clean"])
            #expect(recorded.status != 0, "\(recorded)")
            #expect(recorded.standardError.contains("through the symbolic link"), "\(recorded)")
            #expect(try Self.entries(outside) == ["evil", "precious"])
        }

        @Test func cleanRemovesAnOutputThatIsALinkAndNotWhatItPointsTo() async throws {
            let outside = try Self.outside()
            defer { try? FileManager.default.removeItem(at: outside) }
            let project = try FixtureProject("symlink-safety/output-link")
            try FileManager.default.createDirectory(at: project.url("outlink"), withIntermediateDirectories: true)
            let build = try await project.build(environment: ["OUTSIDE": outside.path])
            #expect(build.status == 0, "\(build)")
            #expect(project.ran == ["evil", "made-link"])
            let clean = try await project.stask(["clean"])
            #expect(clean.status == 0, "\(clean)")
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: project.url("made-link").path)) == nil)
            #expect(!project.exists("outlink/evil"))
            #expect(try Self.entries(outside) == ["precious"])
            #expect(try String(contentsOf: outside.appendingPathComponent("precious"), encoding: .utf8) == "precious\n")
        }

        @Test func aStateDirectoryLinkingOutGetsNothingWritten() async throws {
            let outside = try Self.outside()
            defer { try? FileManager.default.removeItem(at: outside) }
            let project = try FixtureProject("symlink-safety/depfile-link")
            try Self.link(project, ".stask", to: outside)
            let build = try await project.build()
            #expect(build.status == 1, "\(build)")
            #expect(
                build.standardError.contains(
                    "refusing to write build state through the symbolic link '\(project.url(".stask").path)'"),
                "\(build)")
            #expect(!project.exists("log.txt"))
            let clean = try await project.stask(["clean"])
            #expect(clean.status != 0, "\(clean)")
            #expect(try Self.entries(outside) == ["precious"], "no lock, state or stamp written outside")
        }

        @Test func aDepfileThroughALinkOutOfTheProjectIsALoadError() async throws {
            let outside = try Self.outside()
            defer { try? FileManager.default.removeItem(at: outside) }
            let project = try FixtureProject("symlink-safety/depfile-link")
            try Self.link(project, "deplink", to: outside)
            let build = try await project.build()
            #expect(build.status == 2, "\(build)")
            #expect(
                build.standardError.contains(
                    "Taskfile:7:14: error: depfile 'deplink/a.d' of 'compile' lies outside the project directory through the "
                        + "symbolic link 'deplink'"), "\(build)")
            #expect(!project.exists("log.txt"))
            #expect(try Self.entries(outside) == ["precious"])
        }

        @Test func aLinkSwappedInDuringTheBuildDoesNotRedirectStask() async throws {
            let outside = try Self.outside()
            defer { try? FileManager.default.removeItem(at: outside) }
            try Data("theirs\n".utf8).write(to: outside.appendingPathComponent("victim.d"))
            let project = try FixtureProject("symlink-safety/swapped-link")
            // A real directory at load time, with a stale depfile that stask removes before the run.
            try FileManager.default.createDirectory(at: project.url("gen"), withIntermediateDirectories: true)
            try Data("old\n".utf8).write(to: project.url("gen/victim.d"))

            let build = try await project.build(environment: ["OUTSIDE": outside.path], "-k")
            #expect(build.status == 1, "\(build)")
            #expect(project.ran == ["swap"], "neither dependent may run: \(build)")
            let output = build.standardOutput + build.standardError
            #expect(output.contains("'\(project.url("gen/sub").path)' lies outside"), "\(build)")
            #expect(output.contains("cannot remove '\(project.url("gen/victim.d").path)'"), "\(build)")
            #expect(output.contains("through the symbolic link '\(project.url("gen").path)'"), "\(build)")
            #expect(try Self.entries(outside) == ["precious", "victim.d"], "no 'sub' created, no depfile removed")
            #expect(try String(contentsOf: outside.appendingPathComponent("victim.d"), encoding: .utf8) == "theirs\n")
        }

        @Test(.enabled(if: CacheServer.executable != nil, "nginx not found: install nginx-light (scripts/ensure-deps)"))
        func aCacheHitIsNotRestoredThroughALinkSwappedInDuringTheBuild() async throws {
            let outside = try Self.outside()
            defer { try? FileManager.default.removeItem(at: outside) }
            let server = try await CacheServer.start()
            let first = try FixtureProject("symlink-safety/cache-link")
            let filled = try await first.build(environment: ["OUTSIDE": outside.path], "--remote-cache", server.url)
            #expect(filled.status == 0, "\(filled)")
            #expect(first.read("gen/out.txt") == "cached\n")

            let second = try FixtureProject("symlink-safety/cache-link")
            try second.write("swap-me", "")
            let result = try await second.build(environment: ["OUTSIDE": outside.path], "--remote-cache", server.url)
            #expect(result.status == 1, "the local run is refused too: \(result)")
            let output = result.standardOutput + result.standardError
            #expect(
                output.contains(
                    "refusing to restore 'gen/out.txt' of 'restored': its directory leads out of the project through "
                        + "the symbolic link '\(second.url("gen").path)'"), "\(result)")
            #expect(output.contains("cannot create directory '\(second.url("gen").path)'"), "\(result)")
            #expect(second.ran == ["swap"], "\(result)")
            #expect(try Self.entries(outside) == ["precious"], "nothing restored outside")
            await server.stop()
        }
    }
}
