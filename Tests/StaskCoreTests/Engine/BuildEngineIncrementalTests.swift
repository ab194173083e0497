import Synchronization
import Testing

@testable import StaskCore

/// The incremental path: a build whose stamp finds only some files' contents changed builds on the stamp's
/// graph, examining only the instances that read them, and leaves a stamp for the next build.
@Suite(.timeLimit(.minutes(1)))
struct BuildEngineIncrementalTests {
    typealias Project = BuildEngineUpToDateStampTests.Project

    @Test func editedInputRunsItsDownstreamOnTheStoredGraphAndLeavesAStamp() async throws {
        let project = Project()
        try await project.settle()
        #expect(project.exists(".stask/graph"))
        try project.write("src/b.c", "int b2;\n")
        let edited = try await project.build()
        #expect(edited.commands == ["strip src/b.c build/b.o", "concat build/app build/a.o build/b.o"])
        #expect(!project.listedSources && edited.readState && project.hasStamp)
        #expect(try project.contents("build/b.o") == "int b2;\n")
        // The stamp it left holds: the next build ends there, and the next edit takes the same path.
        let next = try await project.build()
        #expect(next.commands.isEmpty && !next.readState)
        try project.write("src/a.c", "int a2;\n")
        let again = try await project.build()
        #expect(again.commands == ["strip src/a.c build/a.o", "concat build/app build/a.o build/b.o"])
        #expect(!project.listedSources && project.hasStamp)
    }

    @Test func anOutputEditedByHandIsBuiltAgain() async throws {
        let project = Project()
        try await project.settle()
        try project.write("build/a.o", "tampered\n")
        let result = try await project.build()
        #expect(result.commands == ["strip src/a.c build/a.o"])
        #expect(try project.contents("build/a.o") == "int a;\n")
        #expect(!project.listedSources && project.hasStamp)
    }

    @Test func aFailedBuildLeavesNoStampAndTheNextGoesTheFullWay() async throws {
        let project = Project()
        try await project.settle()
        project.launcher.failCommands(containing: "strip src/b.c")
        try project.write("src/b.c", "int b2;\n")
        _ = try await project.build(expectingSuccess: false)
        #expect(!project.hasStamp)
        project.launcher.failCommands(containing: nil)
        let retried = try await project.build()
        #expect(retried.commands == ["strip src/b.c build/b.o", "concat build/app build/a.o build/b.o"])
        #expect(project.listedSources)
    }

    @Test func aMissingOrDamagedGraphFileSendsTheBuildTheFullWay() async throws {
        for damage in [
            { (memory: InMemoryFileSystem) in try memory.removeItem(atPath: "/p/.stask/graph") },
            { memory in try memory.writeFile(atPath: "/p/.stask/graph", contents: Array("STASKGRF junk".utf8)) },
        ] {
            let project = Project()
            try await project.settle()
            try damage(project.memory)
            try project.write("src/b.c", "int b2;\n")
            let edited = try await project.build()
            #expect(edited.commands == ["strip src/b.c build/b.o", "concat build/app build/a.o build/b.o"])
            #expect(project.listedSources)
        }
    }

    /// The graph file is written without waiting for the disk: a crash may leave its header whole and its
    /// payload short. The next build that stores the same graph writes it again, so edits build on it again.
    @Test func aTornGraphFileIsWrittenAgainByTheNextNoOp() async throws {
        let project = Project()
        try await project.settle()
        let graph = try project.memory.readFile(atPath: "/p/.stask/graph")
        try project.memory.writeFile(atPath: "/p/.stask/graph", contents: Array(graph.prefix(graph.count / 2)))
        try project.memory.removeItem(atPath: BuildEngineUpToDateStampTests.stampPath)
        let noOp = try await project.build()
        #expect(noOp.commands.isEmpty && project.hasStamp)
        #expect(try project.memory.readFile(atPath: "/p/.stask/graph") == graph)
        try project.write("src/b.c", "int b2;\n")
        let edited = try await project.build()
        #expect(edited.commands == ["strip src/b.c build/b.o", "concat build/app build/a.o build/b.o"])
        #expect(!project.listedSources)
    }

    @Test func stateFilesMovedWhileWaitingForTheLockSendTheBuildTheFullWay() async throws {
        let project = Project()
        try await project.settle()
        try project.write("src/b.c", "int b2;\n")
        // The stamp's check passes the state files; another build appends to the journal before the lock is
        // taken (here: rewrites it, which moves its metadata all the same).
        var engine = project.engine
        let memory = project.memory
        engine.acquireLock = { _, _, _ in
            let journal = "/p/.stask/journal"
            try memory.writeFile(atPath: journal, contents: try memory.readFile(atPath: journal))
            return {}
        }
        project.launcher.clearCommands()
        let summary = try await engine.run(BuildOptions(directory: "/p"), reporter: RecordingReporter())
        #expect(summary.isSuccess)
        #expect(project.launcher.commands == ["strip src/b.c build/b.o", "concat build/app build/a.o build/b.o"])
        #expect(project.fileSystem.listedPaths.withLock { $0.contains("/p/src") })
    }

