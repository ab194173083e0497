import Foundation
import Testing

extension EndToEndTests {
    /// `stask graph` (dot that Graphviz draws, JSON) and `stask list --json`.
    @Suite struct GraphTests {
        @Test func dotOutputIsDrawnByGraphvizWhenItIsInstalled() async throws {
            let project = try FixtureProject("seeing")
            let result = try await project.stask(["graph"])
            #expect(result.status == 0, "\(result)")
            let dot = result.standardOutput
            #expect(dot.hasPrefix("digraph stask {\n") && dot.hasSuffix("}\n"), "\(result)")
            #expect(dot.contains("\"t:gen[parts/1.txt]\" -> \"f:build/1.out\";"), "\(result)")
            #expect(dot.contains("\"f:build/1.out\" -> \"t:pack\";"), "\(result)")
            let graphviz = ["/usr/bin/dot", "/usr/local/bin/dot", "/opt/homebrew/bin/dot"].first {
                FileManager.default.isExecutableFile(atPath: $0)
            }
            guard let graphviz else {
                // No Graphviz: check the structure instead (balanced quotes, every statement closed).
                for line in dot.split(separator: "\n").dropFirst().dropLast() {
                    #expect(line.hasSuffix(";"), "\(line)")
                    #expect(line.filter { $0 == "\"" }.count % 2 == 0, "\(line)")
                }
                return
            }
            try project.write("graph.dot", dot)
            let drawn = try await StaskInvocation.run(
                ["-Tsvg", "graph.dot"], in: project.root, executable: URL(fileURLWithPath: graphviz))
            #expect(drawn.status == 0, "\(drawn)")
            #expect(drawn.standardOutput.contains("<svg"), "\(drawn)")
            #expect(drawn.standardOutput.contains("gen[parts/1.txt]"), "\(drawn)")
        }

        @Test func jsonGraphParsesWithSchemaTasksAndFiles() async throws {
            let project = try FixtureProject("seeing")
            let result = try await project.stask(["graph", "pack", "--format", "json"])
            #expect(result.status == 0, "\(result)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
            #expect(object["schema"] as? Int == 1)
            let tasks = try #require(object["tasks"] as? [[String: Any]])
            #expect(tasks.count == 5)
            #expect(tasks.last?["id"] as? String == "pack")
            #expect((tasks.last?["dependencies"] as? [String])?.count == 4)
            let files = try #require(object["files"] as? [[String: Any]])
            let pack = files.first { $0["path"] as? String == "build/pack.txt" }
            #expect(pack?["producer"] as? String == "pack")
            #expect(files.first { $0["path"] as? String == "parts/1.txt" }?["producer"] == nil)
        }

        @Test func listJSONHasEveryTaskWithItsCounts() async throws {
            let project = try FixtureProject("seeing")
            let result = try await project.stask(["list", "--json"])
            #expect(result.status == 0, "\(result)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
            #expect(object["schema"] as? Int == 1)
            let tasks = try #require(object["tasks"] as? [[String: Any]])
            #expect(tasks.map { $0["name"] as? String } == ["gen", "pack"])
            #expect(tasks[0]["instances"] as? Int == 4 && tasks[1]["instances"] as? Int == 1)
            #expect(tasks[0]["description"] as? String == "Copy one part, printing three lines")
            #expect(tasks[1]["outputs"] as? [String] == ["build/pack.txt"])
            #expect((tasks[0]["inputs"] as? [String])?.first == "parts/1.txt")
        }
    }
}
