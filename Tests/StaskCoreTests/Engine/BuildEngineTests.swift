import StaskCore
import Testing

@Suite(.timeLimit(.minutes(1)))
struct BuildEngineTests {
    /// A project in an in-memory file system, built with the scripted launcher and no real lock.
    struct Project {
        let fileSystem: InMemoryFileSystem
        let launcher: ScriptedLauncher
        var engine: BuildEngine

        /// - Parameter executor: the launcher's task executor, as the real launcher's event loop.
        init(_ files: [String: String], executor: ThreadExecutor? = nil) {
            var all: [String: String] = [:]
            for (path, text) in files { all["/p/" + path] = text }
            fileSystem = InMemoryFileSystem(files: all)
            launcher = ScriptedLauncher(fileSystem: fileSystem, executor: executor)
            engine = BuildEngine(
                fileSystem: fileSystem, launcher: launcher, environment: [:], cpuCount: 2,
                acquireLock: { _, _, _ in {} })
        }

        func build(_ configure: (inout BuildOptions) -> Void = { _ in }) async throws -> (
            BuildSummary, RecordingReporter
        ) {
            var options = BuildOptions(directory: "/p")
            configure(&options)
            let reporter = RecordingReporter()
            let summary = try await engine.run(options, reporter: reporter)
            return (summary, reporter)
        }

        /// Runs a build and returns the commands it ran, clearing the record.
        func commandsOfBuild(_ configure: (inout BuildOptions) -> Void = { _ in }) async throws -> [String] {
            launcher.clearCommands()
            _ = try await build(configure)
            return launcher.commands
        }

        func read(_ path: String) -> String? {
            (try? fileSystem.readFile(atPath: "/p/" + path)).map { String(decoding: $0, as: UTF8.self) }
        }

        func write(_ path: String, _ text: String) throws {
            try fileSystem.writeFile(atPath: "/p/" + path, contents: Array(text.utf8))
        }
    }

    static let chain = """
        version: 1
        tasks:
          strip:
            foreach: src/*.c
            inputs: ["{{item}}"]
            outputs: ["build/{{stem}}.o"]
            run: strip {{item}} {{output}}
          link:
            inputs: ["build/*.o"]
            outputs: [build/app]
            run: concat {{output}} {{inputs}}
          docs:
            inputs: [guide.md]
            outputs: [build/guide]
            run: strip {{input}} {{output}}
        """

    static func chainProject() -> Project {
        Project(["Taskfile": chain, "src/a.c": "# a\nint a;\n", "src/b.c": "# b\nint b;\n", "guide.md": "guide\n"])
    }

    /// Item durations serve the shard split: a sharded task running its items one by one records each, a
    /// plain `foreach` task (one item an instance, timed by its record) records none.
    @Test func onlyShardedTasksRecordItemDurations() async throws {
        let taskfile = """
            version: 1
            tasks:
              copy:
                foreach: src/*.c
                inputs: ["{{item}}"]
                outputs: ["build/{{stem}}.o"]
                run: strip {{item}} {{output}}
              test:
                foreach: src/*.c
                shards: 2
                run: say {{item}}
            """
        let project = Project(["Taskfile": taskfile, "src/a.c": "a\n", "src/b.c": "b\n", "src/c.c": "c\n"])
        let (summary, _) = try await project.build()
        #expect(summary.isSuccess && summary.built == 5)
        let (state, _) = BuildStateStore.load(directory: "/p/.stask", fileSystem: project.fileSystem)
        #expect(state.itemDurations["copy"] == nil)
        #expect(state.itemDurations["test"].map { Set($0.keys) } == ["src/a.c", "src/b.c", "src/c.c"])
    }