    /// The stored graph is decoded while the build waits for the lock: a graph file replaced in between (by
    /// hand, damaged, or another build's) is either the one the stamp names, checked by its digest, or not
    /// used at all.
    @Test func aGraphFileReplacedWhileWaitingForTheLockIsNeverTrustedBlindly() async throws {
        for replacement in [Array("STASKGRF junk".utf8), []] {
            let project = Project()
            try await project.settle()
            try project.write("src/b.c", "int b2;\n")
            var engine = project.engine
            let memory = project.memory
            engine.acquireLock = { _, _, _ in
                try memory.writeFile(atPath: "/p/.stask/graph", contents: replacement)
                return {}
            }
            project.launcher.clearCommands()
            let summary = try await engine.run(BuildOptions(directory: "/p"), reporter: RecordingReporter())
            #expect(summary.isSuccess)
            #expect(project.launcher.commands == ["strip src/b.c build/b.o", "concat build/app build/a.o build/b.o"])
            #expect(try project.contents("build/app") == "int a;\nint b2;\n")
        }
    }

    /// A file that changes while the build runs (here: a command rewrites its own input) leaves no stamp:
    /// the stamp would vouch for contents no record was made from, and the next build would trust it.
    @Test func aFileChangedDuringTheBuildLeavesNoStampThatHidesIt() async throws {
        let taskfile = """
            version: 1
            tasks:
              fmt:
                inputs: [src/a.c]
                outputs: [build/a.o]
                run:
                  - strip src/a.c build/a.o
                  - write src/a.c formatted
            """
        let project = Project(taskfile: taskfile)
        for _ in 0..<3 where !project.hasStamp { _ = try await project.build() }
        #expect(project.hasStamp)
        try project.write("src/a.c", "int a2;\n")
        let edited = try await project.build()
        #expect(edited.commands == ["strip src/a.c build/a.o", "write src/a.c formatted"])
        #expect(!project.hasStamp)
        let next = try await project.build()
        #expect(next.commands == ["strip src/a.c build/a.o", "write src/a.c formatted"])
    }

    /// One compile step per `src/*.c`, each copying its depfile from `deps/`, where a test writes what it lists.
    static let compileWithDepfiles = """
        version: 1
        tasks:
          compile:
            foreach: src/*.c
            inputs: ["{{item}}"]
            outputs: ["build/{{stem}}.o"]
            depfile: "build/{{stem}}.d"
            run:
              - strip {{item}} {{output}}
              - concat build/{{stem}}.d deps/{{stem}}.d
        """

    /// A project of `taskfile` whose depfiles list each source alone, built until it leaves a stamp.
    static func settledProjectWithDepfiles(_ taskfile: String) async throws -> Project {
        let project = Project(taskfile: taskfile)
        try project.write("deps/a.d", "build/a.o: src/a.c\n")
        try project.write("deps/b.d", "build/b.o: src/b.c\n")
        try await project.settle()
        return project
    }

    /// A step's depfile is removed before the step runs and written again: the directory a glob lists moves,
    /// its entries do not, and the next edit still builds on the stored graph.
    @Test func aDepfileRewrittenInAGlobbedDirectoryKeepsTheIncrementalPath() async throws {
        let taskfile =
            Self.compileWithDepfiles + """

                  link:
                    inputs: ["build/*.o"]
                    outputs: [build/app]
                    run: concat {{output}} {{inputs}}
                """
        let project = try await Self.settledProjectWithDepfiles(taskfile)
        for (file, text) in [("src/a.c", "int a2;\n"), ("src/b.c", "int b2;\n"), ("src/a.c", "int a3;\n")] {
            try project.write(file, text)
            let edited = try await project.build()
            #expect(edited.commands.count == 3 && edited.commands.last == "concat build/app build/a.o build/b.o")
            #expect(!project.listedSources && project.hasStamp)
        }
        #expect(try project.contents("build/app") == "int a3;\nint b2;\n")
    }

    /// A depfile naming a header the last run did not: the build that records it leaves no stamp (the graph
    /// is built from discovered inputs), and once the next build has left one, an edit of the header reruns
    /// the step on the stored graph.
    @Test func aNewlyDiscoveredInputIsWatchedFromTheNextStampOn() async throws {
        let project = try await Self.settledProjectWithDepfiles(Self.compileWithDepfiles)
        try project.write("inc/new.h", "#define NEW 1\n")
        try project.write("deps/a.d", "build/a.o: src/a.c inc/new.h\n")
        try project.write("src/a.c", "int a2;\n")
        let edited = try await project.build()
        #expect(edited.commands == ["strip src/a.c build/a.o", "concat build/a.d deps/a.d"])
        #expect(!project.listedSources && !project.hasStamp)
        let full = try await project.build()
        #expect(full.commands.isEmpty && project.listedSources && project.hasStamp)
        try project.write("inc/new.h", "#define NEW 2\n")
        let header = try await project.build()
        #expect(header.commands == ["strip src/a.c build/a.o", "concat build/a.d deps/a.d"])
        #expect(!project.listedSources && project.hasStamp)
    }
}
