import Synchronization
import Testing

@testable import StaskCore

/// `.stask/taskfile.cache`: an unchanged Taskfile is decoded, not parsed again.
@Suite(.timeLimit(.minutes(1)))
struct BuildEngineTaskfileCacheTests {
    /// Writes `word` (by default the variable WORD, `hello`) to `out.txt`.
    static func taskfile(word: String = "{{WORD}}") -> String {
        """
        version: 1
        vars: {WORD: hello}
        tasks:
          greet:
            desc: Say it
            outputs: [out.txt]
            run: "write out.txt \(word)"
        """
    }
    static let cachePath = "/p/.stask/" + ParsedTaskfileCache.fileName

    struct Project {
        let memory = InMemoryFileSystem(files: ["/p/Taskfile": BuildEngineTaskfileCacheTests.taskfile()])
        let launcher: ScriptedLauncher
        let engine: BuildEngine

        init() {
            launcher = ScriptedLauncher(fileSystem: memory)
            engine = BuildEngine(
                fileSystem: memory, launcher: launcher, environment: [:], cpuCount: 2,
                acquireLock: { _, _, _ in {} })
        }

        func build(_ variables: [String: String] = [:]) async throws -> BuildSummary {
            var options = BuildOptions(directory: "/p")
            options.variables = variables
            return try await engine.run(options, reporter: RecordingReporter())
        }

        func output() throws -> String { String(decoding: try memory.readFile(atPath: "/p/out.txt"), as: UTF8.self) }

        func cacheBytes() -> [UInt8]? { try? memory.readFile(atPath: BuildEngineTaskfileCacheTests.cachePath) }

        /// The cache key of the Taskfile as it is now, for `variables`.
        func key(_ variables: [String: String] = [:]) throws -> ContentDigest {
            ParsedTaskfileCache.key(
                bytes: try memory.readFile(atPath: "/p/Taskfile"), path: "/p/Taskfile", workingDirectory: "/p",
                variableOverrides: variables, executableIdentity: engine.executableIdentity)
        }

        var cache: ParsedTaskfileCache { ParsedTaskfileCache(stateDirectory: "/p/.stask", fileSystem: memory) }
    }

