import Foundation
import Testing

@testable import StaskCore

/// A watch session's cycles over an in-memory project: each cycle examines only what its changes reach.
@Suite(.timeLimit(.minutes(1)))
struct BuildEngineWatchTests {
    let project = BuildEngineTests.chainProject()

    func open() async throws -> BuildSession {
        try await project.engine.openSession(BuildOptions(directory: "/p"), reporter: RecordingReporter())
    }

    func cycle(_ session: BuildSession, _ changes: [FileChange]) async -> WatchCycle? {
        await project.engine.runCycle(session, changes: changes, reporter: RecordingReporter())
    }

    func changed(_ path: String, _ kind: FileChange.Kind = .contents) -> FileChange {
        FileChange(path: "/p/" + path, kind: kind)
    }

    @Test func theFirstCycleBuildsEverythingAndATouchThenRunsNothing() async throws {
        let session = try await open()
        defer { project.engine.closeSession(session) }
        let first = try #require(await cycle(session, []))
        #expect(Set(first.ran) == ["strip[src/a.c]", "strip[src/b.c]", "link", "docs"])
        #expect(first.number == 1 && first.isSuccess)
        try project.fileSystem.touch(atPath: "/p/src/a.c")
        let touched = try #require(await cycle(session, [changed("src/a.c")]))
        #expect(touched.ran == [], "same contents: nothing runs")
        #expect(touched.changed == ["src/a.c"])
        #expect(touched.summary?.upToDate == 4)
    }

    @Test func anEditRerunsOnlyWhatReadsIt() async throws {
        let session = try await open()
        defer { project.engine.closeSession(session) }
        _ = await cycle(session, [])
        try project.write("src/a.c", "# a\nint a = 2;\n")
        let edited = try #require(await cycle(session, [changed("src/a.c")]))
        #expect(edited.ran == ["strip[src/a.c]", "link"])
        #expect(project.read("build/app") == "int a = 2;\nint b;\n")
    }

    @Test func aNewFileMatchingAGlobAddsItsInstanceAndADeletedOneRemovesIt() async throws {
        let session = try await open()
        defer { project.engine.closeSession(session) }
        _ = await cycle(session, [])
        try project.write("src/c.c", "int c;\n")
        let added = try #require(await cycle(session, [changed("src/c.c", .entry)]))
        #expect(added.ran == ["strip[src/c.c]", "link"])
        try project.fileSystem.removeItem(atPath: "/p/src/b.c")
        let removed = try #require(await cycle(session, [changed("src/b.c", .entry)]))
        #expect(removed.ran == ["link"])
        #expect(project.read("build/app") == "int a;\nint c;\n")
    }

    @Test func aFileSavedByRenamingOverItChangesContentsNotTheGraph() async throws {
        let session = try await open()
        defer { project.engine.closeSession(session) }
        _ = await cycle(session, [])
        try project.write("src/a.c", "int a = 3;\n")
        let saved = try #require(
            await cycle(session, [changed("src/a.c.tmp", .entry), changed("src/a.c", .entry)]))
        #expect(saved.ran == ["strip[src/a.c]", "link"])
    }

    @Test func anEntryNoGlobTakesRunsNoBuild() async throws {
        let session = try await open()
        defer { project.engine.closeSession(session) }
        _ = await cycle(session, [])
        try project.write("src/.a.c.swp", "vim")
        #expect(await cycle(session, [changed("src/.a.c.swp", .entry)]) == nil)
        #expect(session.cycles == 1)
    }

    @Test func aBrokenTaskfileKeepsTheLastGoodGraphUntilItIsFixed() async throws {
        let session = try await open()
        defer { project.engine.closeSession(session) }
        _ = await cycle(session, [])
        try project.write("Taskfile", "version: 1\ntasks: [\n")
        let broken = try #require(await cycle(session, [changed("Taskfile")]))
        #expect(broken.loadError?.contains("Taskfile") == true, "\(broken)")
        #expect(broken.line.contains("still watching with the last good graph"))
        try project.write("src/b.c", "# b\nint b = 2;\n")
        let edited = try #require(await cycle(session, [changed("src/b.c")]))
        #expect(edited.ran == ["strip[src/b.c]", "link"], "the last good graph builds")
        try project.write("Taskfile", BuildEngineTests.chain.replacingOccurrences(of: "guide.md", with: "guide.txt"))
        try project.write("guide.txt", "guide\n")
        let fixed = try #require(await cycle(session, [changed("Taskfile")]))
        #expect(fixed.reloadedTaskfile)
        #expect(fixed.ran == ["docs"], "only the instance that came out different runs")
    }

    @Test func anAlwaysTaskRunsInEveryCycle() async throws {
        let project = BuildEngineTests.Project([
            "Taskfile": """
            version: 1
            tasks:
              stamp:
                always: true
                inputs: [guide.md]
                run: say hi
            """,
            "guide.md": "guide\n",
        ])
        let session = try await project.engine.openSession(BuildOptions(directory: "/p"), reporter: RecordingReporter())
        defer { project.engine.closeSession(session) }
        for number in 1...3 {
            let changes = number == 1 ? [] : [FileChange(path: "/p/guide.md", kind: .contents)]
            let cycle = await project.engine.runCycle(session, changes: changes, reporter: RecordingReporter())
            #expect(cycle?.ran == ["stamp"], "cycle \(number)")
        }
    }

    @Test func outputsAndTheStateDirectoryAreNeverRelevant() async throws {
        let session = try await open()
        defer { project.engine.closeSession(session) }
        _ = await cycle(session, [])
        let classifier = session.classifier()
        #expect(classifier.relevant([changed("build/a.o"), changed(".stask/journal"), changed("log.txt")]) == [])
        #expect(classifier.relevant([changed("build", .entry)]) == [], "the build creates its outputs' directory")
        #expect(classifier.relevant([changed("guide.md")]) == [changed("guide.md")])
        #expect(session.targets.files.contains("/p/src/a.c") && session.targets.directories.contains("/p/src"))
        #expect(!session.targets.files.contains("/p/build/a.o"))
    }

    @Test func untilTheFirstBuildHasEndedOnlyWhatTheBuildsWriteIsLeftOut() async throws {
        let session = try await open()
        defer { project.engine.closeSession(session) }
        let log = changed("log.txt")
        let read = [changed("src/.a.c.swp", .entry), changed("src/a.c")]
        let written = [changed("build/a.o"), changed(".stask/journal"), changed("build", .entry)]
        #expect(session.classifier().relevant([log] + written + read) == [log] + read, "nothing read is known yet")
        #expect(session.targets.files.contains("/p/src/a.c"), "the watcher's targets do not wait for the build")
        _ = await cycle(session, [])
        #expect(session.classifier().relevant([log] + written + read) == read)
        #expect(await cycle(session, [log]) == nil, "a change kept during the first build that bears on nothing")
        #expect(session.cycles == 1)
    }

    @Test func anExactClassifierBeforeTheFirstBuildLeavesOutWhatNothingReads() async throws {
        let session = try await open()
        defer { project.engine.closeSession(session) }
        #expect(
            session.classifier(isExact: true).relevant([changed("log.txt"), changed("src/a.c")]) == [changed("src/a.c")]
        )
    }
}
