import StaskCore
import Testing

/// The engine's use of a remote cache, with an in-memory cache shared by two checkouts (`/p` and `/q`)
/// of one project in one in-memory file system.
@Suite(.timeLimit(.minutes(1)))
struct BuildEngineRemoteCacheTests {
    static let url = "http://cache.test:9090"

    let fileSystem: InMemoryFileSystem
    let launcher: ScriptedLauncher
    let factory: RemoteCacheFactory
    let engine: BuildEngine

    init(taskfile: String = BuildEngineTests.chain, environment: [String: String] = [:]) {
        var files: [String: String] = [:]
        for root in ["/p", "/q"] {
            files[root + "/Taskfile"] = taskfile
            files[root + "/src/a.c"] = "# a\nint a;\n"
            files[root + "/src/b.c"] = "# b\nint b;\n"
            files[root + "/guide.md"] = "guide\n"
        }
        fileSystem = InMemoryFileSystem(files: files)
        launcher = ScriptedLauncher(fileSystem: fileSystem)
        factory = RemoteCacheFactory(fileSystem: fileSystem)
        engine = BuildEngine(
            fileSystem: fileSystem, launcher: launcher, environment: environment, cpuCount: 2,
            acquireLock: { _, _, _ in {} }, makeRemoteCache: factory.maker)
    }

    private func build(
        _ directory: String, _ configure: (inout BuildOptions) -> Void = { _ in }
    ) async throws -> (BuildSummary, RecordingReporter, commands: [String]) {
        var options = BuildOptions(directory: directory)
        options.remoteCache = .server(try RemoteCacheEndpoint(parsing: Self.url))
        configure(&options)
        launcher.clearCommands()
        let reporter = RecordingReporter()
        let summary = try await engine.run(options, reporter: reporter)
        return (summary, reporter, launcher.commands)
    }

    private func read(_ path: String) throws -> [UInt8] {
        try fileSystem.readFile(atPath: path)
    }

    @Test func aSecondCheckoutRestoresEverythingAndRunsNothing() async throws {
        let (first, _, firstCommands) = try await build("/p")
        #expect(first.built == 4 && firstCommands.count == 4)
        #expect(factory.cache.stores.sorted() == ["docs", "link", "strip[src/a.c]", "strip[src/b.c]"])

        let (second, reporter, commands) = try await build("/q")
        #expect(commands.isEmpty)
        #expect(second.restored == 4 && second.built == 0 && second.isSuccess)
        #expect(second.remoteCache?.hits == 4)
        for output in ["build/a.o", "build/b.o", "build/app", "build/guide"] {
            #expect(try read("/q/" + output) == read("/p/" + output), "\(output)")
        }
        #expect(
            reporter.events.contains { event in
                if case .finished("link", .restored, _, _) = event { return true }
                return false
            })
        // Restored tasks are not uploaded again.
        #expect(factory.cache.stores.count == 4)

        // Recorded as up to date: the next build neither runs nor looks anything up.
        let lookups = factory.cache.lookups.count
        let (third, _, thirdCommands) = try await build("/q")
        #expect(thirdCommands.isEmpty && third.upToDate == 4 && third.restored == 0)
        #expect(factory.cache.lookups.count == lookups)
        #expect(third.remoteCache == nil)
    }

    @Test func aMissRunsTheTaskAndAnEditedInputMissesAgain() async throws {
        _ = try await build("/p")
        try fileSystem.writeFile(atPath: "/q/src/a.c", contents: Array("# a\nint a = 2;\n".utf8))
        let (summary, _, commands) = try await build("/q")
        // strip[src/a.c] and link changed keys; strip[src/b.c] and docs came from the cache.
        #expect(commands == ["strip src/a.c build/a.o", "concat build/app build/a.o build/b.o"])
        #expect(summary.built == 2 && summary.restored == 2)
    }

    @Test func readOnlyBuildsUploadNothing() async throws {
        let (summary, _, _) = try await build("/p") { $0.isRemoteCacheUploadEnabled = false }
        #expect(summary.built == 4)
        #expect(factory.cache.stores.isEmpty)
        #expect(factory.configurations.first?.isUploadEnabled == false)
    }

    @Test func failedTasksAreNeverUploaded() async throws {
        let suite = BuildEngineRemoteCacheTests(
            taskfile: """
                version: 1
                tasks:
                  good:
                    outputs: [out/good]
                    run: write out/good fine
                  bad:
                    outputs: [out/bad]
                    run: fail 3
                """)
        let (summary, _, _) = try await suite.build("/p") { $0.keepGoing = true }
        #expect(summary.failed == ["bad"])
        #expect(suite.factory.cache.stores == ["good"])
    }

    @Test func alwaysTasksNeitherRestoreNorUpload() async throws {
        let suite = BuildEngineRemoteCacheTests(
            taskfile: """
                version: 1
                tasks:
                  stamp:
                    outputs: [out/stamp]
                    always: true
                    run: write out/stamp now
                """)
        _ = try await suite.build("/p")
        let (_, _, commands) = try await suite.build("/q")
        #expect(commands == ["write out/stamp now"])
        #expect(suite.factory.cache.lookups.isEmpty && suite.factory.cache.stores.isEmpty)
    }

    @Test func theCommandLineOverridesTheTaskfilesCache() async throws {
        let suite = BuildEngineRemoteCacheTests(
            taskfile: BuildEngineTests.chain.replacing(
                "version: 1\n", with: "version: 1\nremote_cache: http://from-taskfile:1\n"),
            environment: [RemoteCacheCredentials.tokenVariable: "t0k"])
        _ = try await suite.build("/p") { $0.remoteCache = .fromTaskfile }
        #expect(suite.factory.configurations.map(\.endpoint.host) == ["from-taskfile"])
        #expect(suite.factory.configurations.first?.credentials == .bearer(token: "t0k"))

        try suite.fileSystem.writeFile(atPath: "/p/src/a.c", contents: Array("int a = 3;\n".utf8))
        _ = try await suite.build("/p")
        #expect(suite.factory.configurations.map(\.endpoint.host) == ["from-taskfile", "cache.test"])

        try suite.fileSystem.writeFile(atPath: "/p/src/a.c", contents: Array("int a = 4;\n".utf8))
        let (summary, _, _) = try await suite.build("/p") { $0.remoteCache = .off }
        #expect(suite.factory.configurations.count == 2)
        #expect(summary.remoteCache == nil)
    }

    @Test func aNoOpBuildCreatesNoCache() async throws {
        _ = try await build("/p")
        _ = try await build("/p")
        #expect(factory.configurations.count == 1)
    }
}
