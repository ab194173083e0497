import Testing

@testable import StaskCore

/// What a watch session depends on: which instances read a path, and how a change bears on the next build.
@Suite struct WatchSetTests {
    /// Two compile steps reading their source and a shared header, and a link over their outputs; `a.c`'s
    /// last run discovered a system header and a project header no task lists.
    static func watchSet(
        discovered: [String: [String]] = ["compile[src/a.c]": ["/usr/include/stdio.h", "/p/include/extra.h"]]
    ) throws -> (WatchSet, position: (String) -> Int) {
        let fileSystem = InMemoryFileSystem(files: [
            "/p/Taskfile": """
            version: 1
            tasks:
              compile:
                foreach: src/*.c
                inputs: ["{{item}}", include/common.h]
                outputs: ["build/{{stem}}.o"]
                run: say {{item}}
              link:
                inputs: ["build/*.o"]
                outputs: [build/app]
                run: say link
            """,
            "/p/src/a.c": "int a;\n", "/p/src/b.c": "int b;\n", "/p/include/common.h": "#pragma once\n",
        ])
        let taskfile = try TaskfileParser(fileSystem: fileSystem, workingDirectory: "/p").load()
        let graph = try GraphBuilder(fileSystem: fileSystem, options: .init(cpuCount: 2)).build(taskfile)
        let plan = try BuildPlan(graph: graph, targets: [], shard: nil)
        let set = WatchSet(plan: plan, taskfilePath: "/p/Taskfile") { discovered[$0] ?? [] }
        return (set, { id in (0..<plan.count).first { plan.instance($0).id == id } ?? -1 })
    }

    @Test func eachFileReadNamesTheInstancesReadingItAndNoOutputIsRead() throws {
        let (set, position) = try Self.watchSet()
        let (a, b) = (position("compile[src/a.c]"), position("compile[src/b.c]"))
        #expect(set.readers(of: "src/a.c") == [a])
        #expect(set.readers(of: "src/b.c") == [b])
        #expect(set.readers(of: "include/common.h") == [a, b].sorted())
        #expect(set.readers(of: "build/a.o") == [], "another instance's output: its producer decides")
        #expect(set.readers(of: "src/c.c") == [])
        #expect(!set.isRead("build/a.o") && set.isRead("src/a.c"))
    }

    @Test func discoveredInputsAreReadInTheirResolvedForm() throws {
        let (set, position) = try Self.watchSet()
        let a = position("compile[src/a.c]")
        #expect(set.readers(of: "/usr/include/stdio.h") == [a], "outside the project: absolute")
        #expect(set.readers(of: "include/extra.h") == [a], "inside: project-relative")
        let targets = set.targets
        #expect(targets.files.isSuperset(of: ["/usr/include/stdio.h", "/p/include/extra.h", "/p/Taskfile"]))
        #expect(targets.directories.isSuperset(of: ["/usr/include", "/p/include", "/p/src", "/p"]))
        #expect(!targets.files.contains("/p/build/a.o"))
    }

    @Test func readersStayAscendingAndUniqueHoweverTheyAreAdded() throws {
        var (set, position) = try Self.watchSet(discovered: [:])
        let (a, b, link) = (position("compile[src/a.c]"), position("compile[src/b.c]"), position("link"))
        set.addDiscoveredInputs(["/usr/include/stdio.h"], of: link)
        #expect(set.readers(of: "/usr/include/stdio.h") == [link])
        set.addDiscoveredInputs(["/usr/include/stdio.h"], of: link)
        #expect(set.readers(of: "/usr/include/stdio.h") == [link], "told twice, read once")
        for reader in [b, link, a, b] { set.addDiscoveredInputs(["/usr/include/stdio.h", "src/a.c"], of: reader) }
        #expect(set.readers(of: "/usr/include/stdio.h") == [a, b, link].sorted())
        #expect(set.readers(of: "src/a.c") == [a, b, link].sorted())
    }

    @Test(arguments: [
        (FileChange(path: "/p/src/a.c", kind: .contents), WatchSet.Relevance.contents),
        (FileChange(path: "/p/include/common.h", kind: .contents), .contents),
        (FileChange(path: "/usr/include/stdio.h", kind: .contents), .contents),
        (FileChange(path: "/p/src/c.c", kind: .entry), .structure),
        (FileChange(path: "/p/src", kind: .entry), .structure),
        (FileChange(path: "/p/Taskfile", kind: .contents), .taskfile),
        (FileChange(path: "/p/build/a.o", kind: .contents), .none),
        (FileChange(path: "/p/build", kind: .entry), .none),
        (FileChange(path: "/p/.stask/journal", kind: .contents), .none),
        (FileChange(path: "/p/notes.txt", kind: .contents), .none),
        (FileChange.overflow, .structure),
    ])
    func aChangeBearsOnTheNextBuildByWhatThePathIs(change: FileChange, relevance: WatchSet.Relevance) throws {
        let (set, _) = try Self.watchSet()
        #expect(set.relevance(of: change) == relevance)
    }

    @Test func theKindGraphConstructionSawIsKeptForThePathsItExamined() throws {
        let (set, _) = try Self.watchSet()
        #expect(set.examinedKind(of: "src") == .some(.directory))
        #expect(set.examinedKind(of: "notes.txt") == nil, "never examined")
    }
}
