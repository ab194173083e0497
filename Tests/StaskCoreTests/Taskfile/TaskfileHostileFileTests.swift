import Glibc
import StaskTestSupport
import Testing

@testable import StaskCore
@testable import StaskPosix

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
        let watchdog = CaseWatchdog(cpuLimit: .seconds(5), wallLimit: .seconds(5))
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

    // MARK: - Hostile names

    static let hostileNames = [
        "src/a b.c", "src/it's.c", "src/new\nline.c", "src/ünï 😀.c", "src/$(rm -rf ~).c", "src/`reboot`.c",
        "src/\"q\".c", "src/back\\slash.c", "src/-rf.c", "src/*.c", "src/[x].c", "src/{{item}}.c",
    ]

    @Test func hostileFileNamesAreOneQuotedWordInCommands() throws {
        let graph = try TaskfileFixture.graph(
            """
            version: 1
            tasks:
              compile:
                foreach: "src/*.c"
                outputs: ["obj/{{stem}}.o"]
                run: cc -c {{item}} -o {{output}} # {{name}}
              link:
                inputs: ["obj/*.o"]
                outputs: ["bin/my app"]
                run: cc -o {{output}} {{inputs}}
            """, files: Self.hostileNames)
        let compile = graph.instances.filter { $0.taskName == "compile" }
        #expect(compile.map(\.items) == Self.hostileNames.sorted(by: ProjectPath.precedes).map { [$0] })
        for instance in compile {
            let item = instance.items[0]
            #expect(
                instance.commandGroups[0].commands == [
                    "cc -c \(Self.shellWord(item)) -o \(Self.shellWord(instance.outputs[0]))"
                ])
            #expect(
                Self.shellWords(instance.commandGroups[0].commands[0]) == ["cc", "-c", item, "-o", instance.outputs[0]])
        }
        let link = try #require(graph.instances.last)
        #expect(link.inputs.count == Self.hostileNames.count)
        let words = Self.shellWords(link.commandGroups[0].commands[0])
        #expect(words == ["cc", "-o", "bin/my app"] + link.inputs)
    }

    /// A path placeholder that would start with `-` is written `./-…`, so a file named `-rf` is never
    /// read as an option (`rm {{inputs}}` with a file `-rf` in the working directory).
    @Test func pathsStartingWithADashAreNotOptions() throws {
        let graph = try TaskfileFixture.graph(
            """
            version: 1
            tasks:
              each:
                foreach: "*.c"
                dir: sub
                run: cat {{item}} ../{{name}} && cd .. && cat {{item}}
              all:
                inputs: ["*.c"]
                outputs: ["-out"]
                run: rm {{inputs}} > {{output}}
            """, files: ["-rf.c", "a.c"])
        #expect(graph.instances[0].commandGroups[0].commands == ["cat ../-rf.c ../-rf.c && cd .. && cat ../-rf.c"])
        #expect(graph.instances[2].commandGroups[0].commands == ["rm ./-rf.c a.c > ./-out"])
    }

    /// The words of `command` as the shell reads them (a minimal reader for what ``ShellQuoting`` writes).
    static func shellWords(_ command: String) -> [String] {
        var words: [String] = []
        var word: String?
        var quoted = false
        var escaped = false
        for character in command {
            if escaped {
                word = (word ?? "") + String(character)
                escaped = false
            } else if quoted {
                if character == "'" { quoted = false } else { word!.append(character) }
            } else if character == "\\" {
                escaped = true
            } else if character == "'" {
                quoted = true
                word = word ?? ""
            } else if character == " " {
                if let finished = word { words.append(finished) }
                word = nil
            } else {
                word = (word ?? "") + String(character)
            }
        }
        if let word { words.append(word) }
        return words
    }

    static func shellWord(_ path: String) -> String {
        ShellQuoting.quoted(path.hasPrefix("-") ? "./" + path : path)
    }

    // MARK: - Outputs outside the project

    static let escapingOutputs: [(output: String, message: String?)] = [
        ("../x", "output '../x' of 'a' lies outside the project directory"),
        ("/etc/passwd", "output '/etc/passwd' of 'a' lies outside the project directory"),
        ("/p/../x", "output '/p/../x' of 'a' lies outside the project directory"),
        ("a/../../x", "output 'a/../../x' of 'a' lies outside the project directory"),
        ("build//..//../x", "output 'build//..//../x' of 'a' lies outside the project directory"),
        (".", "output '.' of 'a' lies outside the project directory"),
        ("/p", "output '/p' of 'a' lies outside the project directory"),
        ("/", "output '/' of 'a' lies outside the project directory"),
        ("./.stask/../.stask/x", "output '.stask/x' of 'a' lies in stask's state directory '.stask'"),
        ("/p/build/x", nil),
        ("build/./x/../y", nil),
        ("out/new\nline", nil),
    ]

    @Test(arguments: escapingOutputs)
    func outputsMustStayInsideTheProject(output: String, message: String?) throws {
        let yaml = "version: 1\ntasks:\n  a:\n    outputs: [\(Self.yamlQuoted(output))]\n    run: x\n"
        #expect(try TaskfileFixture.graphError(yaml)?.description == message.map { "Taskfile.yml:4:15: \($0)" })
    }

    @Test func itemOutsideTheProjectCannotNameAnOutput() throws {
        let yaml = """
            version: 1
            tasks:
              a:
                foreach: "../src/*.c"
                outputs: ["{{item}}.o", "obj/{{name}}.o"]
                run: cc -c {{item}} -o {{output}}
            """
        let fileSystem = InMemoryFileSystem(files: ["/p/Taskfile.yml": yaml, "/src/a.c": ""])
        let taskfile = try TaskfileFixture.parser(fileSystem).load()
        #expect(
            throws: TaskfileError.outsideProject(
                SourceLocation(file: "Taskfile.yml", line: 5, column: 15), instance: "a[../src/a.c]", key: "output",
                path: "../src/a.c.o")
        ) {
            try GraphBuilder(fileSystem: fileSystem).build(taskfile)
        }
    }

    @Test(arguments: ["..", "/", "/tmp", "sub/../.."])
    func dirMustStayInsideTheProject(dir: String) throws {
        let yaml = "version: 1\ntasks:\n  a:\n    dir: \(Self.yamlQuoted(dir))\n    run: x\n"
        #expect(
            try TaskfileFixture.graphError(yaml)?.description
                == "Taskfile.yml:4:10: dir '\(dir)' of 'a' lies outside the project directory")
    }

    static func yamlQuoted(_ text: String) -> String {
        "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"").replacing("\n", with: "\\n") + "\""
    }
}
