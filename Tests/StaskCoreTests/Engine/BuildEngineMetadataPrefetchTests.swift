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

    @Test("a file changed right after the batch examined it is found changed by the next build")
    func aChangeAfterTheBatchIsSeenNext() async throws {
        let project = Project()
        _ = try await project.build()
        // The second build checks everything from the batch; out/c.txt changes right after it.
        let memory = project.memory
        project.counting.onceAfterNextBatch {
            try? memory.writeFile(atPath: "/p/out/c.txt", contents: Array("tampered\n".utf8))
        }
        _ = try await project.build()
        #expect(try await project.build() == ["concat out/c.txt src/c.txt"])
        #expect(try project.text("out/c.txt") == "c\n")
        #expect(try await project.build().isEmpty)
    }

    @Test("an output that vanished since the last build is built again")
    func aVanishedOutputIsBuiltAgain() async throws {
        let project = Project()
        _ = try await project.build()
        try project.memory.removeItem(atPath: "/p/out/b.txt")
        #expect(try await project.build() == ["concat out/b.txt src/b.txt"])
        #expect(try project.text("out/b.txt") == "b\n")
    }
}
