import AsyncStreams
import Testing

@testable import StaskCore

/// The expanded graph's binary form (the payload of `.stask/graph`).
@Suite
struct BuildGraphEncodingTests {
    static func graph(_ yaml: String) throws -> BuildGraph {
        try GraphBuilder(fileSystem: TaskfileCorpus.fileSystem(), options: .init(cpuCount: 2))
            .build(TaskfileFixture.parse(yaml))
    }

    static func roundTrip(_ graph: BuildGraph) throws -> BuildGraph {
        let bytes = try #require(graph.encoded())
        return try bytes.withUnsafeBytes {
            try BuildGraph.decoded(
                from: $0, taskfile: graph.taskfile, projectDirectory: graph.projectDirectory, budget: graph.budget)
        }
    }

    @Test("every corpus graph decodes to the same instances and edges", arguments: TaskfileCorpus.taskfiles)
    func corpusRoundTrips(_ yaml: String) throws {
        let graph = try Self.graph(yaml)
        let decoded = try Self.roundTrip(graph)
        #expect(decoded.instances == graph.instances)
        #expect(decoded.dependencyLists == graph.dependencyLists)
        #expect(decoded.encoded() == graph.encoded())
        for (index, instance) in graph.instances.enumerated() {
            #expect(decoded.index(of: instance.id) == index)
            for output in instance.outputs { #expect(decoded.producer(of: output) == index) }
        }
    }

    @Test("shards, several commands, environments, junit paths and depfiles survive")
    func everyKindOfInstanceRoundTrips() throws {
        let graph = try Self.graph(TaskfileEncodingTests.everyKey)
        #expect(graph.instances.contains { $0.shard != nil && $0.junitPath != nil })
        #expect(graph.instances.contains { $0.depfile != nil && !$0.environment.isEmpty && $0.commands.count > 1 })
        let decoded = try Self.roundTrip(graph)
        #expect(decoded.instances == graph.instances)
        #expect(decoded.dependencyLists == graph.dependencyLists)
        // Settings come from the Taskfile, one object per task as graph construction makes them.
        let compile = decoded.instances.filter { $0.taskName == "compile" }
        #expect(compile.count > 1 && compile.allSatisfy { $0.settings === compile[0].settings })
        #expect(compile[0].retry == RetryPolicy(attempts: 3, backoff: .milliseconds(150), maxBackoff: .seconds(2)))
    }

    @Test("a stored graph decodes without its Taskfile; binding it gives each instance its task's settings")
    func storedGraphBindsToItsTaskfile() throws {
        let graph = try Self.graph(TaskfileEncodingTests.everyKey)
        let bytes = try #require(graph.encoded())
        let stored = try bytes.withUnsafeBytes { try StoredGraph(decoding: $0) }
        let bound = try stored.bound(to: graph.taskfile, projectDirectory: "/p", budget: graph.budget)
        #expect(bound.instances == graph.instances)
        #expect(bound.dependencyLists == graph.dependencyLists)
        #expect(bound.instances.allSatisfy { $0.taskName != "" })
        // A Taskfile without the tasks the graph names.
        let error = #expect(throws: StateDecodingError.self) {
            try stored.bound(
                to: try TaskfileFixture.parse("version: 1\ntasks: {}\n"), projectDirectory: "/p", budget: graph.budget)
        }
        #expect(error?.detail == "a task out of range")
    }

    @Test("every truncation is refused; no changed byte crashes the decoder or what uses its result")
    func damagedEncodingsNeverCrash() throws {
        let graph = try Self.graph(TaskfileEncodingTests.everyKey)
        let bytes = try #require(graph.encoded())
        func decode(_ bytes: [UInt8]) throws -> BuildGraph {
            try bytes.withUnsafeBytes {
                try BuildGraph.decoded(
                    from: $0, taskfile: graph.taskfile, projectDirectory: graph.projectDirectory, budget: graph.budget)
            }
        }
        for length in 0..<bytes.count {
            #expect(throws: StateDecodingError.self) { try decode(Array(bytes[..<length])) }
        }
        #expect(throws: StateDecodingError.self) { try decode(bytes + [0]) }
        for index in bytes.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var changed = bytes
                changed[index] ^= flip
                if let decoded = try? decode(changed) {
                    _ = try? BuildPlan(graph: decoded, targets: [], shard: nil)
                }
            }
        }
        // A Taskfile with fewer tasks than the graph names.
        let other = try TaskfileFixture.parse("version: 1\ntasks: {}\n")
        #expect(throws: StateDecodingError.self) {
            try bytes.withUnsafeBytes {
                try BuildGraph.decoded(from: $0, taskfile: other, projectDirectory: "/p", budget: graph.budget)
            }
        }
    }
}
