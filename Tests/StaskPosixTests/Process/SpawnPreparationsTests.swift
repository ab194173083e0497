import Synchronization
import Testing

@testable import StaskCore
@testable import StaskPosix

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct SpawnPreparationsTests {
    static func strings(_ prepared: PreparedEnvironment) -> [String] {
        var result: [String] = []
        var index = 0
        while let pointer = prepared.strings.pointers[index] {
            result.append(String(cString: pointer))
            index += 1
        }
        return result.sorted()
    }

    @Test func anEnvironmentIsPreparedOnceForItsWorkingDirectory() {
        let preparations = SpawnPreparations()
        let computed = Mutex(0)
        let environment = ["PATH": "/bin", "HOME": "/root"]
        func prepare(_ directory: String?) -> PreparedEnvironment {
            preparations.environment(environment, workingDirectory: directory) {
                computed.withLock { $0 += 1 }
                return directory ?? "?"
            }
        }
        let first = prepare("/a")
        #expect(prepare("/a") === first)
        // Equal contents in other storage are the same environment.
        var copy = environment
        copy["X"] = "1"
        copy["X"] = nil
        #expect(preparations.environment(copy, workingDirectory: "/a") { "unused" } === first)
        #expect(Self.strings(first) == ["HOME=/root", "PATH=/bin", "PWD=/a"])
        let other = prepare("/b")
        #expect(other !== first)
        #expect(Self.strings(other) == ["HOME=/root", "PATH=/bin", "PWD=/b"])
        // Without a working directory the environment is passed as is.
        #expect(Self.strings(prepare(nil)) == ["HOME=/root", "PATH=/bin"])
        #expect(computed.withLock { $0 } == 2)
    }

    @Test func aWorkingDirectoryThatCannotBeExaminedIsNotRemembered() {
        let preparations = SpawnPreparations()
        let answers = Mutex<[String?]>([nil, "/real/a"])
        let asked = Mutex(0)
        func prepare() -> PreparedEnvironment {
            preparations.environment(["A": "1"], workingDirectory: "/a") {
                asked.withLock { $0 += 1 }
                return answers.withLock { $0.removeFirst() }
            }
        }
        #expect(Self.strings(prepare()) == ["A=1", "PWD=/a"])
        let resolved = prepare()
        #expect(Self.strings(resolved) == ["A=1", "PWD=/real/a"])
        #expect(prepare() === resolved)
        #expect(asked.withLock { $0 } == 2)
    }

    @Test func aChangedEnvironmentIsNotMistakenForAPreparedOne() {
        let preparations = SpawnPreparations()
        let first = preparations.environment(["A": "1"], workingDirectory: nil) { "" }
        let second = preparations.environment(["A": "2"], workingDirectory: nil) { "" }
        #expect(first !== second)
        #expect(Self.strings(second) == ["A=2"])
    }

    @Test func onlyTheMostRecentlyUsedEnvironmentsAreKept() {
        let preparations = SpawnPreparations()
        let limit = SpawnPreparations.environmentLimit
        let kept = preparations.environment(["N": "0"], workingDirectory: nil) { "" }
        for index in 1...limit {
            _ = preparations.environment(["N": "\(index)"], workingDirectory: nil) { "" }
            // Using the first one keeps it at the front.
            #expect(preparations.environment(["N": "0"], workingDirectory: nil) { "" } === kept)
        }
        let evicted = preparations.environment(["N": "1"], workingDirectory: nil) { "" }
        #expect(Self.strings(evicted) == ["N=1"])
        for index in 2...(limit + 1) { _ = preparations.environment(["M": "\(index)"], workingDirectory: nil) { "" } }
        // Dropped from the list: a new entry, with the same contents.
        let rebuilt = preparations.environment(["N": "0"], workingDirectory: nil) { "" }
        #expect(rebuilt !== kept)
        #expect(Self.strings(rebuilt) == ["N=0"])
        // The caller's reference stays valid after eviction.
        #expect(Self.strings(kept) == ["N=0"])
    }

    @Test func fileActionsAreKeptPerDescriptorAndDirectory() {
        let preparations = SpawnPreparations()
        let first = preparations.fileActions(outputFD: 7, workingDirectory: "/a", closesFrom: true)
        #expect(preparations.fileActions(outputFD: 7, workingDirectory: "/a", closesFrom: true) === first)
        #expect(preparations.fileActions(outputFD: 8, workingDirectory: "/a", closesFrom: true) !== first)
        #expect(preparations.fileActions(outputFD: 7, workingDirectory: "/b", closesFrom: true) !== first)
        #expect(preparations.fileActions(outputFD: 7, workingDirectory: nil, closesFrom: true) !== first)
        #expect(preparations.fileActions(outputFD: 7, workingDirectory: "/a", closesFrom: false) !== first)
    }
}

