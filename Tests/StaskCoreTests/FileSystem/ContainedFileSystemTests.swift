import StaskCore
import Testing

/// Symbolic links in `InMemoryFileSystem`, the lexical containment walk, `ContainedFileSystem`, and what
/// the graph builder and the engine make of links that lead out of the project.
@Suite(.timeLimit(.minutes(1)))
struct ContainedFileSystemTests {
    /// `/p` a project with `real/` and a file, `/outside` a directory holding `precious`.
    static func fileSystem() throws -> InMemoryFileSystem {
        let fileSystem = InMemoryFileSystem(files: ["/p/real/file": "f", "/outside/precious": "precious"])
        try fileSystem.createSymbolicLink(atPath: "/p/in", destination: "real")
        try fileSystem.createSymbolicLink(atPath: "/p/in-absolute", destination: "/p/real")
        try fileSystem.createSymbolicLink(atPath: "/p/out", destination: "/outside")
        try fileSystem.createSymbolicLink(atPath: "/p/real/up", destination: "../..")
        try fileSystem.createSymbolicLink(atPath: "/p/chain", destination: "real/up/outside")
        return fileSystem
    }

    @Test func linksAreFollowedInTheMiddleAndAtTheEndOnlyWhenReading() throws {
        let fileSystem = try Self.fileSystem()
        #expect(try fileSystem.readFile(atPath: "/p/in/file") == Array("f".utf8))
        #expect(try fileSystem.metadata(atPath: "/p/out")?.kind == .directory)
        #expect(try fileSystem.linkMetadata(atPath: "/p/out")?.kind == .symbolicLink)
        #expect(try fileSystem.symbolicLinkDestination(atPath: "/p/out") == "/outside")
        #expect(try fileSystem.contentsOfDirectory(atPath: "/p/out") == ["precious"])
        try fileSystem.removeItem(atPath: "/p/out")
        #expect(try fileSystem.linkMetadata(atPath: "/p/out") == nil)
        #expect(try fileSystem.readFile(atPath: "/outside/precious") == Array("precious".utf8))
    }

    @Test(arguments: [
        ("/p/in", "/p/real"), ("/p/in-absolute/new/deeper", "/p/real/new/deeper"), ("/p/real", "/p/real"),
        ("/p/missing/a", "/p/missing/a"), ("/p", "/p"),
    ])
    func directoriesInsideResolveThere(directory: String, expected: String) throws {
        #expect(try Self.fileSystem().containedDirectory(directory, beneath: "/p") == expected)
    }

