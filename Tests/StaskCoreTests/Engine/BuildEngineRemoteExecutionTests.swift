import StaskCore
import Synchronization
import Testing

/// The engine's use of a remote execution cluster, with a scripted executor that runs each action against the
/// same in-memory file system, as a worker would.
@Suite(.timeLimit(.minutes(1)))
struct BuildEngineRemoteExecutionTests {
    static let url = "grpc://cluster.test:8980/main"

    let fileSystem: InMemoryFileSystem
    let launcher: ScriptedLauncher
    let executor: ScriptedRemoteExecutor
    /// What the scripted cluster runs commands with.
    let remoteLauncher: ScriptedLauncher
    let configurations: ConfigurationLog
    let engine: BuildEngine

    final class ConfigurationLog: Sendable {
        let values = Mutex<[RemoteExecutionConfiguration]>([])
        var all: [RemoteExecutionConfiguration] { values.withLock { $0 } }
    }

    init(
        taskfile: String = BuildEngineTests.chain, mode: ScriptedRemoteExecutor.Mode = .available, cpuCount: Int = 2
    ) {
        fileSystem = InMemoryFileSystem(files: [
            "/p/Taskfile": taskfile, "/p/src/a.c": "# a\nint a;\n", "/p/src/b.c": "# b\nint b;\n",
            "/p/guide.md": "guide\n",
        ])
        launcher = ScriptedLauncher(fileSystem: fileSystem)
        let remoteLauncher = ScriptedLauncher(fileSystem: fileSystem)
        self.remoteLauncher = remoteLauncher
        let executor = ScriptedRemoteExecutor(launcher: remoteLauncher, mode: mode)
        self.executor = executor
        let configurations = ConfigurationLog()
        self.configurations = configurations
        var engine = BuildEngine(
            fileSystem: fileSystem, launcher: launcher, environment: ["PATH": "/opt/bin:/usr/bin", "HOME": "/root"],
            cpuCount: cpuCount, acquireLock: { _, _, _ in {} })
        engine.makeRemoteExecutor = { configuration, _ in
            configurations.values.withLock { $0.append(configuration) }
            return executor
        }
        self.engine = engine
    }

    private func build(
        _ configure: (inout BuildOptions) -> Void = { _ in }
    ) async throws -> (BuildSummary, RecordingReporter) {
        var options = BuildOptions(directory: "/p")
        options.remoteExecutor = try RemoteExecutorSelection(parsing: Self.url)
        configure(&options)
        launcher.clearCommands()
        let reporter = RecordingReporter()
        return (try await engine.run(options, reporter: reporter), reporter)
    }

    @Test func eligibleTasksRunOnTheClusterAndTheNextBuildIsUpToDate() async throws {
        let (summary, _) = try await build()
        #expect(summary.isSuccess && summary.built == 4)
        #expect(launcher.commands.isEmpty)
        #expect(Set(executor.requests.map(\.taskID)) == ["strip[src/a.c]", "strip[src/b.c]", "link", "docs"])
        #expect(summary.remoteExecution?.executed == 4)
        #expect(try fileSystem.readFile(atPath: "/p/build/app") == Array("int a;\nint b;\n".utf8))
        #expect(configurations.all.first?.instanceName == "main")
        #expect(configurations.all.first?.jobs == RemoteExecutionConfiguration.defaultJobs)
        #expect(executor.finishCalls == 1)

        let (again, _) = try await build()
        #expect(again.upToDate == 4 && again.built == 0)
        #expect(executor.requests.count == 4)
    }

