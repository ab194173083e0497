import Synchronization
import Testing

@testable import StaskCore

/// The no-op fast path: a build that found everything up to date leaves `.stask/uptodate`, and the next
/// identical build ends there without loading the state or the graph, unless anything it rested on moved.
@Suite(.timeLimit(.minutes(1)))
struct BuildEngineUpToDateStampTests {
    static let taskfile = """
        version: 1
        vars:
          flag: plain
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
            outputs: [build/guide]
            run: write {{output}} {{flag}}
        """

    static let stampPath = "/p/.stask/uptodate"
    static let statePaths: Set = ["/p/.stask/state", "/p/.stask/journal"]

    struct Project {
        let memory: InMemoryFileSystem
        let fileSystem: FaultInjectingFileSystem
        let launcher: ScriptedLauncher
        let engine: BuildEngine

        init(taskfile: String = BuildEngineUpToDateStampTests.taskfile) {
            memory = InMemoryFileSystem(files: [
                "/p/Taskfile": taskfile, "/p/src/a.c": "# a\nint a;\n", "/p/src/b.c": "int b;\n",
            ])
            fileSystem = FaultInjectingFileSystem(base: memory)
            launcher = ScriptedLauncher(fileSystem: memory)
            engine = BuildEngine(
                fileSystem: fileSystem, launcher: launcher, environment: [:], cpuCount: 2,
                acquireLock: { _, _, _ in {} })
        }

        /// Runs a build; returns the commands it ran, its events, and whether it read the build state
        /// (false: it ended at the stamp).
        func build(
            expectingSuccess: Bool = true, _ configure: (inout BuildOptions) -> Void = { _ in }
        ) async throws -> (commands: [String], events: [BuildEvent], readState: Bool) {
            launcher.clearCommands()
            fileSystem.readPaths.withLock { $0 = [] }
            fileSystem.listedPaths.withLock { $0 = [] }
            var options = BuildOptions(directory: "/p")
            configure(&options)
            let reporter = RecordingReporter()
            let summary = try await engine.run(options, reporter: reporter)
            #expect(summary.isSuccess == expectingSuccess)
            let readState = fileSystem.readPaths.withLock {
                !BuildEngineUpToDateStampTests.statePaths.isDisjoint(with: $0)
            }
            return (launcher.commands, reporter.events, readState)
        }

        /// Whether the last build built the graph from the Taskfile (listing `src/` for its glob).
        var listedSources: Bool { fileSystem.listedPaths.withLock { $0.contains("/p/src") } }

        var hasStamp: Bool { (try? memory.metadata(atPath: BuildEngineUpToDateStampTests.stampPath)) != nil }

        /// The text of a project file.
        func contents(_ path: String) throws -> String {
            String(decoding: try memory.readFile(atPath: "/p/" + path), as: UTF8.self)
        }

        func exists(_ path: String) -> Bool { (try? memory.linkMetadata(atPath: "/p/" + path)) != nil }

        func write(_ path: String, _ text: String) throws {
            try memory.writeFile(atPath: "/p/" + path, contents: Array(text.utf8))
        }

        /// Builds until a build runs nothing and leaves a stamp (a build that runs commands leaves none; the
        /// next one examines their outputs, runs nothing, sharded tasks included, and writes it).
        func settle() async throws {
            var result = try await build()
            if !hasStamp { result = try await build() }
            #expect(result.commands.isEmpty && hasStamp)
        }
    }

    /// The events other than the summary, whose wall time differs.
    static func withoutSummary(_ events: [BuildEvent]) -> [BuildEvent] {
        events.filter { if case .summary = $0 { false } else { true } }
    }

    @Test func identicalBuildEndsAtTheStampReportingWhatTheFullPathReported() async throws {
        let project = Project()
        _ = try await project.build()
        let full = try await project.build()
        #expect(full.commands.isEmpty && full.readState && project.hasStamp)
        let fast = try await project.build()
        #expect(fast.commands.isEmpty && !fast.readState)
        #expect(Self.withoutSummary(fast.events) == Self.withoutSummary(full.events))
        guard case .summary(let summary)? = fast.events.last else {
            Issue.record("no summary")
            return
        }
        #expect(summary.upToDate == 4 && summary.built == 0)
    }

    @Test func rewritingAnInputWithTheSameBytesEndsAtTheStampHashingItOnce() async throws {
        let project = Project()
        try await project.settle()
        try project.write("src/a.c", "# a\nint a;\n")
        let touched = try await project.build()
        #expect(touched.commands.isEmpty && !touched.readState && project.hasStamp)
        #expect(project.fileSystem.readPaths.withLock { $0.contains("/p/src/a.c") })
        // The stamp was refreshed with the file's new metadata: the next build trusts it without reading it.
        let again = try await project.build()
        #expect(again.commands.isEmpty && !again.readState)
        #expect(!project.fileSystem.readPaths.withLock { $0.contains("/p/src/a.c") })
        // A change of contents still goes the full way.
        try project.write("src/a.c", "# a\nint a = 1;\n")
        let edited = try await project.build()
        #expect(edited.commands == ["strip src/a.c build/a.o", "concat build/app build/a.o build/b.o"])
    }

