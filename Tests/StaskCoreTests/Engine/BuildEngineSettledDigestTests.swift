import StaskCore
import Testing

/// An instance that runs takes the digests of other instances' outputs that do not change in this build from
/// the pre-pass, and examines sources afresh.
@Suite(.timeLimit(.minutes(1)))
struct BuildEngineSettledDigestTests {
    /// Copies each `src/*.txt` to `out/`, and concatenates every copy (and `extra.txt`) into `all.txt`.
    static let taskfile = """
        version: 1
        tasks:
          copy:
            foreach: src/*.txt
            inputs: ["{{item}}"]
            outputs: ["out/{{stem}}.txt"]
            run: concat {{output}} {{item}}
          all:
            inputs: ["out/*.txt", extra.txt]
            outputs: [all.txt]
            run: concat all.txt {{inputs}}
        """

    /// ``taskfile``, with `rewrite` copying `next.txt` over `extra.txt` on every build, before `all`, and
    /// `peek`, which the pre-pass checks (so it examines `extra.txt` before `rewrite` runs).
    static let rewritingTaskfile = """
        version: 1
        tasks:
          copy:
            foreach: src/*.txt
            inputs: ["{{item}}"]
            outputs: ["out/{{stem}}.txt"]
            run: concat {{output}} {{item}}
          rewrite:
            always: true
            run: concat extra.txt next.txt
          peek:
            inputs: [extra.txt]
            outputs: [peek.txt]
            run: concat peek.txt extra.txt
          all:
            deps: [rewrite]
            inputs: ["out/*.txt", extra.txt]
            outputs: [all.txt]
            run: concat all.txt {{inputs}}
        """

    struct Project {
        let memory: InMemoryFileSystem
        let counting: ReadCountingFileSystem
        let launcher: ScriptedLauncher
        let engine: BuildEngine

        init(taskfile: String = BuildEngineSettledDigestTests.taskfile) {
            var files = ["/p/Taskfile": taskfile, "/p/extra.txt": "extra\n"]
            for name in ["a", "b", "c", "d"] { files["/p/src/\(name).txt"] = "\(name)\n" }
            memory = InMemoryFileSystem(files: files)
            counting = ReadCountingFileSystem(base: memory)
            launcher = ScriptedLauncher(fileSystem: memory)
            engine = BuildEngine(
                fileSystem: counting, launcher: launcher, environment: [:], cpuCount: 2,
                acquireLock: { _, _, _ in {} })
        }

        func build() async throws -> [String] {
            launcher.clearCommands()
            let summary = try await engine.run(BuildOptions(directory: "/p"), reporter: RecordingReporter())
            #expect(summary.isSuccess)
            return launcher.commands
        }

        func write(_ path: String, _ text: String) throws {
            try memory.writeFile(atPath: "/p/" + path, contents: Array(text.utf8))
        }

        func text(_ path: String) throws -> String {
            String(decoding: try memory.readFile(atPath: "/p/" + path), as: UTF8.self)
        }
    }

    @Test(
        "after one edit, the outputs the aggregate reads are examined once (by the pre-pass), the rewritten one again")
    func unchangedInputsAreExaminedOnce() async throws {
        let project = Project()
        _ = try await project.build()
        try project.write("src/b.txt", "b edited\n")
        let examined = ["out/a.txt", "out/b.txt", "out/c.txt", "extra.txt"].map {
            project.counting.examinations(of: "/p/" + $0)
        }
        let commands = try await project.build()
        #expect(
            commands == [
                "concat out/b.txt src/b.txt", "concat all.txt out/a.txt out/b.txt out/c.txt out/d.txt extra.txt",
            ])
        #expect(project.counting.examinations(of: "/p/out/a.txt") - examined[0] == 1)
        #expect(project.counting.examinations(of: "/p/out/c.txt") - examined[2] == 1)
        // A source, examined when the aggregate runs (the pre-pass stopped at its stale dependency).
        #expect(project.counting.examinations(of: "/p/extra.txt") - examined[3] == 1)
        // Rewritten by `copy[src/b.txt]`: examined by the pre-pass, and again by the aggregate.
        #expect(project.counting.examinations(of: "/p/out/b.txt") - examined[1] >= 2)
        #expect(try project.text("all.txt") == "a\nb edited\nc\nd\nextra\n")
        #expect(try await project.build().isEmpty)
    }

    @Test("a source another task rewrites during the build is examined afresh: the aggregate records what it read")
    func sourceRewrittenDuringTheBuildIsExaminedAfresh() async throws {
        let project = Project(taskfile: Self.rewritingTaskfile)
        try project.write("next.txt", "extra\n")
        _ = try await project.build()
        try project.write("src/a.txt", "a edited\n")
        try project.write("next.txt", "extra edited\n")
        // `rewrite` changes `extra.txt` after the pre-pass examined it (for `peek`) and before the aggregate
        // runs: the aggregate's record must hold the text it read, not the one the build started from.
        #expect(try await project.build().count == 3)
        #expect(try project.text("all.txt").hasSuffix("extra edited\n"))
        #expect(try await project.build().sorted() == ["concat extra.txt next.txt", "concat peek.txt extra.txt"])
        #expect(try await project.build() == ["concat extra.txt next.txt"])
    }

    @Test("a literal input is examined once a build: graph construction's metadata serves the pre-pass")
    func literalInputsAreExaminedOnce() async throws {
        let project = Project(
            taskfile: """
                version: 1
                tasks:
                  a:
                    inputs: [src/a.txt]
                    outputs: [out/a.txt]
                    run: concat out/a.txt src/a.txt
                  b:
                    inputs: [src/b.txt]
                    outputs: [out/b.txt]
                    run: concat out/b.txt src/b.txt
                """)
        _ = try await project.build()
        try project.write("src/b.txt", "b edited\n")
        let before = project.counting.allExaminations(of: "/p/src/a.txt")
        #expect(try await project.build() == ["concat out/b.txt src/b.txt"])
        #expect(project.counting.allExaminations(of: "/p/src/a.txt") - before == 1)
        try project.write("src/a.txt", "a edited\n")
        #expect(try await project.build() == ["concat out/a.txt src/a.txt"])
        #expect(try project.text("out/a.txt") == "a edited\n")
    }
}
