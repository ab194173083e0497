import StaskCore
import Testing

@testable import StaskCore

@Suite struct BuildPlanTests {
    private static func graph() throws -> BuildGraph {
        let fileSystem = InMemoryFileSystem(files: [
            "/p/Taskfile": """
            version: 1
            tasks:
              test:
                foreach: tests/*.sh
                shards: 2
                run: say {{items}}
              report:
                deps: [test]
                run: say report
              lint:
                run: say lint
            """,
            "/p/tests/a.sh": "", "/p/tests/b.sh": "", "/p/tests/c.sh": "", "/p/tests/d.sh": "",
        ])
        let taskfile = try TaskfileParser(fileSystem: fileSystem, workingDirectory: "/p").load()
        return try GraphBuilder(fileSystem: fileSystem, options: .init(cpuCount: 2)).build(taskfile)
    }

    @Test func selectsTargetsWithTheirDependenciesAndLocalEdges() throws {
        let plan = try BuildPlan(graph: try Self.graph(), targets: ["report"], shard: nil)
        let ids = (0..<plan.count).map { plan.instance($0).id }
        #expect(ids == ["test[shard 1/2]", "test[shard 2/2]", "report"])
        #expect(plan.dependencies[2] == [0, 1])
        #expect(plan.dependents[0] == [2] && plan.dependents[1] == [2])
    }

    @Test func shardSelectionKeepsOneShardOfEachShardedTaskAndDropsWhatNeedsTheOthers() throws {
        let plan = try BuildPlan(graph: try Self.graph(), targets: [], shard: ShardSelection(index: 1, count: 2))
        let ids = (0..<plan.count).map { plan.instance($0).id }
        #expect(ids == ["test[shard 2/2]", "lint"])
    }

    @Test func unknownTargetIsATaskfileError() throws {
        #expect(throws: TaskfileError.self) { try BuildPlan(graph: try Self.graph(), targets: ["nope"], shard: nil) }
    }

    @Test(arguments: [("0/4", 0, 4), ("3/4", 3, 4)])
    func shardSelectionParsesZeroBasedIndexOverCount(text: String, index: Int, count: Int) {
        #expect(ShardSelection(parsing: text) == ShardSelection(index: index, count: count))
    }

    @Test(arguments: ["4/4", "-1/2", "1", "a/b", "1/0", ""])
    func malformedShardSelectionIsRejected(text: String) {
        #expect(ShardSelection(parsing: text) == nil)
    }
}
