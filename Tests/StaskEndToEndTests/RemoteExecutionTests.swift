import Foundation
import StaskTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension EndToEndTests {
    /// Builds on a Remote Execution API cluster: BuildGrid on loopback with `stask worker`s. Each scenario uses
    /// an instance of the server of its own (`e2e-N` in `scripts/buildgrid/buildgrid.yml`), so the workers it
    /// starts take only its actions, and an environment of its own, so the action cache holds nothing of an
    /// earlier run.
    @Suite struct RemoteExecutionTests {
        /// A line of `stask build`'s summary.
        static func summary(executed: Int, cached: Int, local: Int) -> String {
            "stask: remote execution: \(executed) run remotely, \(cached) from the action cache, \(local) run locally"
        }

        static func warnings(_ result: StaskResult) -> [Substring] {
            (result.standardOutput + result.standardError).split(separator: "\n").filter { $0.contains("warning:") }
        }

        /// `project`'s Taskfile with an environment entry of this run's own.
        static func salt(_ project: FixtureProject) throws {
            let taskfile = try #require(project.read("Taskfile"))
            try project.write(
                "Taskfile",
                taskfile.replacing("version: 1\n", with: "version: 1\nenv: {TEST_RUN: \"\(UUID().uuidString)\"}\n"))
        }

        @Test(BuildGridServer.enabled)
        func aClusterBuildsEverythingAndASecondCheckoutExecutesNothing() async throws {
            let url = try await BuildGridServer.endpoint() + "/e2e-1"
            let workers = try RemoteWorkers.start(2, endpoint: url)
            let first = try FixtureProject("remote-cache")
            try Self.salt(first)
            let second = try FixtureProject(copyOf: first)
            let local = try FixtureProject(copyOf: first)

            let built = try await first.build("--remote-executor", url)
            #expect(built.status == 0, "\(built)\n\(workers.logs)")
            #expect(built.standardOutput.contains(Self.summary(executed: 4, cached: 0, local: 0)), "\(built)")
            // The commands append to log.txt, which is no output: on the workers, never here.
            #expect(first.ran == [], "nothing may run here: \(built)")
            #expect(Self.warnings(built).isEmpty, "\(built)")

            let reference = try await local.build()
            #expect(reference.status == 0, "\(reference)")
            #expect(local.ran == RemoteCacheTests.everything)
            for output in RemoteCacheTests.outputs {
                #expect(
                    try Data(contentsOf: first.url(output)) == Data(contentsOf: local.url(output)),
                    "\(output) differs from a local build")
            }
            #expect(FileManager.default.isExecutableFile(atPath: first.url("build/app").path))

            let again = try await second.build("--remote-executor", url)
            #expect(again.status == 0, "\(again)")
            #expect(again.standardOutput.contains(Self.summary(executed: 0, cached: 4, local: 0)), "\(again)")
            for output in RemoteCacheTests.outputs {
                #expect(try Data(contentsOf: second.url(output)) == Data(contentsOf: local.url(output)), "\(output)")
            }
            let noop = try await second.build("--remote-executor", url)
            #expect(noop.status == 0 && !noop.standardOutput.contains("remote execution:"), "\(noop)")
            await workers.stop()
        }

        /// The example project (`Taskfile.example`: depfiles, a link, tests) on the cluster: everything runs there,
        /// the tests pass, a header edit reruns only the files that include it, and the program is the one a
        /// local build makes.
        @Test(BuildGridServer.enabled)
        func theExampleProjectBuildsAndTestsOnTheCluster() async throws {
            let url = try await BuildGridServer.endpoint() + "/e2e-2"
            let workers = try RemoteWorkers.start(2, endpoint: url)
            let remote = try FixtureProject(copyingFromPackage: ["Taskfile.example", "example"])
            let taskfile = try #require(remote.read("Taskfile.example"))
            try remote.write(
                "Taskfile.example",
                taskfile.replacing("\nenv:\n", with: "\nenv:\n  TEST_RUN: \"\(UUID().uuidString)\"\n"))
            try? remote.remove("example/build")
            let local = try FixtureProject(copyOf: remote)

            let built = try await remote.build("-f", "Taskfile.example", "--remote-executor", url)
            #expect(built.status == 0, "\(built)\n\(workers.logs)")
            #expect(built.standardOutput.contains(Self.summary(executed: 6, cached: 0, local: 0)), "\(built)")
            #expect(built.standardOutput.contains("arith: 3 checks passed"), "\(built)")
            let reference = try await local.build("-f", "Taskfile.example")
            #expect(reference.status == 0, "\(reference)")
            #expect(
                try Data(contentsOf: remote.url("example/build/calc"))
                    == Data(contentsOf: local.url("example/build/calc")))

            try remote.write(
                "example/include/greet.h", (remote.read("example/include/greet.h") ?? "") + "/* edited */\n")
            let edited = try await remote.build("-f", "Taskfile.example", "--remote-executor", url)
            #expect(edited.status == 0, "\(edited)")
            let ran = edited.standardOutput.split(separator: "\n").filter {
                $0.hasPrefix("[") && !$0.contains("(up to date)")
            }
            #expect(ran.count == 2, "greet.c and main.c include greet.h; nothing else may run: \(edited)")
            #expect(ran.allSatisfy { $0.contains("compile[") }, "\(edited)")
            await workers.stop()
        }

        /// Brotli's 36 C files (`Fixtures/real-c-project`, the sources from PyPI) compiled on the cluster: every
        /// object and the library are byte for byte a local build's, and a second clean checkout gets every
        /// action from the action cache.
        @Test(BuildGridServer.enabled)
        func aRealCProjectBuildsOnTheClusterAsItDoesHere() async throws {
            let url = try await BuildGridServer.endpoint() + "/e2e-1"
            let archive = try await BrotliSource.sdist.archive(timeout: .seconds(45))
            let remote = try FixtureProject("real-c-project")
            let extracted = try await runTool(
                [
                    "tar", "-xzf", archive.path, "-C", remote.root.path, "--strip-components=1",
                    "\(BrotliSource.topDirectory)/c",
                ],
                in: remote.root)
            try #require(extracted.status == 0, "\(extracted)")
            try Self.salt(remote)
            let taskfile = try #require(remote.read("Taskfile"))
            try remote.write(
                "Taskfile",
                taskfile.replacing(
                    "    depfile: \"build/{{dir}}/{{stem}}.d\"\n",
                    with: "    depfile: \"build/{{dir}}/{{stem}}.d\"\n    remote_inputs: [\"c/**/*.h\"]\n"))
            let local = try FixtureProject(copyOf: remote)
            let second = try FixtureProject(copyOf: remote)
            let workers = try RemoteWorkers.start(2, endpoint: url)

            let built = try await remote.build("--remote-executor", url)
            #expect(built.status == 0, "\(built)\n\(workers.logs)")
            #expect(built.standardOutput.contains(Self.summary(executed: 37, cached: 0, local: 0)), "\(built)")
            let reference = try await local.build()
            #expect(reference.status == 0, "\(reference)")
            let objects = try FileManager.default.subpathsOfDirectory(atPath: local.url("build").path).filter {
                $0.hasSuffix(".o") || $0.hasSuffix(".a") || $0.hasSuffix(".d")
            }
            #expect(objects.count >= 36 * 2 + 1)
            for path in objects {
                #expect(
                    try Data(contentsOf: remote.url("build/" + path)) == Data(contentsOf: local.url("build/" + path)),
                    "build/\(path) differs from a local build")
            }

            let again = try await second.build("--remote-executor", url)
            #expect(again.status == 0, "\(again)")
            #expect(again.standardOutput.contains(Self.summary(executed: 0, cached: 37, local: 0)), "\(again)")
            await workers.stop()
        }

        /// A task's failure on the cluster is the task's failure here: its exit status and its output.
        @Test(BuildGridServer.enabled)
        func aFailingRemoteCommandFailsTheBuildWithItsOutput() async throws {
            let url = try await BuildGridServer.endpoint() + "/e2e-2"
            let workers = try RemoteWorkers.start(1, endpoint: url)
            let project = try FixtureProject(files: [
                "Taskfile": """
                version: 1
                env: {TEST_RUN: "\(UUID().uuidString)"}
                tasks:
                  broken:
                    outputs: [out/x]
                    run: echo "compiler says no" >&2; exit 3
                """
            ])
            let result = try await project.build("--remote-executor", url)
            #expect(result.status == 1, "\(result)")
            #expect(result.standardOutput.contains("compiler says no"), "\(result)")
            #expect(result.standardOutput.contains("exit status 3"), "\(result)")
            await workers.stop()
        }

        /// `timeout:` and `retry:` behave on the cluster as here: the worker kills a command at its task's
        /// timeout and the attempt fails `timed out`; a command that fails once passes on its second attempt
        /// and is reported flaky.
        @Test(BuildGridServer.enabled)
        func timeoutsAndRetriesBehaveAsHere() async throws {
            let url = try await BuildGridServer.endpoint() + "/e2e-2"
            let workers = try RemoteWorkers.start(1, endpoint: url)
            let marker = FileManager.default.temporaryDirectory.appendingPathComponent(
                "stask-flaky-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: marker) }
            let project = try FixtureProject(files: [
                "Taskfile": """
                version: 1
                env: {TEST_RUN: "\(UUID().uuidString)"}
                tasks:
                  hangs:
                    outputs: [out/never]
                    timeout: 1s
                    run: sleep 30 && touch out/never
                  flaky:
                    outputs: [out/flaky]
                    retry: {attempts: 2, backoff: 10ms}
                    run: if [ -e '\(marker.path)' ]; then echo ok > out/flaky; else touch '\(marker.path)'; exit 1; fi
                """
            ])
            let started = ContinuousClock.now
            let result = try await project.build("--remote-executor", url, "-k")
            #expect(ContinuousClock.now - started < .seconds(25), "the worker must stop the command at 1 s")
            #expect(result.status == 1, "\(result)")
            #expect(result.standardOutput.contains("FAILED: hangs"), "\(result)")
            #expect(result.standardOutput.contains("timed out"), "\(result)")
            #expect(project.read("out/flaky") == "ok\n", "\(result)")
            #expect(result.standardOutput.contains("flaky 1"), "\(result)")
            await workers.stop()
        }

        /// One of two workers SIGKILLed while it runs an action: the server hands the action to the other one
        /// when the dead worker's session expires, and the build completes.
        @Test(BuildGridServer.enabled)
        func aWorkerKilledMidBuildStillCompletesTheBuild() async throws {
            let url = try await BuildGridServer.endpoint() + "/e2e-3"
            let workers = try RemoteWorkers.start(2, endpoint: url)
            let (w0, w1) = (workers.workDirectories[0].path, workers.workDirectories[1].path)
            let (p0, p1) = (workers.workers[0].pid, workers.workers[1].pid)
            let project = try FixtureProject(files: [
                "Taskfile": """
                version: 1
                env: {TEST_RUN: "\(UUID().uuidString)"}
                tasks:
                  slow:
                    outputs: [out/slow]
                    run: sleep 2 && echo done > out/slow
                  killer:
                    remote: false
                    outputs: [out/killed]
                    run: >-
                      while :; do
                      if [ -n "$(ls -A '\(w0)')" ]; then kill -9 \(p0); echo 0 > out/killed; exit 0; fi;
                      if [ -n "$(ls -A '\(w1)')" ]; then kill -9 \(p1); echo 1 > out/killed; exit 0; fi;
                      sleep 0.05; done
                """
            ])
            let result = try await project.build("--remote-executor", url)
            #expect(result.status == 0, "\(result)\n\(workers.logs)")
            #expect(project.read("out/slow") == "done\n")
            #expect(result.standardOutput.contains(Self.summary(executed: 1, cached: 0, local: 0)), "\(result)")
            await workers.stop()
        }

        /// The server gone mid-build (its proxy killed while an action runs): one warning, and the build
        /// finishes here.
        @Test(BuildGridServer.enabled)
        func aServerThatStopsMidBuildFinishesLocallyWithOneWarning() async throws {
            let server = try await BuildGridServer.endpoint()
            let proxy = try await TCPProxy.start(to: server)
            let url = proxy.endpoint + "/e2e-4"
            let workers = try RemoteWorkers.start(1, endpoint: server + "/e2e-4")
            let w0 = workers.workDirectories[0].path
            let project = try FixtureProject(files: [
                "Taskfile": """
                version: 1
                env: {TEST_RUN: "\(UUID().uuidString)"}
                tasks:
                  slow:
                    foreach: in/*
                    inputs: ["{{item}}"]
                    outputs: ["out/{{stem}}"]
                    run: sleep 1 && cp {{item}} {{output}}
                  stopper:
                    remote: false
                    outputs: [out/stopped]
                    run: >-
                      while [ -z "$(ls -A '\(w0)')" ]; do sleep 0.05; done;
                      kill -9 \(proxy.child.pid); touch out/stopped
                """,
                "in/a": "a\n", "in/b": "b\n", "in/c": "c\n",
            ])
            let result = try await project.build("--remote-executor", url, "--remote-jobs", "1")
            #expect(result.status == 0, "\(result)\n\(workers.logs)")
            for item in ["a", "b", "c"] { #expect(project.read("out/\(item)") == "\(item)\n") }
            let warnings = Self.warnings(result)
            #expect(warnings.count == 1, "\(result)")
            #expect(warnings.first?.contains("running the tasks left here") == true, "\(result)")
            await proxy.child.stop(SIGKILL)
            await workers.stop()
        }

        /// Ctrl-C while an action runs on the cluster: the operation is cancelled, so the worker kills the
        /// command and clears its directory long before the command would have ended.
        @Test(BuildGridServer.enabled)
        func anInterruptLeavesNoOperationRunning() async throws {
            let url = try await BuildGridServer.endpoint() + "/e2e-5"
            let workers = try RemoteWorkers.start(1, endpoint: url)
            let w0 = workers.workDirectories[0].path
            let project = try FixtureProject(files: [
                "Taskfile": """
                version: 1
                env: {TEST_RUN: "\(UUID().uuidString)"}
                tasks:
                  long:
                    outputs: [out/long]
                    run: sleep 60 && touch out/long
                  interrupt:
                    remote: false
                    outputs: [out/i]
                    run: while [ -z "$(ls -A '\(w0)')" ]; do sleep 0.05; done; kill -INT $PPID; sleep 5
                """
            ])
            let result = try await project.build("--remote-executor", url)
            #expect(result.status == 130, "\(result)")
            let deadline = ContinuousClock.now + .seconds(20)
            var empty = false
            while ContinuousClock.now < deadline {
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: w0)) ?? []
                if entries.isEmpty {
                    empty = true
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(empty, "the worker still runs the interrupted action:\n\(workers.logs)")
            await workers.stop()
        }
    }
}