    /// The stat cache names files as the build does, project-relative (short keys, a small state), and a
    /// second build trusts those entries.
    @Test func statCacheKeysAreProjectRelative() async throws {
        let project = Self.chainProject()
        _ = try await project.build()
        let (state, _) = BuildStateStore.load(directory: "/p/.stask", fileSystem: project.fileSystem)
        #expect(
            Set(state.statCache.keys) == [
                "src/a.c", "src/b.c", "guide.md", "build/a.o", "build/b.o", "build/app", "build/guide",
            ])
        let (second, _) = try await project.build()
        #expect(second.upToDate == 4 && second.built == 0)
    }

    @Test func firstBuildRunsEveryTaskAndTheSecondRunsNothing() async throws {
        let project = Self.chainProject()
        let (first, reporter) = try await project.build()
        #expect(first.built == 4 && first.upToDate == 0 && first.isSuccess)
        #expect(project.read("build/app") == "int a;\nint b;\n")
        // link waits for both strip instances.
        let started = reporter.started
        let linkIndex = try #require(started.firstIndex(of: "link"))
        let stripA = try #require(started.firstIndex(of: "strip[src/a.c]"))
        let stripB = try #require(started.firstIndex(of: "strip[src/b.c]"))
        #expect(stripA < linkIndex && stripB < linkIndex)

        let (second, secondReporter) = try await project.build()
        #expect(second.built == 0 && second.upToDate == 4)
        #expect(secondReporter.started == [])
        #expect(secondReporter.events.first == .planned(total: 4, upToDate: 4, estimatedWork: .zero))
    }

    @Test func editingAnInputRerunsExactlyItsDependents() async throws {
        let project = Self.chainProject()
        _ = try await project.build()
        try project.write("src/a.c", "# a\nint a = 1;\n")
        #expect(
            try await project.commandsOfBuild() == [
                "strip src/a.c build/a.o", "concat build/app build/a.o build/b.o",
            ])
    }

    @Test func byteIdenticalRebuiltOutputStopsTheRebuild() async throws {
        let project = Self.chainProject()
        _ = try await project.build()
        try project.write("src/a.c", "# a comment changed\nint a;\n")
        project.launcher.clearCommands()
        let (summary, reporter) = try await project.build()
        #expect(project.launcher.commands == ["strip src/a.c build/a.o"])
        #expect(summary.built == 1 && summary.upToDate == 3)
        #expect(reporter.events.contains(.finished(id: "link", outcome: .upToDate, duration: .zero, output: [])))
    }

    @Test func aLargeOutputIsHashedAndRecordedLikeASmallOne() async throws {
        // 5 MiB: past InstanceExecutor.largeOutputSize, so hashed off the build's executor.
        let project = Project([
            "Taskfile": """
            version: 1
            tasks:
              big:
                outputs: [out/big.bin]
                run: repeat out/big.bin 1310720 abcd
              small:
                inputs: [out/big.bin]
                outputs: [out/small.txt]
                run: write out/small.txt done
            """
        ])
        #expect(try await project.commandsOfBuild() == ["repeat out/big.bin 1310720 abcd", "write out/small.txt done"])
        #expect(try project.fileSystem.readFile(atPath: "/p/out/big.bin").count == 5 << 20)
        #expect(try await project.commandsOfBuild() == [])
        // The recorded digest is the content's: a different file of the same size is noticed.
        try project.write("out/big.bin", String(repeating: "abce", count: 1_310_720))
        #expect(try await project.commandsOfBuild() == ["repeat out/big.bin 1310720 abcd"])
    }

    @Test func deletedOrEditedOutputIsRebuilt() async throws {
        let project = Self.chainProject()
        _ = try await project.build()
        try project.fileSystem.removeItem(atPath: "/p/build/guide")
        #expect(try await project.commandsOfBuild() == ["strip guide.md build/guide"])
        try project.write("build/a.o", "edited by hand\n")
        // strip[src/a.c] reruns and restores a.o byte-identical: link is cut off.
        #expect(try await project.commandsOfBuild() == ["strip src/a.c build/a.o"])
        #expect(project.read("build/a.o") == "int a;\n")
    }

    @Test func changedVariableRerunsOnlyTheTasksUsingIt() async throws {
        let project = Project([
            "Taskfile": """
            version: 1
            vars: {WORD: hello}
            tasks:
              greet:
                outputs: [greeting]
                run: write {{output}} {{WORD}}
              other:
                outputs: [other]
                run: write {{output}} fixed
            """
        ])
        _ = try await project.build()
        #expect(try await project.commandsOfBuild { $0.variables = ["WORD": "bye"] } == ["write greeting bye"])
        #expect(project.read("greeting") == "bye\n")
        #expect(try await project.commandsOfBuild { $0.variables = ["WORD": "bye"] } == [])
    }

    @Test func selectingATargetBuildsOnlyItAndItsDependencies() async throws {
        let project = Self.chainProject()
        let (summary, _) = try await project.build { $0.targets = ["docs"] }
        #expect(summary.built == 1)
        #expect(project.launcher.commands == ["strip guide.md build/guide"])
    }

    static let failing = """
        version: 1
        tasks:
          broken:
            priority: 100
            run: fail 3
          after:
            deps: [broken]
            run: say after
          last:
            deps: [after]
            run: say last
          independent:
            run: say independent
        """

    @Test func failureAbortsDependentsAndStopsNewWork() async throws {
        let project = Project(["Taskfile": Self.failing])
        let (summary, reporter) = try await project.build { $0.budgetOverrides = ["cpu": 1] }
        #expect(summary.failed == ["broken"])
        #expect(summary.aborted == 3, "after, last and the not yet started independent task")
        #expect(!summary.isSuccess)
        #expect(project.launcher.commands == ["fail 3"])
        let failure = TaskFailure(command: "fail 3", termination: .exited(3))
        #expect(
            reporter.events.contains {
                if case .finished("broken", .failed(failure), _, Array("failing\n".utf8)) = $0 { true } else { false }
            })
    }

    @Test func keepGoingRunsEverythingIndependentOfTheFailure() async throws {
        let project = Project(["Taskfile": Self.failing])
        let (summary, _) = try await project.build {
            $0.budgetOverrides = ["cpu": 1]
            $0.keepGoing = true
        }
        #expect(summary.failed == ["broken"] && summary.aborted == 2 && summary.built == 1)
        #expect(project.launcher.commands == ["fail 3", "say independent"])
    }

    /// A task that fails twice, then passes on its third and last attempt.
    static let shaky = """
        version: 1
        tasks:
          shaky:
            retry: {attempts: 3, backoff: 1ms}
            outputs: [done]
            run:
              - flaky shaky 2
              - write done yes
        """

    @Test func stepThatFailsTwiceThenPassesIsRetriedAndReportedFlaky() async throws {
        let project = Project(["Taskfile": Self.shaky])
        let (summary, reporter) = try await project.build()
        #expect(summary.built == 1 && summary.flaky == ["shaky"] && summary.isSuccess)
        #expect(project.launcher.commands == ["flaky shaky 2", "flaky shaky 2", "flaky shaky 2", "write done yes"])
        let retries = reporter.events.filter { if case .retrying = $0 { true } else { false } }
        #expect(retries.count == 2)
        #expect(reporter.started.count == 3)
    }

    @Test func taskThatDoesNotCreateItsOutputFailsAndIsNotRecorded() async throws {
        let project = Project([
            "Taskfile": """
            version: 1
            tasks:
              lazy:
                outputs: [never]
                run: say nothing
            """
        ])
        let (summary, reporter) = try await project.build()
        #expect(summary.failed == ["lazy"])
        let problem = reporter.events.compactMap { event -> String? in
            if case .finished(_, .failed(let failure), _, _) = event { failure.problem } else { nil }
        }
        #expect(problem == ["did not create declared output 'never'"])
        #expect(try await project.commandsOfBuild() == ["say nothing"], "a failed task runs again")
    }

    /// The build runs its steps on the launcher's executor when it has one (the real launcher's event loop):
    /// the same results, every command started from that executor's thread.
    @Test func stepsRunOnTheLaunchersExecutorWithTheSameResults() async throws {
        let executor = ThreadExecutor()
        defer { executor.stop() }
        var files = [
            "Taskfile": Self.chain, "src/a.c": "# a\nint a;\n", "src/b.c": "# b\nint b;\n", "guide.md": "guide\n",
        ]
        let project = Project(files, executor: executor)
        let plain = Self.chainProject()
        // The two compiles are independent and start from two child tasks: compare what ran, not in which order.
        #expect(try await project.commandsOfBuild().sorted() == (try await plain.commandsOfBuild()).sorted())
        #expect(project.read("build/app") == plain.read("build/app"))
        #expect(try await project.commandsOfBuild() == [])
        try project.write("src/a.c", "# a\nint a = 1;\n")
        #expect(
            try await project.commandsOfBuild() == ["strip src/a.c build/a.o", "concat build/app build/a.o build/b.o"])
        #expect(project.launcher.threads == [try #require(executor.thread)])

        // Retries with backoff and a failing task, on the executor as well.
        files = ["Taskfile": Self.shaky + "\n  broken:\n    run: fail 3\n"]
        let retried = Project(files, executor: executor)
        let (summary, _) = try await retried.build { $0.keepGoing = true }
        #expect(summary.flaky == ["shaky"] && summary.failed == ["broken"])
        #expect(retried.launcher.commands.filter { $0.hasPrefix("flaky") }.count == 3)
        #expect(retried.launcher.threads == [try #require(executor.thread)])
    }

    @Test func timeoutIsAFailedAttemptThatIsRetried() async throws {
        let project = Project([
            "Taskfile": """
            version: 1
            tasks:
              long:
                timeout: 2s
                retry: {attempts: 2, backoff: 1ms}
                run: overrun
            """
        ])
        let (summary, reporter) = try await project.build()
        #expect(summary.failed == ["long"])
        #expect(project.launcher.commands == ["overrun", "overrun"])
        let timedOut = TaskFailure(command: "overrun", termination: .timedOut)
        #expect(
            reporter.events.contains {
                if case .finished("long", .failed(timedOut), _, _) = $0 { true } else { false }
            })
    }

    @Test func alwaysTaskRunsEveryTime() async throws {
        let project = Project([
            "Taskfile": """
            version: 1
            tasks:
              stamp:
                always: true
                run: say hi
            """
        ])
        _ = try await project.build()
        #expect(try await project.commandsOfBuild() == ["say hi"])
    }

    @Test func summaryNamesARealisedCriticalPathAlongDependencies() async throws {
        let project = Self.chainProject()
        let (summary, _) = try await project.build()
        // Which chain is longest depends on measured times; every candidate is a real dependency chain.
        let candidates = [["docs"], ["strip[src/a.c]", "link"], ["strip[src/b.c]", "link"]]
        #expect(candidates.contains(summary.criticalPath.map(\.id)), "\(summary.criticalPath)")
    }

    @Test func interruptStopsTheBuildAndRecordsNothingForTheRunningTask() async throws {
        let project = Project([
            "Taskfile": """
            version: 1
            tasks:
              slow:
                outputs: [out]
                run: hang
              after:
                deps: [slow]
                run: say after
            """
        ])
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        // Deliver SIGINT as soon as the slow task has started.
        let reporter = SignallingReporter(whenStarted: "slow") { continuation.yield(2) }
        let summary = try await project.engine.run(
            BuildOptions(directory: "/p"), reporter: reporter, interrupts: signals)
        #expect(summary.interruptingSignal == 2 && summary.built == 0 && summary.aborted == 2)
        #expect(project.launcher.commands == ["hang"])
        let planned = try project.engine.dryRun(BuildOptions(directory: "/p"))
        #expect(planned.first?.reason == "never built", "no record for the interrupted task")
    }

    /// Calls `action` when a given task starts.
    final class SignallingReporter: ProgressReporter {
        let id: String
        let action: @Sendable () -> Void

        init(whenStarted id: String, action: @escaping @Sendable () -> Void) {
            self.id = id
            self.action = action
        }

        func report(_ event: BuildEvent) {
            if case .started(id, _, _) = event { action() }
        }
    }

    @Test func lockHeldElsewhereWithNoWaitFailsBeforeAnythingRuns() async throws {
        struct Busy: Error {}
        let project = Self.chainProject()
        var engine = project.engine
        engine.acquireLock = { _, wait, _ in
            #expect(!wait)
            throw Busy()
        }
        var options = BuildOptions(directory: "/p")
        options.noWait = true
        await #expect(throws: Busy.self) { try await engine.run(options, reporter: SilentReporter()) }
        #expect(project.launcher.commands == [])
    }

    @Test func taskfileErrorIsThrownAndNothingRuns() async throws {
        let project = Project(["Taskfile": "version: 1\ntasks:\n  a:\n    deps: [b]\n    run: say a\n"])
        await #expect(throws: TaskfileError.self) { _ = try await project.build() }
        #expect(project.launcher.commands == [])
    }

    @Test func dryRunListsWhatWouldRunWithReasonsAndRunsNothing() async throws {
        let project = Self.chainProject()
        _ = try await project.build()
        try project.write("src/b.c", "int b = 2;\n")
        let planned = try project.engine.dryRun(BuildOptions(directory: "/p"))
        #expect(
            planned.map(\.id) == ["strip[src/b.c]", "link"]
                && planned.map(\.reason) == [
                    "input 'src/b.c' changed (\(RebuildReasonTests.prefix(of: "# b\nint b;\n")) → "
                        + "\(RebuildReasonTests.prefix(of: "int b = 2;\n")))",
                    "dependency 'strip[src/b.c]' will rebuild",
                ])
        #expect(
            try await project.commandsOfBuild() == ["strip src/b.c build/b.o", "concat build/app build/a.o build/b.o"])
    }

    @Test func cleanRemovesOutputsEmptyDirectoriesAndState() async throws {
        let project = Self.chainProject()
        _ = try await project.build()
        let result = try await project.engine.clean(BuildOptions(directory: "/p"))
        #expect(result.removedOutputs.sorted() == ["build/a.o", "build/app", "build/b.o", "build/guide"])
        #expect(result.removedState)
        #expect(try project.fileSystem.metadata(atPath: "/p/build") == nil)
        #expect(try project.fileSystem.metadata(atPath: "/p/.stask") == nil)
        #expect(project.read("src/a.c") != nil)
    }

    @Test func listNamesTasksWithInstancesAndOutputs() throws {
        let project = Self.chainProject()
        let listing = try project.engine.list(BuildOptions(directory: "/p"))
        #expect(listing.entries.map(\.name) == ["strip", "link", "docs"])
        #expect(listing.entries[0].instanceCount == 2 && listing.entries[0].outputs == ["build/a.o", "build/b.o"])
        #expect(listing.text.contains("strip  (2 instances)\n    outputs: build/a.o, build/b.o\n"))
    }
}
