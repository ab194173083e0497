import Testing

@testable import StaskCore

@Suite struct BuildGraphTests {
    private typealias Fixture = TaskfileFixture

    private static func exampleGraph(defaultTargets: Bool = true) throws -> BuildGraph {
        var yaml = Fixture.example
        if !defaultTargets { yaml = yaml.replacing("default: [app]", with: "") }
        return try Fixture.graph(yaml, files: Fixture.exampleFiles)
    }

    private static let compiles = ["compile[src/a.c]", "compile[src/b.c]", "compile[src/main.c]"]

    @Test func taskNameSelectsAllItsInstancesAndTheirDependencies() throws {
        let graph = try Self.exampleGraph()
        #expect(try graph.select(targets: ["compile"]) == Self.compiles)
        #expect(try graph.select(targets: ["app"]) == Self.compiles + ["app"])
        #expect(try graph.select(targets: ["test"]) == graph.instances.map(\.id))
    }

    @Test func instanceIDSelectsOneInstance() throws {
        let graph = try Self.exampleGraph()
        #expect(try graph.select(targets: ["compile[src/b.c]"]) == ["compile[src/b.c]"])
        #expect(try graph.select(targets: ["compile[./src/b.c]"]) == ["compile[src/b.c]"])
        #expect(try graph.select(targets: ["test[shard 2/4]"]) == Self.compiles + ["app", "test[shard 2/4]"])
    }

    @Test(arguments: ["build/a.o", "./build/a.o", "build//a.o", "/p/build/a.o"])
    func outputPathSelectsItsProducer(_ target: String) throws {
        #expect(try Self.exampleGraph().select(targets: [target]) == ["compile[src/a.c]"])
    }

    @Test func noTargetMeansDefaultThenEverything() throws {
        #expect(try Self.exampleGraph().select(targets: []) == Self.compiles + ["app"])
        let all = try Self.exampleGraph(defaultTargets: false)
        #expect(try all.select(targets: []) == all.instances.map(\.id))
    }

    @Test func selectionIsInGraphOrderWithoutDuplicates() throws {
        let graph = try Self.exampleGraph()
        #expect(try graph.select(targets: ["app", "compile[src/a.c]", "compile"]) == Self.compiles + ["app"])
        #expect(try graph.selectIndices(targets: ["app"]) == [0, 1, 2, 3])
    }

    @Test(arguments: [
        ("compil", "compile"), ("ap", "app"), ("compile[src/c.c]", "compile[src/a.c]"),
        ("build/a.0", "build/a.o"), ("nothing-like-it", nil),
    ])
    func unknownTargetSuggestsTheClosest(_ target: String, _ suggestion: String?) throws {
        let graph = try Self.exampleGraph()
        #expect(throws: TaskfileError.unknownTarget(nil, target: target, suggestion: suggestion)) {
            try graph.select(targets: [target])
        }
    }

    @Test func unknownDefaultTargetIsLocated() throws {
        let graph = try Fixture.graph("version: 1\ndefault: [al]\ntasks:\n  all: {run: x}\n")
        let error = TaskfileError.unknownTarget(
            SourceLocation(file: "Taskfile.yml", line: 2, column: 11), target: "al", suggestion: "all")
        #expect(throws: error) { try graph.select(targets: []) }
        #expect(error.description == "Taskfile.yml:2:11: unknown target 'al' (did you mean 'all'?)")
        #expect(
            TaskfileError.unknownTarget(nil, target: "x", suggestion: nil).description == "unknown target 'x'")
    }

    @Test func lookupsByIDPathAndTask() throws {
        let graph = try Self.exampleGraph()
        let app = try #require(graph.index(of: "app"))
        #expect(graph.instance(withID: "app")?.outputs == ["build/app"])
        #expect(graph.producer(of: "build/app") == app)
        #expect(graph.producer(of: "src/a.c") == nil)
        #expect(graph.producers.count == 4)
        #expect(graph.instances(ofTask: "test").count == 4)
        #expect(graph.instances(ofTask: "nope").isEmpty)
        #expect(graph.absolutePath("build/app") == "/p/build/app")
        #expect(graph.projectDirectory == "/p")
        #expect(graph.taskfile.tasks.count == 3)
    }
}
