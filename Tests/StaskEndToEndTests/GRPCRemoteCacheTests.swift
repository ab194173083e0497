import Foundation
import StaskTestSupport
import Testing

extension EndToEndTests {
    /// `Fixtures/remote-cache/`: two copies of one project, in different directories, share BuildGrid's action
    /// cache and CAS through `--remote-cache grpc://…`.
    @Suite struct GRPCRemoteCacheTests {
        let first: FixtureProject
        let second: FixtureProject

        init() throws {
            first = try FixtureProject("remote-cache")
            second = try FixtureProject("remote-cache")
            // The server outlives this test: an environment of this run's own keeps its entries apart.
            let run = UUID().uuidString
            for project in [first, second] {
                let taskfile = try #require(project.read("Taskfile"))
                try project.write(
                    "Taskfile", taskfile.replacing("version: 1\n", with: "version: 1\nenv: {TEST_RUN: \"\(run)\"}\n"))
            }
        }

        @Test(BuildGridServer.enabled)
        func aSecondCheckoutRunsNothingAndGetsIdenticalOutputs() async throws {
            let url = try await BuildGridServer.endpoint()
            let filled = try await first.build("--remote-cache", url)
            #expect(filled.status == 0, "\(filled)")
            #expect(first.ran == RemoteCacheTests.everything)
            #expect(filled.standardOutput.contains("stask: 0 from remote cache"), "\(filled)")

            let result = try await second.build("--remote-cache", url)
            #expect(result.status == 0, "\(result)")
            #expect(second.ran == [], "the second checkout must run no command: \(result)")
            #expect(result.standardOutput.contains("stask: 4 from remote cache"), "\(result)")
            #expect(!(result.standardOutput + result.standardError).contains("warning:"), "\(result)")
            for output in RemoteCacheTests.outputs {
                let original = try Data(contentsOf: first.url(output))
                #expect(try Data(contentsOf: second.url(output)) == original, "\(output)")
            }
            #expect(FileManager.default.isExecutableFile(atPath: second.url("build/app").path))
        }

        @Test func aServerThatIsDownCostsOneWarningAndTheBuildRunsLocally() async throws {
            // A port nothing listens on: the connection is refused at once.
            let result = try await first.build("--remote-cache", "grpc://127.0.0.1:1")
            #expect(result.status == 0, "\(result)")
            #expect(first.ran == RemoteCacheTests.everything)
            let warnings = (result.standardOutput + result.standardError).split(separator: "\n").filter {
                $0.contains("warning:")
            }
            #expect(warnings.count == 1, "\(result)")
            #expect(warnings.first?.contains("grpc://127.0.0.1:1") == true, "\(result)")
        }

        @Test func aMissingHelperCostsOneWarningAndTheBuildRunsLocally() async throws {
            let result = try await first.build(
                environment: ["STASK_REMOTE_HELPER": "/nonexistent/stask-remote"], "--remote-cache",
                "grpc://127.0.0.1:1")
            #expect(result.status == 0, "\(result)")
            #expect(first.ran == RemoteCacheTests.everything)
            let warnings = (result.standardOutput + result.standardError).split(separator: "\n").filter {
                $0.contains("warning:")
            }
            #expect(warnings.count == 1, "\(result)")
            #expect(warnings.first?.contains("/nonexistent/stask-remote") == true, "\(result)")
        }

        @Test func theHelperIsReapedBeforeStaskExits() async throws {
            // The real helper, started through a script that records its process id (exec keeps it).
            let helper = StaskInvocation.binary.deletingLastPathComponent().appendingPathComponent("stask-remote")
            try first.write(
                "helper.sh", "#!/bin/sh\necho $$ > \"$PIDFILE\"\nexec '\(helper.path)' \"$@\"\n")
            let script = first.url("helper.sh").path
            #expect(chmod(script, 0o755) == 0)
            let pidFile = first.url("helper.pid").path
            let result = try await first.build(
                environment: ["STASK_REMOTE_HELPER": script, "PIDFILE": pidFile], "--remote-cache",
                "grpc://127.0.0.1:1")
            #expect(result.status == 0, "\(result)")
            let text = try String(contentsOfFile: pidFile, encoding: .utf8)
            let pid = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
            // Neither running nor a zombie: stask reaped it before exiting.
            #expect(kill(pid, 0) == -1 && errno == ESRCH, "helper \(pid) outlived stask")
        }
    }
}