    @Test func newFileMatchingAGlobIsBuilt() async throws {
        let project = Project()
        try await project.settle()
        try project.write("src/c.c", "int c;\n")
        let result = try await project.build()
        #expect(result.commands.contains("strip src/c.c build/c.o"))
    }

    @Test func removedSourceChangesTheGraph() async throws {
        let project = Project()
        try await project.settle()
        try project.memory.removeItem(atPath: "/p/src/b.c")
        let result = try await project.build()
        #expect(result.commands == ["concat build/app build/a.o"])
    }

    @Test func deletedOutputIsRebuilt() async throws {
        let project = Project()
        try await project.settle()
        try project.memory.removeItem(atPath: "/p/build/guide")
        #expect(try await project.build().commands == ["write build/guide plain"])
    }

    @Test func otherVarsTargetsOrTaskfileBytesDoNotUseTheStamp() async throws {
        let project = Project()
        try await project.settle()
        let overridden = try await project.build { $0.variables = ["flag": "loud"] }
        #expect(overridden.commands == ["write build/guide loud"])

        try await project.settle()
        let docsOnly = try await project.build { $0.targets = ["docs"] }
        #expect(docsOnly.readState && docsOnly.commands.isEmpty)
        #expect(docsOnly.events.contains(.skipped(ids: ["docs"])))

        try await project.settle()
        try project.write("Taskfile", Self.taskfile + "\n# a comment\n")
        #expect(try await project.build().readState)
    }

    @Test func traceBuildsGoTheFullWay() async throws {
        let project = Project()
        try await project.settle()
        let traced = try await project.build { $0.tracePath = "trace.json" }
        #expect(traced.readState)
        #expect((try? project.memory.metadata(atPath: "/p/trace.json")) != nil)
    }

    @Test func changedStateFilesInvalidateTheStamp() async throws {
        let project = Project()
        try await project.settle()
        // Another writer of the state (an older stask, say) appends to the journal.
        let journal = try project.memory.openForAppending(atPath: "/p/.stask/journal")
        try journal.append([])
        journal.close()
        #expect(try await project.build().readState)
    }

    @Test func pathsModifiedTooRecentlyToTrustAreCheckedByContentOnEveryBuild() async throws {
        let project = Project()
        // Times in the future are never settled: nothing written after this can be trusted by its metadata.
        project.memory.advanceClock(by: FileDigestCache.wallClockNanoseconds() + 3_600_000_000_000)
        try project.write("src/a.c", "int a;\n")
        _ = try await project.build()
        let again = try await project.build()
        #expect(again.commands.isEmpty && again.readState && project.hasStamp)
        for _ in 0..<2 {
            let fromStamp = try await project.build()
            #expect(fromStamp.commands.isEmpty && !fromStamp.readState)
            // Every file written since the clock moved is hashed again.
            #expect(project.fileSystem.readPaths.withLock { $0.contains("/p/src/a.c") && $0.contains("/p/build/a.o") })
        }
        try project.write("src/a.c", "int a = 2;\n")
        #expect(try await project.build().commands.contains("strip src/a.c build/a.o"))
    }

    @Test func aFileCreatedAndRemovedInAListedDirectoryKeepsTheStamp() async throws {
        let project = Project()
        try await project.settle()
        try project.write("src/scratch.tmp", "")
        try project.memory.removeItem(atPath: "/p/src/scratch.tmp")
        let result = try await project.build()
        #expect(result.commands.isEmpty && !result.readState)
        #expect(project.fileSystem.listedPaths.withLock { $0.contains("/p/src") })
        // Refreshed: the next build trusts the directory's metadata again.
        let next = try await project.build()
        #expect(next.commands.isEmpty && !next.readState)
        #expect(project.fileSystem.listedPaths.withLock { $0.isEmpty })
        // A new entry is a new graph: the full way.
        try project.write("src/c.c", "int c;\n")
        let added = try await project.build()
        #expect(added.readState && added.commands.contains("strip src/c.c build/c.o"))
    }

    @Test func damagedStampIsIgnored() async throws {
        let project = Project()
        try await project.settle()
        var bytes = try project.memory.readFile(atPath: Self.stampPath)
        bytes[bytes.count - 1] ^= 1
        try project.memory.writeFile(atPath: Self.stampPath, contents: bytes)
        let result = try await project.build()
        #expect(result.readState && result.commands.isEmpty && project.hasStamp)
    }

    @Test func changedShardSplitInvalidatesTheStamp() async throws {
        let sharded = """
            version: 1
            tasks:
              check:
                foreach: src/*.c
                shards: 2
                outputs: ["build/check-{{shard}}.txt"]
                run: concat {{output}} {{items}}
            """
        let project = Project(taskfile: sharded)
        try await project.settle()
        let splitPath = "/p/.stask/shard-plans.json"
        #expect((try? project.memory.metadata(atPath: splitPath)) != nil)
        // Planning reads the last split: a stamp must not outlive a change to it.
        try project.memory.removeItem(atPath: splitPath)
        #expect(try await project.build().readState)
    }
}
