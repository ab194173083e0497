import StaskCore
import Testing

/// A build that goes the full way takes the metadata of every file its pre-pass checks all at once (which the
/// local file system spreads over the cores), not one `stat` after another in the pre-pass's walk.
@Suite(.timeLimit(.minutes(1)))
struct BuildEngineMetadataPrefetchTests {
    typealias Project = BuildEngineSettledDigestTests.Project

    @Test("the pre-pass examines the inputs and outputs it checks among many, each once")
    func prePassExaminesItsFilesAtOnce() async throws {
        let project = Project()
        _ = try await project.build()
        // The first build ran commands and left no stamp: the next one goes the full way.
        let sources = ["src/a.txt", "src/b.txt", "src/c.txt", "src/d.txt"]
        let outputs = ["out/a.txt", "out/d.txt", "all.txt"]
        let before = (sources + outputs).map { project.counting.allExaminations(of: "/p/" + $0) }
        let batchedBefore = outputs.map { project.counting.batchExaminations(of: "/p/" + $0) }
        #expect(try await project.build().isEmpty)
        // Each file once: a source when graph construction told it from a directory (its metadata then serves
        // the pre-pass), an output among the rest, all at once.
        for (position, path) in (sources + outputs).enumerated() {
            #expect(project.counting.allExaminations(of: "/p/" + path) - before[position] == 1, "\(path)")
        }
        for (position, path) in outputs.enumerated() {
            #expect(project.counting.batchExaminations(of: "/p/" + path) - batchedBefore[position] == 1, "\(path)")
        }
    }

    @Test("a file changed since the last build is still found changed: the batch is taken before the check")
    func aChangeBeforeTheBuildIsSeen() async throws {
        let project = Project()
        _ = try await project.build()
        try project.write("src/c.txt", "c edited\n")
        try project.write("out/a.txt", "tampered\n")
        let commands = try await project.build()
        #expect(commands.contains("concat out/c.txt src/c.txt") && commands.contains("concat out/a.txt src/a.txt"))
        #expect(try project.text("all.txt") == "a\nb\nc edited\nd\nextra\n")
        #expect(try await project.build().isEmpty)
    }

    @Test("an input that vanished since the last build reruns its reader, and is not an error")
    func aVanishedOutputIsBuiltAgain() async throws {
        let project = Project()
        _ = try await project.build()
        try project.memory.removeItem(atPath: "/p/out/b.txt")
        #expect(try await project.build() == ["concat out/b.txt src/b.txt"])
        #expect(try project.text("out/b.txt") == "b\n")
    }
}