    @Test(arguments: [
        ("/p/out", "/p/out", "/outside"), ("/p/out/new", "/p/out", "/outside"),
        ("/p/real/up/x", "/p/real/up", "../.."), ("/p/chain", "/p/real/up", "../.."),
    ])
    func aLinkLeadingOutIsNamed(directory: String, link: String, destination: String) throws {
        #expect(
            throws: FileSystemError.leavesDirectory(path: directory, root: "/p", link: link, destination: destination)
        ) {
            try Self.fileSystem().containedDirectory(directory, beneath: "/p")
        }
    }

    @Test func writesBelowTheRootStayInsideAndOthersPassThrough() throws {
        let base = try Self.fileSystem()
        let contained = ContainedFileSystem(base: base, root: "/p")
        #expect(throws: FileSystemError.self) { try contained.writeFile(atPath: "/p/out/evil", contents: [1]) }
        #expect(throws: FileSystemError.self) { try contained.createDirectory(atPath: "/p/out/dir") }
        #expect(throws: FileSystemError.self) { try contained.removeItem(atPath: "/p/out/precious") }
        #expect(throws: FileSystemError.self) { _ = try contained.openForAppending(atPath: "/p/chain/precious") }
        #expect(try base.contentsOfDirectory(atPath: "/outside") == ["precious"])
        // A link that is itself the path is removed (or replaced), not followed.
        try contained.removeItem(atPath: "/p/out")
        #expect(try base.linkMetadata(atPath: "/p/out") == nil)
        try contained.writeFile(atPath: "/p/in/new", contents: [2])
        #expect(try base.readFile(atPath: "/p/real/new") == [2])
        // Outside the root (a trace file named on the command line) nothing is checked.
        try contained.writeFile(atPath: "/trace.json", contents: [3])
        #expect(try contained.readFile(atPath: "/outside/precious") == Array("precious".utf8))
    }

    // MARK: - Load time

    static let yaml = """
        version: 1
        tasks:
          a:
            outputs: ["out/a.o"]
            run: x
          b:
            outputs: ["in/b.o"]
            depfile: "out/b.d"
            run: x
        """

    @Test func anOutputOrDepfileThroughALinkOutIsALoadErrorNamingTheLink() throws {
        let fileSystem = try Self.fileSystem()
        try fileSystem.writeFile(atPath: "/p/Taskfile.yml", contents: Array(Self.yaml.utf8))
        let taskfile = try TaskfileFixture.parser(fileSystem).load()
        #expect(
            throws: TaskfileError.outsideProjectThroughLink(
                SourceLocation(file: "Taskfile.yml", line: 4, column: 15), instance: "a", key: "output",
                path: "out/a.o", link: "out", destination: "/outside")
        ) {
            try GraphBuilder(fileSystem: fileSystem).build(taskfile)
        }
        let onlyDepfile = Self.yaml.replacing("out/a.o", with: "in/a.o")
        try fileSystem.writeFile(atPath: "/p/Taskfile.yml", contents: Array(onlyDepfile.utf8))
        #expect(
            throws: TaskfileError.outsideProjectThroughLink(
                SourceLocation(file: "Taskfile.yml", line: 8, column: 14), instance: "b", key: "depfile",
                path: "out/b.d", link: "out", destination: "/outside")
        ) {
            try GraphBuilder(fileSystem: fileSystem).build(TaskfileFixture.parser(fileSystem).load())
        }
    }

    @Test func aStateDirectoryLinkingOutIsALoadError() throws {
        let fileSystem = try Self.fileSystem()
        try fileSystem.writeFile(atPath: "/p/Taskfile.yml", contents: Array("version: 1\ntasks:\n  a: {run: x}\n".utf8))
        try fileSystem.createSymbolicLink(atPath: "/p/.stask", destination: "/outside")
        let taskfile = try TaskfileFixture.parser(fileSystem).load()
        #expect(throws: TaskfileError.self) { try GraphBuilder(fileSystem: fileSystem).build(taskfile) }
    }

    // MARK: - Clean

    @Test func cleanRemovesAnOutputThatIsALinkButNothingThroughOne() async throws {
        let yaml = """
            version: 1
            tasks:
              link:
                outputs: [made-link]
                run: x
              plain:
                outputs: ["gen/out"]
                run: write {{output}} mine
            """
        let project = BuildEngineTests.Project(["Taskfile.yml": yaml])
        try project.fileSystem.writeFile(atPath: "/outside/out", contents: Array("theirs".utf8))
        let (summary, _) = try await project.build { $0.targets = ["plain"] }
        #expect(summary.isSuccess)
        try project.fileSystem.createSymbolicLink(atPath: "/p/made-link", destination: "/outside/out")
        let result = try await project.engine.clean(BuildOptions(directory: "/p"))
        #expect(result.removedOutputs == ["gen/out", "made-link"])
        #expect(try project.fileSystem.linkMetadata(atPath: "/p/made-link") == nil)
        #expect(try project.fileSystem.readFile(atPath: "/outside/out") == Array("theirs".utf8))

        // Built again, then `gen` swapped for a link out and the Taskfile no longer declaring through it: the
        // state still records `gen/out`, and its removal refuses.
        _ = try await project.build { $0.targets = ["plain"] }
        try project.write("Taskfile.yml", "version: 1\ntasks:\n  a: {run: x}\n")
        try project.fileSystem.removeItem(atPath: "/p/gen")
        try project.fileSystem.createSymbolicLink(atPath: "/p/gen", destination: "/outside")
        await #expect(throws: FileSystemError.self) {
            _ = try await project.engine.clean(BuildOptions(directory: "/p"))
        }
        #expect(try project.fileSystem.readFile(atPath: "/outside/out") == Array("theirs".utf8))
    }
}
