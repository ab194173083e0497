import Glibc
import Testing

@testable import StaskCore

/// Hostile file trees and file names: Taskfiles that are directories, FIFOs or link loops, globs over
/// symbolic-link loops, names with spaces, quotes, newlines, shell syntax and unicode, outputs that
/// escape the project. Real temporary directories where links and FIFOs matter.
@Suite(.timeLimit(.minutes(1))) struct TaskfileHostileFileTests {
    /// A scratch project on the real file system, with `files` (relative paths) created empty.
    static func project(_ taskfile: String?, files: [String] = []) throws -> ScratchDirectory {
        let directory = try ScratchDirectory()
        let fileSystem = LocalFileSystem()
        if let taskfile {
            try fileSystem.writeFile(atPath: directory.appending("Taskfile.yml"), contents: Array(taskfile.utf8))
        }
        for file in files { try fileSystem.writeFile(atPath: directory.appending(file), contents: []) }
        return directory
    }

    /// Loads `file` (or the Taskfile found) in `directory` and builds its graph, on a thread of its own
    /// with a 5 s limit: a FIFO or another endless read fails the test instead of stalling it.
    static func load(
        in directory: String, file: String? = nil
    ) async -> Result<BuildGraph, any Error>? {
        let watchdog = CaseWatchdog(limit: .seconds(5))
        let outcome = await watchdog.run { watchdog in
            watchdog.begin(0)
            defer { watchdog.end() }
            let fileSystem = LocalFileSystem()
            return Result { () throws -> BuildGraph in
                let taskfile = try TaskfileParser(fileSystem: fileSystem, workingDirectory: directory).load(file: file)
                return try GraphBuilder(fileSystem: fileSystem, options: .init(cpuCount: 8)).build(taskfile)
            }
        }
        switch outcome {
        case .finished(let result): return result
        case .overran: return nil
        }
    }

    static func message(_ result: Result<BuildGraph, any Error>?) -> String? {
        guard case .failure(let error)? = result else { return nil }
        return "\(error)"
    }

    // MARK: - The Taskfile itself

    @Test func taskfileThatIsADirectoryIsRefusedOrSkipped() async throws {
        let directory = try Self.project(nil)
        #expect(mkdir(directory.appending("Taskfile.yml"), 0o755) == 0)
        let message = Self.message(await Self.load(in: directory.path, file: "Taskfile.yml"))
        #expect(message == "Taskfile.yml: is a directory, not a Taskfile")
        #expect(mkdir(directory.appending("Taskfile"), 0o755) == 0)
        try LocalFileSystem().writeFile(
            atPath: directory.appending("Taskfile.yaml"), contents: Array("version: 1\n".utf8))
        let graph = try #require(try await Self.load(in: directory.path)?.get())
        #expect(graph.taskfile.displayPath == "Taskfile.yaml")
    }

    /// Hung (opening a FIFO without a writer blocks for ever): `stask -f fifo` and a FIFO named
    /// `Taskfile`. A Taskfile must be a regular file.
    @Test(arguments: ["Taskfile", "Taskfile.yml"])
    func taskfileThatIsAFIFOIsRefusedWithoutBlocking(name: String) async throws {
        let directory = try Self.project(nil)
        #expect(mkfifo(directory.appending(name), 0o644) == 0)
        let found = await Self.load(in: directory.path)
        #expect(
            Self.message(found)
                == "\(name): cannot read the Taskfile: '\(directory.appending(name))': expected a regular file")
        let named = await Self.load(in: directory.path, file: name)
        #expect(Self.message(named) == Self.message(found))
    }

    @Test func deviceAsTaskfileIsRefused() async throws {
        let directory = try Self.project(nil)
        let message = Self.message(await Self.load(in: directory.path, file: "/dev/zero"))
        #expect(message == "/dev/zero: cannot read the Taskfile: '/dev/zero': expected a regular file")
    }

    @Test func taskfileThatIsALinkLoopIsUnreadable() async throws {
        let directory = try Self.project(nil)
        #expect(symlink(directory.appending("Taskfile.yml"), directory.appending("Taskfile.yml")) == 0)
        let message = try #require(Self.message(await Self.load(in: directory.path)))
        #expect(message.hasPrefix("Taskfile.yml: cannot read the Taskfile: "))
    }

    @Test func emptyAndCommentOnlyFilesNeedAVersion() async throws {
        for (text, line) in [("", 1), ("# nothing here\n\n   # at all\n", 1), ("\u{FEFF}", 1), ("---\n...\n", 2)] {
            let directory = try Self.project(text)
            let message = Self.message(await Self.load(in: directory.path))
            #expect(message == "Taskfile.yml:\(line):1: missing 'version: 1' (stask reads Taskfile version 1)")
        }
    }

    // MARK: - Globs over link loops

    /// Found while writing this suite: a link loop (`x -> y`, `y -> x`) anywhere below a globbed
    /// directory failed the whole build ("stat failed (errno 40)"). Links that cannot be followed are
    /// now skipped like dangling ones; `**` never descends into linked directories, so `loop -> .`
    /// and `up -> ..` end.
    @Test func globsEndOnSymbolicLinkLoops() async throws {
        let directory = try Self.project(
            """
            version: 1
            tasks:
              all:
                foreach: "src/**/*.c"
                outputs: ["out/{{stem}}.o"]
                run: cc -c {{item}} -o {{output}}
              linked:
                inputs: ["src/*/*.c", "src/**"]
                outputs: [out/linked]
                run: cat {{inputs}} > {{output}}
            """, files: ["src/a.c", "src/deep/b.c"])
        for (target, link) in [
            (".", "src/loop"), ("..", "src/up"), ("y", "src/x"), ("x", "src/y"), ("nowhere", "src/dangling"),
        ] {
            #expect(symlink(target, directory.appending(link)) == 0)
        }
        let graph = try #require(try await Self.load(in: directory.path)?.get())
        #expect(graph.instances.map(\.id) == ["all[src/a.c]", "all[src/deep/b.c]", "linked"])
        #expect(graph.instances[2].inputs == ["src/deep/b.c", "src/loop/a.c", "src/a.c"])
    }

    @Test func plainInputThatIsALinkLoopIsMissing() async throws {
        let directory = try Self.project("version: 1\ntasks:\n  a:\n    inputs: [src/x]\n    run: cat {{input}}\n")
        #expect(mkdir(directory.appending("src"), 0o755) == 0)
        #expect(symlink("y", directory.appending("src/x")) == 0)
        #expect(symlink("x", directory.appending("src/y")) == 0)
        let message = Self.message(await Self.load(in: directory.path))
        #expect(message == "Taskfile.yml:4:14: input 'src/x' of 'a' does not exist and no task produces it")
    }
}