@Suite(.timeLimit(.minutes(1)))
struct ProgramLookupTests {
    static func writeScript(_ path: String, printing word: String) throws {
        try LocalFileSystem().writeFile(atPath: path, contents: Array("#!/bin/sh\necho \(word)\n".utf8))
        try #require(chmod(path, 0o755) == 0)
    }

    @Test func lookupFollowsTheShellsRules() throws {
        let directory = try ExecutionTestSupport.makeDirectory()
        defer { ExecutionTestSupport.removeDirectory(directory) }
        try LocalFileSystem().createDirectory(atPath: directory + "/bin")
        try Self.writeScript(directory + "/bin/tool", printing: "one")
        try LocalFileSystem().writeFile(atPath: directory + "/plain", contents: [1])
        let resolve = ProcessSpawner.resolve
        #expect(resolve("tool", "/nonexistent:\(directory)/bin", "/") == directory + "/bin/tool")
        #expect(resolve("tool", "/nonexistent:bin", directory) == directory + "/bin/tool")  // relative entry
        #expect(resolve("tool", "bin:", directory) == directory + "/bin/tool")
        #expect(resolve("plain", ":", directory) == nil)  // not executable
        #expect(resolve("bin", "", directory) == nil)  // a directory
        #expect(resolve("tool", "", directory + "/bin") == directory + "/bin/./tool")  // empty PATH: "."
        #expect(resolve("./x", "", "/") == "./x")
        #expect(resolve("tool", "/nonexistent", directory) == nil)
    }

    @Test func withStasksOwnPATHTheChildLooksTheProgramUpAndAMissingOneGoesToTheShell() async throws {
        let ownPath = try #require(ProcessSpawner.ownSearchPath)
        let launcher = PosixProcessLauncher()
        let environment = ["PATH": ownPath, "MARK": "direct"]
        let found = ProcessSpec.command("env", environment: environment, workingDirectory: "/")
        #expect(found.isDirectExec)
        let output = String(decoding: try await launcher.run(found).output, as: UTF8.self)
        #expect(output.split(separator: "\n").contains("MARK=direct"))
        #expect(output.split(separator: "\n").contains("PWD=/"))
        let missing = ProcessSpec.command(
            "stask-no-such-program-here", environment: environment, workingDirectory: "/")
        #expect(missing.isDirectExec)
        let result = try await launcher.run(missing)
        #expect(result.termination == .exited(127))
        #expect(String(decoding: result.output, as: UTF8.self).contains("not found"))
    }

    @Test func aProgramIsLookedUpAfreshForEveryCommandAsTheShellDoes() async throws {
        let first = try ExecutionTestSupport.makeDirectory()
        let second = try ExecutionTestSupport.makeDirectory()
        defer {
            ExecutionTestSupport.removeDirectory(first)
            ExecutionTestSupport.removeDirectory(second)
        }
        try Self.writeScript(second + "/tool", printing: "two")
        let launcher = PosixProcessLauncher()
        let environment = ["PATH": "\(first):\(second):/usr/bin:/bin"]
        func run() async throws -> String {
            let spec = ProcessSpec.command("tool", environment: environment, workingDirectory: "/")
            #expect(spec.isDirectExec)
            return String(decoding: try await launcher.run(spec).output, as: UTF8.self)
        }
        #expect(try await run() == "two\n")
        // A program created in an earlier PATH directory (as a build step may) is the one run next.
        try Self.writeScript(first + "/tool", printing: "one")
        #expect(try await run() == "one\n")
        try LocalFileSystem().removeItem(atPath: first + "/tool")
        #expect(try await run() == "two\n")
    }
}
