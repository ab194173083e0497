import StaskCore
import Testing

/// `depfile:`: what a command says it read becomes the instance's discovered inputs.
@Suite(.timeLimit(.minutes(1)))
struct BuildEngineDepfileTests {
    /// Compiles `src/*.c` (a copy) and writes a depfile naming `inc/<stem>.h` and `inc/common.h`.
    static let taskfile = """
        version: 1
        tasks:
          compile:
            foreach: src/*.c
            inputs: ["{{item}}"]
            outputs: ["build/{{stem}}.o"]
            depfile: "build/{{stem}}.d"
            run:
              - concat {{output}} {{item}}
              - "write build/{{stem}}.d build/{{stem}}.o: {{item}} inc/{{stem}}.h inc/common.h /sys/stdio.h"
        """

    struct Project {
        let memory: InMemoryFileSystem
        let counting: ReadCountingFileSystem
        let launcher: ScriptedLauncher
        let engine: BuildEngine

        init(_ files: [String: String]) {
            var all: [String: String] = ["/sys/stdio.h": "int printf();\n"]
            for (path, text) in files { all["/p/" + path] = text }
            memory = InMemoryFileSystem(files: all)
            counting = ReadCountingFileSystem(base: memory)
            launcher = ScriptedLauncher(fileSystem: memory)
            engine = BuildEngine(
                fileSystem: counting, launcher: launcher, environment: [:], cpuCount: 2,
                acquireLock: { _, _, _ in {} })
        }

        init() {
            self.init([
                "Taskfile": BuildEngineDepfileTests.taskfile, "src/a.c": "a\n", "src/b.c": "b\n", "inc/a.h": "A\n",
                "inc/b.h": "B\n", "inc/common.h": "C\n",
            ])
        }

        func build() async throws -> (BuildSummary, RecordingReporter) {
            let reporter = RecordingReporter()
            let summary = try await engine.run(BuildOptions(directory: "/p"), reporter: reporter)
            return (summary, reporter)
        }

        /// The commands a build ran that wrote an object file, as `a`, `b`.
        func compiledStems() async throws -> [String] {
            launcher.clearCommands()
            let (summary, _) = try await build()
            #expect(summary.isSuccess)
            return launcher.commands.filter { $0.hasPrefix("concat") }.map { String($0.split(separator: " ")[2]) }
                .sorted()
        }

        func write(_ path: String, _ text: String) throws {
            try memory.writeFile(atPath: path.hasPrefix("/") ? path : "/p/" + path, contents: Array(text.utf8))
        }

        func explain(_ target: String) throws -> String {
            var options = BuildOptions(directory: "/p")
            options.targets = [target]
            return try engine.explain(options).first?.reason?.description ?? "up to date"
        }
    }

    @Test func aHeaderEditRerunsOnlyTheInstancesWhoseDepfileListsIt() async throws {
        let project = Project()
        #expect(try await project.compiledStems() == ["src/a.c", "src/b.c"])
        #expect(try await project.compiledStems() == [])
        try project.write("inc/a.h", "A2\n")
        #expect(try project.explain("compile[src/a.c]").hasPrefix("discovered input 'inc/a.h' changed"))
        #expect(try project.explain("compile[src/b.c]") == "up to date")
        #expect(try await project.compiledStems() == ["src/a.c"])
        try project.write("inc/common.h", "C2\n")
        #expect(try await project.compiledStems() == ["src/a.c", "src/b.c"])
        try project.write("/sys/stdio.h", "int printf(const char *);\n")
        #expect(try await project.compiledStems() == ["src/a.c", "src/b.c"])
        #expect(try await project.compiledStems() == [])
    }

    @Test func aVanishedDiscoveredInputRerunsAndIsNoError() async throws {
        let project = Project()
        _ = try await project.compiledStems()
        try project.memory.removeItem(atPath: "/p/inc/b.h")
        #expect(try project.explain("compile[src/b.c]") == "discovered input 'inc/b.h' no longer exists")
        #expect(try await project.compiledStems() == ["src/b.c"])
        // The depfile still names the missing header: it is left out, and the next build runs nothing.
        #expect(try await project.compiledStems() == [])
    }

    @Test func aTouchWithoutAContentChangeRunsNothing() async throws {
        let project = Project()
        _ = try await project.compiledStems()
        try project.write("inc/common.h", "C\n")
        #expect(try await project.compiledStems() == [])
    }

    @Test func eachDiscoveredFileIsExaminedOnceABuild() async throws {
        let project = Project()
        _ = try await project.compiledStems()
        let before = project.counting.examinations(of: "/p/inc/common.h")
        try project.write("src/a.c", "a2\n")
        try project.write("src/b.c", "b2\n")
        #expect(try await project.compiledStems() == ["src/a.c", "src/b.c"])
        // Listed by both instances, checked before they run and recorded after: still one examination.
        #expect(project.counting.examinations(of: "/p/inc/common.h") - before == 1)
        #expect(project.counting.examinations(of: "/sys/stdio.h") >= 1)
    }

