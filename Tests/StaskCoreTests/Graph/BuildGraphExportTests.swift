import Foundation
import StaskCore
import Testing

@Suite struct BuildGraphExportTests {
    private func graph() throws -> BuildGraph {
        let project = BuildEngineTests.chainProject()
        return try project.engine.graph(BuildOptions(directory: "/p"))
    }

    @Test func jsonListsEveryInstanceAndFileWithItsProducer() throws {
        let text = try graph().jsonText()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["schema"] as? Int == BuildGraph.jsonSchemaVersion)
        let tasks = try #require(object["tasks"] as? [[String: Any]])
        #expect(tasks.map { $0["id"] as? String } == ["strip[src/a.c]", "strip[src/b.c]", "link", "docs"])
        let link = tasks[2]
        #expect(link["task"] as? String == "link")
        #expect(link["inputs"] as? [String] == ["build/a.o", "build/b.o"])
        #expect(link["outputs"] as? [String] == ["build/app"])
        #expect(link["dependencies"] as? [String] == ["strip[src/a.c]", "strip[src/b.c]"])
        #expect(link["always"] as? Bool == false)
        #expect((link["cost"] as? [String: Double])?["cpu"] == 1)
        let files = try #require(object["files"] as? [[String: Any]])
        #expect(
            files.map { $0["path"] as? String } == [
                "build/a.o", "build/app", "build/b.o", "build/guide", "guide.md", "src/a.c", "src/b.c",
            ])
        #expect(files[0]["producer"] as? String == "strip[src/a.c]")
        #expect(files[4]["producer"] == nil, "a source file has no producer")
    }

    @Test func targetsLimitTheGraphToWhatTheyNeed() throws {
        let text = try graph().jsonText(targets: ["docs"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let tasks = try #require(object["tasks"] as? [[String: Any]])
        #expect(tasks.map { $0["id"] as? String } == ["docs"])
    }

    @Test func dotHasANodePerInstanceAndFileAndDataFlowEdges() throws {
        let dot = try graph().dotText()
        #expect(dot.hasPrefix("digraph stask {\n") && dot.hasSuffix("}\n"))
        #expect(dot.contains("\"t:link\" [label=\"link\", shape=box"))
        #expect(dot.contains("\"f:src/a.c\" [label=\"src/a.c\", shape=note"))
        #expect(dot.contains("  \"f:src/a.c\" -> \"t:strip[src/a.c]\";\n"))
        #expect(dot.contains("  \"t:strip[src/a.c]\" -> \"f:build/a.o\";\n"))
        #expect(dot.contains("  \"f:build/a.o\" -> \"t:link\";\n"))
        // Braces balance and every statement line ends with ';'.
        let body = dot.split(separator: "\n").dropFirst().dropLast()
        #expect(body.allSatisfy { $0.hasSuffix(";") })
    }

    @Test func dependencyWithoutASharedFileIsADashedEdge() throws {
        let project = BuildEngineTests.Project([
            "Taskfile": "version: 1\ntasks:\n  first:\n    run: say 1\n  second:\n    deps: [first]\n    run: say 2\n"
        ])
        let dot = try project.engine.graph(BuildOptions(directory: "/p")).dotText()
        #expect(dot.contains("  \"t:first\" -> \"t:second\" [style=dashed];\n"), "\(dot)")
    }
}