    @Test func anActionHoldsItsDeclaredAndDependencyInputsOutputsAndOnlyPathAndTaskVariables() async throws {
        let suite = BuildEngineRemoteExecutionTests(
            taskfile: """
                version: 1
                env: {MODE: release}
                tasks:
                  gen:
                    outputs: [gen/h]
                    run: write gen/h hi
                  use:
                    deps: [gen]
                    inputs: [src/a.c, /etc/hostname]
                    remote_inputs: ["include/*.h", guide.md, "none/*.h"]
                    outputs: [out/x]
                    env: {LEVEL: "2"}
                    dir: sub
                    timeout: 30s
                    run:
                      - write ../out/x a
                      - say done
                """)
        try suite.fileSystem.createDirectory(atPath: "/p/sub")
        try suite.fileSystem.createDirectory(atPath: "/p/include")
        for header in ["a.h", "b.h"] {
            try suite.fileSystem.writeFile(atPath: "/p/include/" + header, contents: Array("// h\n".utf8))
        }
        try suite.fileSystem.createDirectory(atPath: "/etc")
        try suite.fileSystem.writeFile(atPath: "/etc/hostname", contents: Array("box\n".utf8))
        _ = try await suite.build()
        let use = try #require(suite.executor.requests.first { $0.taskID == "use" })
        #expect(use.arguments == ["/bin/sh", "-c", "cd sub && (write ../out/x a) && (say done)"])
        #expect(use.environment == ["PATH": "/opt/bin:/usr/bin", "MODE": "release", "LEVEL": "2"])
        #expect(Set(use.inputs) == ["src/a.c", "gen/h", "include/a.h", "include/b.h", "guide.md"])
        #expect(use.outputs == ["out/x"])
        #expect(use.timeout == .seconds(30))
        #expect(use.projectDirectory == "/p")
        #expect(!use.skipsCache)
    }

    @Test func tasksMarkedRemoteFalseAndJobserverTasksRunHere() async throws {
        let suite = BuildEngineRemoteExecutionTests(
            taskfile: """
                version: 1
                tasks:
                  here:
                    remote: false
                    outputs: [out/here]
                    run: write out/here local
                  nested:
                    jobserver: true
                    outputs: [out/nested]
                    run: write out/nested make
                  there:
                    outputs: [out/there]
                    run: write out/there remote
                """)
        let (summary, _) = try await suite.build()
        #expect(summary.isSuccess)
        #expect(Set(suite.launcher.commands) == ["write out/here local", "write out/nested make"])
        #expect(suite.executor.requests.map(\.taskID) == ["there"])
    }

    @Test func aFailingRemoteCommandFailsTheTaskWithItsExitStatusAndOutput() async throws {
        let suite = BuildEngineRemoteExecutionTests(
            taskfile: """
                version: 1
                tasks:
                  bad:
                    outputs: [out/bad]
                    run: fail 3
                """)
        let (summary, reporter) = try await suite.build()
        #expect(summary.failed == ["bad"])
        let failure = reporter.events.compactMap { event -> (TaskFailure, [UInt8])? in
            if case .finished("bad", .failed(let failure), _, let output) = event { return (failure, output) }
            return nil
        }.first
        #expect(failure?.0.termination == .exited(3))
        #expect(failure?.1 == Array("failing\n".utf8))
        #expect(suite.launcher.commands.isEmpty)
    }

    @Test func anUnreachableClusterRunsEverythingHereWithinTheCPUBudget() async throws {
        let suite = BuildEngineRemoteExecutionTests(mode: .unreachable, cpuCount: 1)
        let (summary, _) = try await suite.build()
        #expect(summary.isSuccess && summary.built == 4)
        #expect(suite.launcher.commands.count == 4)
        // Every task asks the executor, which, off after the first, answers at once and counts it as run here.
        #expect(suite.executor.requests.count == 4)
        #expect(summary.remoteExecution?.local == 4)
        #expect(try suite.fileSystem.readFile(atPath: "/p/build/app") == Array("int a;\nint b;\n".utf8))
    }

    @Test func anActionTheClusterCancelsRunsHereAndTheBuildEnds() async throws {
        let suite = BuildEngineRemoteExecutionTests(mode: .cancelsEverything)
        let (summary, _) = try await suite.build()
        #expect(summary.isSuccess && summary.built == 4)
        #expect(suite.launcher.commands.count == 4)
    }