    @Test func theGraphListsDiscoveredInputs() async throws {
        let project = Project()
        _ = try await project.compiledStems()
        let (graph, discovered) = try project.engine.graphWithDiscoveredInputs(BuildOptions(directory: "/p"))
        #expect(discovered("compile[src/a.c]") == ["/sys/stdio.h", "inc/a.h", "inc/common.h"])
        let json = try graph.jsonText(discoveredInputs: discovered)
        #expect(json.contains(#""depfile":"build/a.d","discovered_inputs":["/sys/stdio.h","inc/a.h","inc/common.h"]"#))
        #expect(json.contains(#"{"discovered":true,"path":"inc/a.h"}"#))
        #expect(
            try graph.dotText(discoveredInputs: discovered).contains(
                #""f:inc/a.h" -> "t:compile[src/a.c]" [style=dotted];"#))
    }

    @Test func aMissingDepfileFailsTheTaskAndRecordsNothing() async throws {
        let project = Project([
            "Taskfile": """
            version: 1
            tasks:
              compile:
                inputs: [a.c]
                outputs: [a.o]
                depfile: a.d
                run: concat a.o a.c
            """,
            "a.c": "a\n",
        ])
        let (summary, reporter) = try await project.build()
        #expect(summary.failed == ["compile"])
        #expect(reporter.failures.first?.description.contains("did not write its depfile 'a.d'") == true)
        #expect(try project.explain("compile") == "its last run failed" || project.explain("compile") == "never built")
    }

    @Test func aMalformedDepfileFailsWithItsLineAndColumn() async throws {
        let project = Project([
            "Taskfile": """
            version: 1
            tasks:
              compile:
                inputs: [a.c]
                outputs: [a.o]
                depfile: a.d
                run: [concat a.o a.c, write a.d no colon here]
            """,
            "a.c": "a\n",
        ])
        let (summary, reporter) = try await project.build()
        #expect(summary.failed == ["compile"])
        #expect(
            reporter.failures.first?.description == "a.d:1:1: malformed depfile: expected ':' after the target 'no'")
    }

    @Test func aDepfileLeftByAnEarlierRunIsNotTakenForThisRunsOwn() async throws {
        let project = Project([
            "Taskfile": """
            version: 1
            tasks:
              compile:
                inputs: [a.c]
                outputs: [a.o]
                depfile: a.d
                run: concat a.o a.c
            """,
            "a.c": "a\n", "a.d": "a.o: a.c\n",
        ])
        let (summary, _) = try await project.build()
        #expect(summary.failed == ["compile"])
    }

    @Test func aDiscoveredInputAnotherTaskProducesBecomesAnOrderingEdge() async throws {
        let project = Project([
            "Taskfile": """
            version: 1
            tasks:
              header:
                inputs: [gen.txt]
                outputs: [gen/config.h]
                run: concat gen/config.h gen.txt
              compile:
                inputs: [a.c]
                deps: []
                outputs: [a.o]
                depfile: a.d
                run: [concat a.o a.c, "write a.d a.o: a.c gen/config.h"]
            """,
            "a.c": "a\n", "gen.txt": "1\n",
        ])
        // The header first: nothing orders the two yet, and a file the depfile lists that does not exist when
        // the compile is recorded cannot have been read, so it is left out.
        let header = BuildOptions(directory: "/p", targets: ["header"])
        #expect(try await project.engine.run(header, reporter: RecordingReporter()).isSuccess)
        #expect(try await project.build().0.isSuccess)
        let graph = try project.engine.graph(BuildOptions(directory: "/p"))
        let compile = try #require(graph.index(of: "compile"))
        #expect(graph.dependencies(of: compile).map { graph.instances[$0].id } == ["header"])
        try project.write("gen.txt", "2\n")
        let (summary, _) = try await project.build()
        #expect(summary.built == 2)
    }

    @Test func aDiscoveredInputThatWouldCloseACycleOrdersNothing() async throws {
        let project = Project([
            "Taskfile": """
            version: 1
            tasks:
              first:
                inputs: [a.c]
                outputs: [x.h]
                depfile: a.d
                run: [concat x.h a.c, "write a.d x.h: a.c y.out"]
              second:
                inputs: [x.h]
                outputs: [y.out]
                run: concat y.out x.h
            """,
            "a.c": "a\n", "y.out": "stale\n",
        ])
        #expect(try await project.build().0.isSuccess)
        let graph = try project.engine.graph(BuildOptions(directory: "/p"))
        let second = try #require(graph.index(of: "second"))
        #expect(graph.dependencies(of: second).map { graph.instances[$0].id } == ["first"])
        #expect(try await project.build().0.isSuccess)
    }
}
