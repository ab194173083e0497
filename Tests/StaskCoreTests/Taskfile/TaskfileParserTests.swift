import AsyncStreams
import Testing

@testable import StaskCore

@Suite struct TaskfileParserTests {
    // MARK: - Locating

    @Test func locatesTaskfileBeforeYmlBeforeYaml() throws {
        let fs = InMemoryFileSystem(files: [
            "/p/Taskfile.yaml": "version: 1", "/p/Taskfile.yml": "version: 1", "/q/Taskfile.yaml": "version: 1",
            "/r/Taskfile": "version: 1", "/r/Taskfile.yml": "version: 1",
        ])
        let parser = TaskfileParser(fileSystem: fs, workingDirectory: "/")
        #expect(try parser.locate(in: "/p") == "/p/Taskfile.yml")
        #expect(try parser.locate(in: "/q") == "/q/Taskfile.yaml")
        #expect(try parser.locate(in: "/r") == "/r/Taskfile")
    }

    @Test func missingTaskfileNamesTheDirectory() throws {
        let fs = InMemoryFileSystem(files: ["/p/other.yml": "x"])
        let parser = TaskfileParser(fileSystem: fs, workingDirectory: "/p")
        #expect(throws: TaskfileError.noTaskfile(directory: ".")) { try parser.load() }
        #expect(
            TaskfileError.noTaskfile(directory: ".").description
                == ".: no Taskfile found (looked for 'Taskfile', 'Taskfile.yml', 'Taskfile.yaml')")
    }

    @Test func explicitPathIsRelativeToWorkingDirectory() throws {
        let fs = InMemoryFileSystem(files: ["/p/ci/build.yml": "version: 1\ntasks: {a: {run: x}}"])
        let parser = TaskfileParser(fileSystem: fs, workingDirectory: "/p")
        let taskfile = try parser.load(file: "ci/build.yml")
        #expect(taskfile.path == "/p/ci/build.yml")
        #expect(taskfile.displayPath == "ci/build.yml")
        #expect(taskfile.directory == "/p/ci")
        #expect(taskfile.tasks.map(\.name) == ["a"])
    }

    @Test func explicitPathErrors() throws {
        let fs = InMemoryFileSystem(files: ["/p/dir/x": ""])
        let parser = TaskfileParser(fileSystem: fs, workingDirectory: "/p")
        #expect(throws: TaskfileError.fileNotFound(path: "nope.yml")) { try parser.load(file: "nope.yml") }
        #expect(throws: TaskfileError.isDirectory(path: "dir")) { try parser.load(file: "dir") }
        #expect(TaskfileError.isDirectory(path: "dir").description == "dir: is a directory, not a Taskfile")
    }

    @Test func fileOutsideWorkingDirectoryIsShownAbsolute() throws {
        let fs = InMemoryFileSystem(files: ["/q/Taskfile.yml": "version: 2"])
        let parser = TaskfileParser(fileSystem: fs, workingDirectory: "/p")
        #expect(
            throws: TaskfileError.unsupportedVersion(
                SourceLocation(file: "/q/Taskfile.yml", line: 1, column: 10), found: "2", isGoTask: true)
        ) { try parser.load(in: "/q") }
    }

    // MARK: - The example

    @Test func readsTheDesignExample() throws {
        let taskfile = try TaskfileFixture.parse(TaskfileFixture.example)
        #expect(taskfile.version == 1)
        #expect(taskfile.vars.map(\.name) == ["CC", "CFLAGS"])
        #expect(taskfile.vars.map(\.value) == ["cc", "-O2 -Wall"])
        #expect(taskfile.vars[0].location == SourceLocation(file: "Taskfile.yml", line: 3, column: 3))
        #expect(taskfile.env.map(\.name) == ["LC_ALL"])
        #expect(taskfile.budget == ["cpu": 8, "io": 4])
        #expect(taskfile.defaultTargets.map(\.value) == ["app"])
        #expect(taskfile.tasks.map(\.name) == ["compile", "app", "test"])

        let compile = try #require(taskfile.task(named: "compile"))
        #expect(compile.location == SourceLocation(file: "Taskfile.yml", line: 13, column: 3))
        #expect(compile.desc == "Compile one C file")
        #expect(compile.foreach?.map(\.text) == ["src/*.c"])
        #expect(compile.inputs.map(\.text) == ["{{item}}", "include/*.h"])
        #expect(compile.outputs.map(\.text) == ["build/{{stem}}.o"])
        #expect(compile.run.count == 1)
        #expect(compile.cost == ["cpu": 1, "io": 1])
        #expect(compile.keyLocations[.run] == SourceLocation(file: "Taskfile.yml", line: 18, column: 5))
        #expect(compile.valueLocations[.run] == SourceLocation(file: "Taskfile.yml", line: 18, column: 10))

        let test = try #require(taskfile.task(named: "test"))
        #expect(test.deps.map(\.value) == ["app"])
        #expect(test.shards == 4)
        #expect(test.retry == RetryPolicy(attempts: 3, backoff: .milliseconds(200), maxBackoff: .seconds(5)))
        #expect(test.timeout == .seconds(120))
        #expect(test.always == false)
        #expect(test.cost == nil)
    }

    @Test func placeholderLocationsPointIntoTheString() throws {
        let taskfile = try TaskfileFixture.parse(TaskfileFixture.example)
        let run = try #require(taskfile.task(named: "compile")?.run.first)
        let locations = run.placeholders.map { "\($0.placeholder)@\($0.location.line):\($0.location.column)" }
        #expect(locations == ["{{CC}}@18:11", "{{CFLAGS}}@18:18", "{{item}}@18:42", "{{output}}@18:54"])
    }

    // MARK: - YAML variants

    struct Variant: Sendable, CustomTestStringConvertible {
        let name: String
        let yaml: String
        let run: [String]
        let inputs: [String]
        var testDescription: String { name }
    }

    static let variants: [Variant] = [
        Variant(
            name: "block mapping, string run", yaml: "t:\n    run: make\n    inputs: a.c", run: ["make"],
            inputs: ["a.c"]),
        Variant(
            name: "flow mapping", yaml: "t: {run: make, inputs: [a.c, b.c]}", run: ["make"], inputs: ["a.c", "b.c"]),
        Variant(name: "run list", yaml: "t:\n    run:\n      - one\n      - two", run: ["one", "two"], inputs: []),
        Variant(
            name: "literal block", yaml: "t:\n    run: |\n      echo a\n      echo b", run: ["echo a\necho b\n"],
            inputs: []),
        Variant(name: "folded block", yaml: "t:\n    run: >-\n      cc\n      -c x.c", run: ["cc -c x.c"], inputs: []),
        Variant(name: "quoted keys", yaml: "\"t\":\n    'run': \"make\"", run: ["make"], inputs: []),
        Variant(name: "null task", yaml: "t:", run: [], inputs: []),
        Variant(name: "null inputs", yaml: "t:\n    inputs:\n    run: x", run: ["x"], inputs: []),
        Variant(name: "number as command", yaml: "t: {run: 42}", run: ["42"], inputs: []),
        Variant(
            name: "merge key", yaml: "t: &base\n    run: x\n    inputs: [a]\n  u:\n    <<: *base\n    run: y",
            run: ["x"], inputs: ["a"]),
        Variant(
            name: "anchors and aliases", yaml: "t:\n    inputs: &in [a, b]\n    run: *in", run: ["a", "b"],
            inputs: ["a", "b"]),
    ]

    @Test(arguments: variants) func readsYAMLVariant(_ variant: Variant) throws {
        let taskfile = try TaskfileFixture.parse("version: 1\ntasks:\n  \(variant.yaml)\n")
        let task = try #require(taskfile.tasks.first)
        #expect(task.name == "t")
        #expect(task.run.map(\.text) == variant.run)
        #expect(task.inputs.map(\.text) == variant.inputs)
    }

    @Test func mergeKeyLetsExplicitKeysWin() throws {
        let taskfile = try TaskfileFixture.parse(
            "version: 1\ntasks:\n  t: &base\n    run: x\n    inputs: [a]\n  u:\n    <<: *base\n    run: y\n")
        let u = try #require(taskfile.task(named: "u"))
        #expect(u.run.map(\.text) == ["y"])
        #expect(u.inputs.map(\.text) == ["a"])
    }

    @Test func readsTheRemoteSectionAndEachTasksRemoteKey() throws {
        let taskfile = try TaskfileFixture.parse(
            """
            version: 1
            remote:
              executor: grpc://cluster.local:8980/main
              instance: ci
              jobs: 32
            tasks:
              a: {run: x}
              b: {run: y, remote: false}
            """)
        let remote = try #require(taskfile.remote)
        #expect(remote.executor.value == (try RemoteCacheEndpoint(parsing: "grpc://cluster.local:8980/main")))
        #expect(remote.executor.location.line == 3 && remote.executor.location.column == 13)
        #expect(remote.instance == "ci" && remote.jobs == 32)
        #expect(taskfile.task(named: "a")?.remote == true)
        #expect(taskfile.task(named: "b")?.remote == false)
        #expect(try TaskfileFixture.parse("version: 1\n").remote == nil)
    }

    @Test func readsTheRemoteCacheURLWithItsLocation() throws {
        let taskfile = try TaskfileFixture.parse("version: 1\nremote_cache: http://cache.local:9090/team\n")
        let remoteCache = try #require(taskfile.remoteCache)
        #expect(remoteCache.value == (try RemoteCacheEndpoint(parsing: "http://cache.local:9090/team")))
        #expect(remoteCache.location.line == 2 && remoteCache.location.column == 15)
        #expect(try TaskfileFixture.parse("version: 1\n").remoteCache == nil)
    }

    @Test(arguments: ["1", "'1'", "\"1\""]) func acceptsVersionOneInAnyQuoting(_ version: String) throws {
        #expect(try TaskfileFixture.parse("version: \(version)\n").version == 1)
    }

    @Test func acceptsByteOrderMarkAndEmptyTasks() throws {
        let fs = InMemoryFileSystem()
        try fs.writeFile(atPath: "/p/Taskfile", contents: [0xEF, 0xBB, 0xBF] + Array("version: 1\n".utf8))
        let taskfile = try TaskfileFixture.parser(fs).load()
        #expect(taskfile.tasks.isEmpty)
        #expect(taskfile.displayPath == "Taskfile")
    }

    // MARK: - Values

    @Test func readsEveryTaskKey() throws {
        let taskfile = try TaskfileFixture.parse(
            """
            version: 1
            tasks:
              t:
                desc: Everything
                inputs: in
                outputs: [out]
                deps: u
                run: [a, b]
                foreach: ["*.c", "*.h"]
                shards: 2
                cost: {cpu: 0.5, gpu: 1, mem_gb: 2}
                priority: -3.5
                retry: 4
                timeout: 1m30s
                dir: sub
                env: {A: "1", B: ~, C: yes}
                always: yes
                depfile: "deps/t-{{shard}}.d"
                jobserver: fifo
                remote: no
                remote_inputs: ["include/*.h"]
              u:

            """)
        let t = try #require(taskfile.task(named: "t"))
        #expect(t.desc == "Everything")
        #expect(t.inputs.map(\.text) == ["in"])
        #expect(t.deps.map(\.value) == ["u"])
        #expect(t.foreach?.map(\.text) == ["*.c", "*.h"])
        #expect(t.shards == 2)
        #expect(t.cost == ["cpu": 0.5, "gpu": 1, "mem_gb": 2])
        #expect(t.costLocations["gpu"] == SourceLocation(file: "Taskfile.yml", line: 11, column: 27))
        #expect(t.priority == -3.5)
        #expect(t.retry == RetryPolicy(attempts: 4))
        #expect(t.timeout == .seconds(90))
        #expect(t.dir?.text == "sub")
        #expect(t.env.map(\.name) == ["A", "B", "C"])
        #expect(t.env.map(\.value.text) == ["1", "", "yes"])
        #expect(t.always)
        #expect(t.depfile?.text == "deps/t-{{shard}}.d")
        #expect(t.jobserver == .fifo)
        #expect(!t.remote)
        #expect(t.remoteInputs == ["include/*.h"])
        #expect(Set(t.keyLocations.keys) == Set(TaskDefinition.Key.allCases))
    }

    @Test func retryMappingDefaults() throws {
        let taskfile = try TaskfileFixture.parse("version: 1\ntasks:\n  t: {retry: {attempts: 2, backoff: 1s}}\n")
        #expect(taskfile.tasks[0].retry == RetryPolicy(attempts: 2, backoff: .seconds(1), maxBackoff: .seconds(10)))
        let long = try TaskfileFixture.parse("version: 1\ntasks:\n  t: {retry: {attempts: 2, backoff: 20s}}\n")
        #expect(long.tasks[0].retry.maxBackoff == .seconds(20))
    }

    // MARK: - Vars

    @Test func varsReferenceVarsAndKeepFileOrder() throws {
        let taskfile = try TaskfileFixture.parse(
            "version: 1\nvars:\n  FLAGS: \"{{OPT}} -Wall\"\n  OPT: -O2\n  EMPTY:\n")
        #expect(taskfile.vars.map(\.name) == ["FLAGS", "OPT", "EMPTY"])
        #expect(taskfile.variableValues == ["FLAGS": "-O2 -Wall", "OPT": "-O2", "EMPTY": ""])
        #expect(taskfile.vars.allSatisfy { $0.origin == .taskfile })
    }

    @Test func commandLineOverridesReplaceAndDefineVars() throws {
        let taskfile = try TaskfileFixture.parse(
            "version: 1\nvars:\n  FLAGS: \"{{OPT}} -Wall\"\n  OPT: -O2\n",
            overrides: ["OPT": "-O0 {{X}}", "NEW": "1"])
        #expect(taskfile.vars.map(\.name) == ["FLAGS", "OPT", "NEW"])
        #expect(taskfile.variableValues == ["FLAGS": "-O0 {{X}} -Wall", "OPT": "-O0 {{X}}", "NEW": "1"])
        #expect(taskfile.vars.map(\.origin) == [.taskfile, .commandLine, .commandLine])
        #expect(taskfile.vars[2].location == nil)
    }

    @Test func overrideMakesAnUnknownPlaceholderKnown() throws {
        let yaml = "version: 1\ntasks:\n  t: {run: \"echo {{MODE}}\"}\n"
        #expect(TaskfileFixture.parseError(yaml) != nil)
        #expect(try TaskfileFixture.parse(yaml, overrides: ["MODE": "fast"]).tasks.count == 1)
    }

    @Test(arguments: [
        ("A=b", "A", "b"), ("A=", "A", ""), ("A=b=c", "A", "b=c"), ("_x1=y z", "_x1", "y z"),
    ])
    func splitsVariableOverrides(_ argument: String, _ name: String, _ value: String) {
        let override = TaskfileParser.variableOverride(from: argument)
        #expect(override?.name == name)
        #expect(override?.value == value)
    }

    @Test(arguments: ["app", "build/app", "=x", "1A=x", "a-b=c", "compile[src/a=b.c]"])
    func argumentsThatAreNotOverrides(_ argument: String) {
        #expect(TaskfileParser.variableOverride(from: argument) == nil)
    }
}