    @Test("a parse is stored, under the lock, even when the graph it gives is wrong and the build stops")
    func storedWhenTheGraphFails() async throws {
        let project = Project()
        try project.memory.writeFile(
            atPath: "/p/Taskfile",
            contents: Array("version: 1\ntasks:\n  a:\n    inputs: [missing.txt]\n    run: write a.txt x\n".utf8))
        // Whether the cache was there when the lock was released.
        let storedBeforeRelease = Mutex<Bool?>(nil)
        let memory = project.memory
        var engine = project.engine
        engine.acquireLock = { _, _, _ in
            { storedBeforeRelease.withLock { $0 = (try? memory.readFile(atPath: Self.cachePath)) != nil } }
        }
        await #expect(throws: TaskfileError.self) {
            try await engine.run(BuildOptions(directory: "/p"), reporter: RecordingReporter())
        }
        #expect(storedBeforeRelease.withLock { $0 } == true)
        #expect(project.cache.taskfile(for: try project.key()) != nil)
    }

    @Test("the first build stores the parse; a later run decodes it instead of parsing")
    func storedThenUsed() async throws {
        let project = Project()
        #expect(try await project.build().isSuccess)
        #expect(project.cacheBytes() != nil)
        #expect(project.cache.taskfile(for: try project.key()) == (try TaskfileFixture.parser(project.memory).load()))

        // Proof that a hit is used: an entry stored under the current key, holding another command, is what
        // the next build runs.
        let other = try TaskfileParser(fileSystem: project.memory, workingDirectory: "/p").parse(
            contents: Array(Self.taskfile(word: "cached").utf8),
            path: "/p/Taskfile")
        project.cache.store(other, key: try project.key())
        #expect(try await project.build().isSuccess)
        #expect(try project.output() == "cached\n")
        #expect(try project.engine.list(BuildOptions(directory: "/p")).entries.map(\.name) == ["greet"])
    }

    @Test("an edited Taskfile or other variables are parsed afresh, and the entry replaced")
    func editsAndOverridesMiss() async throws {
        let project = Project()
        #expect(try await project.build().isSuccess)
        #expect(try project.output() == "hello\n")

        try project.memory.writeFile(
            atPath: "/p/Taskfile", contents: Array(Self.taskfile(word: "edited-{{WORD}}").utf8))
        #expect(try await project.build().isSuccess)
        #expect(try project.output() == "edited-hello\n")
        #expect(project.cache.taskfile(for: try project.key()) != nil)

        #expect(try await project.build(["WORD": "override"]).isSuccess)
        #expect(try project.output() == "edited-override\n")
        #expect(project.cache.taskfile(for: try project.key(["WORD": "override"])) != nil)
        #expect(project.cache.taskfile(for: try project.key()) == nil)
    }

    @Test("a damaged, truncated or foreign cache file is a miss: the Taskfile is parsed and the entry rewritten")
    func damagedCacheIsAMiss() async throws {
        let project = Project()
        #expect(try await project.build().isSuccess)
        let good = try #require(project.cacheBytes())
        var flipped = good
        flipped[good.count - 3] ^= 0x55
        for damaged in [flipped, Array(good.prefix(good.count / 2)), [], Array("not a cache".utf8)] {
            try project.memory.writeFile(atPath: Self.cachePath, contents: damaged)
            try project.memory.removeItem(atPath: "/p/out.txt")
            let summary = try await project.build()
            #expect(summary.isSuccess)
            #expect(try project.output() == "hello\n")
            #expect(project.cacheBytes() == good)
        }
    }

    @Test("reading a project writes nothing: list, explain and dry runs use the cache but never store it")
    func readingWritesNothing() async throws {
        let project = Project()
        #expect(try project.engine.list(BuildOptions(directory: "/p")).entries.count == 1)
        #expect(try project.memory.metadata(atPath: "/p/.stask") == nil)

        #expect(try await project.build().isSuccess)
        let stored = try #require(project.cacheBytes())
        try project.memory.removeItem(atPath: Self.cachePath)
        _ = try project.engine.list(BuildOptions(directory: "/p"))
        var target = BuildOptions(directory: "/p")
        target.targets = ["greet"]
        _ = try project.engine.explain(target)
        var dryRun = BuildOptions(directory: "/p")
        dryRun.dryRun = true
        #expect(try project.engine.dryRun(dryRun).isEmpty)
        #expect(project.cacheBytes() == nil)

        // A build stores it again; reading then decodes it.
        #expect(try await project.build().isSuccess)
        #expect(project.cacheBytes() == stored)
        #expect(try project.engine.list(BuildOptions(directory: "/p")).entries.map(\.name) == ["greet"])
    }

    @Test("the key changes with every input of a parse: bytes, path, working directory, overrides, stask")
    func keyCoversEveryInput() {
        let base = ParsedTaskfileCache.key(
            bytes: Array("version: 1".utf8), path: "/p/Taskfile", workingDirectory: "/p", variableOverrides: [:],
            executableIdentity: "1:2:3:4")
        let variants = [
            ParsedTaskfileCache.key(
                bytes: Array("version: 1 ".utf8), path: "/p/Taskfile", workingDirectory: "/p", variableOverrides: [:],
                executableIdentity: "1:2:3:4"),
            ParsedTaskfileCache.key(
                bytes: Array("version: 1".utf8), path: "/p/Taskfile.yml", workingDirectory: "/p",
                variableOverrides: [:], executableIdentity: "1:2:3:4"),
            ParsedTaskfileCache.key(
                bytes: Array("version: 1".utf8), path: "/p/Taskfile", workingDirectory: "/p/sub",
                variableOverrides: [:], executableIdentity: "1:2:3:4"),
            ParsedTaskfileCache.key(
                bytes: Array("version: 1".utf8), path: "/p/Taskfile", workingDirectory: "/p",
                variableOverrides: ["A": "1"], executableIdentity: "1:2:3:4"),
            ParsedTaskfileCache.key(
                bytes: Array("version: 1".utf8), path: "/p/Taskfile", workingDirectory: "/p", variableOverrides: [:],
                executableIdentity: "1:2:3:5"),
        ]
        for variant in variants { #expect(variant != base) }
        #expect(Set(variants).count == variants.count)
    }

    @Test("a Taskfile error is reported as before, and nothing is stored for it")
    func errorsAreNotCached() async throws {
        let project = Project()
        #expect(try await project.build().isSuccess)
        let stored = project.cacheBytes()
        try project.memory.writeFile(atPath: "/p/Taskfile", contents: Array("version: 1\ntasks:\n  x: [\n".utf8))
        await #expect(throws: TaskfileError.self) { try await project.build() }
        #expect(project.cacheBytes() == stored)
    }
}