    @Test func aFailedAttemptStillSendsTheHeadersItsLastSuccessListed() async throws {
        let suite = BuildEngineRemoteExecutionTests(
            taskfile: """
                version: 1
                tasks:
                  cc:
                    inputs: [src/a.c]
                    outputs: [out/a.o]
                    depfile: out/a.d
                    run:
                      - "write out/a.d out/a.o: src/a.c src/a.h"
                      - strip src/a.c out/a.o
                """)
        try suite.fileSystem.writeFile(atPath: "/p/src/a.h", contents: Array("// h\n".utf8))
        _ = try await suite.build()
        try suite.fileSystem.writeFile(atPath: "/p/src/a.h", contents: Array("// h2\n".utf8))
        suite.remoteLauncher.failCommands(containing: "strip")
        let (failed, _) = try await suite.build()
        #expect(!failed.isSuccess)
        suite.remoteLauncher.failCommands(containing: nil)
        try suite.fileSystem.writeFile(atPath: "/p/src/a.h", contents: Array("// h3\n".utf8))
        _ = try await suite.build()
        let requests = suite.executor.requests.filter { $0.taskID == "cc" }
        #expect(requests.count == 3)
        #expect(requests.dropFirst().allSatisfy { $0.inputs.contains("src/a.h") }, "\(requests.map(\.inputs))")
    }

    @Test func remoteOnlyFailsWhatTheClusterCannotRun() async throws {
        let suite = BuildEngineRemoteExecutionTests(mode: .unreachable)
        let (summary, _) = try await suite.build {
            $0.isRemoteOnly = true
            $0.keepGoing = true
        }
        #expect(!summary.isSuccess)
        #expect(suite.launcher.commands.isEmpty)
        #expect(Set(summary.failed).isSuperset(of: ["docs"]))
    }

    @Test func remoteSlotsAreABudgetOfTheirOwnBesideTheCPUs() async throws {
        let suite = BuildEngineRemoteExecutionTests(
            taskfile: """
                version: 1
                tasks:
                  copy:
                    foreach: src/*.c
                    inputs: ["{{item}}"]
                    outputs: ["build/{{stem}}.o"]
                    run: strip {{item}} {{output}}
                  more:
                    foreach: src/*.c
                    inputs: ["{{item}}"]
                    outputs: ["more/{{stem}}.o"]
                    run: strip {{item}} {{output}}
                """, cpuCount: 1)
        // Four actions at once on one cpu: only if remote work takes remote slots, not cpu units.
        suite.executor.holdUntilInFlight(4)
        let (summary, _) = try await suite.build { $0.remoteJobs = 4 }
        #expect(summary.isSuccess && summary.built == 4)
        #expect(suite.executor.largestInFlight == 4)

        let limited = BuildEngineRemoteExecutionTests(taskfile: suite.taskfileText, cpuCount: 4)
        let (again, _) = try await limited.build { $0.remoteJobs = 2 }
        #expect(again.isSuccess)
        #expect(limited.executor.largestInFlight <= 2)
        #expect(limited.configurations.all.first?.jobs == 2)
    }

    @Test func theCommandLineTurnsATaskfilesClusterOff() async throws {
        let suite = BuildEngineRemoteExecutionTests(
            taskfile: """
                version: 1
                remote: {executor: "grpc://cluster.test:8980", instance: ci, jobs: 3}
                tasks:
                  t:
                    outputs: [out/t]
                    run: write out/t x
                """)
        _ = try await suite.build { $0.remoteExecutor = .fromTaskfile }
        #expect(suite.configurations.all.map(\.instanceName) == ["ci"])
        #expect(suite.configurations.all.map(\.jobs) == [3])
        #expect(suite.executor.requests.count == 1)

        try suite.fileSystem.writeFile(atPath: "/p/out/t", contents: [])
        _ = try await suite.build { $0.remoteExecutor = .off }
        #expect(suite.executor.requests.count == 1)
        #expect(suite.launcher.commands == ["write out/t x"])
    }

    var taskfileText: String {
        String(decoding: (try? fileSystem.readFile(atPath: "/p/Taskfile")) ?? [], as: UTF8.self)
    }
}
