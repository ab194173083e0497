import Foundation
import StaskCore
import Testing

@Suite struct TaskListingTests {
    @Test func jsonHasEveryTaskWithDescriptionInstancesInputsAndOutputs() throws {
        let project = BuildEngineTests.Project([
            "Taskfile": """
            version: 1
            tasks:
              strip:
                desc: Strip comments
                foreach: src/*.c
                inputs: ["{{item}}"]
                outputs: ["build/{{stem}}.o"]
                run: strip {{item}} {{output}}
              link:
                inputs: ["build/*.o"]
                outputs: [build/app]
                run: concat {{output}} {{inputs}}
            """,
            "src/a.c": "a\n", "src/b.c": "b\n",
        ])
        let listing = try project.engine.list(BuildOptions(directory: "/p"))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(listing.jsonText.utf8)) as? [String: Any])
        #expect(object["schema"] as? Int == TaskListing.jsonSchemaVersion)
        let tasks = try #require(object["tasks"] as? [[String: Any]])
        #expect(tasks.map { $0["name"] as? String } == ["strip", "link"])
        #expect(tasks[0]["description"] as? String == "Strip comments")
        #expect(tasks[0]["instances"] as? Int == 2)
        #expect(tasks[0]["inputs"] as? [String] == ["src/a.c", "src/b.c"])
        #expect(tasks[0]["outputs"] as? [String] == ["build/a.o", "build/b.o"])
        #expect(tasks[1]["description"] == nil)
        #expect(tasks[1]["inputs"] as? [String] == ["build/a.o", "build/b.o"])
    }
}
