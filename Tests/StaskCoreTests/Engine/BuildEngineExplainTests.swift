import Foundation
import StaskCore
import Testing

/// `stask explain` and `--dry-run`: the first reason each instance would run, from the same check the
/// build makes.
@Suite(.timeLimit(.minutes(1)))
struct BuildEngineExplainTests {
    typealias Project = BuildEngineTests.Project

    private func explain(_ project: Project, _ targets: [String] = [], variables: [String: String] = [:])
        throws -> [String: Explanation]
    {
        let explanations = try project.engine.explain(
            BuildOptions(directory: "/p", targets: targets, variables: variables))
        return Dictionary(uniqueKeysWithValues: explanations.map { ($0.id, $0) })
    }

    @Test func everythingIsNeverBuiltBeforeTheFirstBuild() throws {
        let project = BuildEngineTests.chainProject()
        let explanations = try explain(project)
        #expect(explanations.count == 4)
        #expect(explanations.values.allSatisfy { $0.reason == .neverBuilt })
    }

    @Test func afterABuildEverythingIsUpToDateAndEveryInputIsCounted() async throws {
        let project = BuildEngineTests.chainProject()
        _ = try await project.build()
        let link = try #require(try explain(project, ["link"])["link"])
        #expect(link.isUpToDate)
        #expect(link.inputCount == 2 && link.trustedInputs + link.hashedInputs == 2)
        #expect(link.text.hasPrefix("link: up to date (2 inputs: "))
        #expect(link.text.hasSuffix(" trusted by the stat cache, \(link.hashedInputs) re-hashed)\n"))
    }

    @Test func onlyTheNamedInstancesAreExplained() async throws {
        let project = BuildEngineTests.chainProject()
        let explanations = try project.engine.explain(BuildOptions(directory: "/p", targets: ["link"]))
        #expect(explanations.map(\.id) == ["link"])
    }

    @Test func editedInputIsNamedWithOldAndNewDigestAndItsDependentsWaitOnIt() async throws {
        let project = BuildEngineTests.chainProject()
        _ = try await project.build()
        try project.write("src/a.c", "int a = 1;\n")
        let explanations = try explain(project)
        #expect(
            explanations["strip[src/a.c]"]?.reason
                == .inputChanged(
                    path: "src/a.c", old: ContentHasher.digest(ofUTF8: "# a\nint a;\n"),
                    new: ContentHasher.digest(ofUTF8: "int a = 1;\n")))
        #expect(explanations["link"]?.reason == .dependencyWillRebuild(id: "strip[src/a.c]"))
        #expect(explanations["strip[src/b.c]"]?.isUpToDate == true)
        #expect(explanations["docs"]?.isUpToDate == true)
    }

    @Test func changedVarIsNamedWithOldAndNewValue() async throws {
        let project = Project([
            "Taskfile": """
            version: 1
            vars: {GREETING: hello}
            tasks:
              greet:
                outputs: [out/greeting]
                run: write {{output}} {{GREETING}}
            """
        ])
        _ = try await project.build()
        let explanations = try explain(project, variables: ["GREETING": "bonjour"])
        #expect(explanations["greet"]?.reason == .variableChanged(name: "GREETING", old: "hello", new: "bonjour"))
    }

    @Test func changedCommandIsShownAsAShortDiff() async throws {
        let project = Project(["Taskfile": "version: 1\ntasks:\n  a:\n    outputs: [out]\n    run: write out one\n"])
        _ = try await project.build()
        try project.write("Taskfile", "version: 1\ntasks:\n  a:\n    outputs: [out]\n    run: write out two\n")
        let reason = try #require(try explain(project)["a"]?.reason)
        #expect(reason == .commandChanged(index: 0, old: "write out one", new: "write out two"))
        #expect(reason.description == "command 1 changed: write out [-one-]{+two+}")
    }

    @Test func changedEnvironmentIsNamed() async throws {
        let text = "version: 1\ntasks:\n  a:\n    env: {MODE: fast}\n    outputs: [out]\n    run: write out x\n"
        let project = Project(["Taskfile": text])
        _ = try await project.build()
        try project.write("Taskfile", text.replacingOccurrences(of: "fast", with: "slow"))
        #expect(try explain(project)["a"]?.reason == .environmentChanged(name: "MODE", old: "fast", new: "slow"))
    }

    @Test func inputsAppearingAndDisappearingAreNamed() async throws {
        let project = Project([
            "Taskfile":
                "version: 1\ntasks:\n  pack:\n    inputs: [\"data/*.txt\"]\n    outputs: [out]\n    run: write out packed\n",
            "data/a.txt": "a\n",
        ])
        _ = try await project.build()
        try project.write("data/b.txt", "b\n")
        #expect(try explain(project)["pack"]?.reason == .inputAppeared(path: "data/b.txt"))
        _ = try await project.build()
        try project.fileSystem.removeItem(atPath: "/p/data/a.txt")
        #expect(try explain(project)["pack"]?.reason == .inputDisappeared(path: "data/a.txt"))
    }

    @Test func missingAndModifiedOutputsAreNamed() async throws {
        let project = BuildEngineTests.chainProject()
        _ = try await project.build()
        try project.fileSystem.removeItem(atPath: "/p/build/guide")
        #expect(try explain(project)["docs"]?.reason == .outputMissing(path: "build/guide"))
        try project.write("build/guide", "by hand\n")
        guard case .outputModified(let path, _, let new)? = try explain(project)["docs"]?.reason else {
            Issue.record("expected a modified output")
            return
        }
        #expect(path == "build/guide" && new == ContentHasher.digest(ofUTF8: "by hand\n"))
    }

    @Test func alwaysTasksAndFailedLastRunsSaySo() async throws {
        let project = Project([
            "Taskfile": """
            version: 1
            tasks:
              stamp:
                always: true
                run: say hi
              a:
                outputs: [out]
                run: write out x
            """
        ])
        _ = try await project.build()
        #expect(try explain(project)["stamp"]?.reason == .always)
        try project.write(
            "Taskfile", "version: 1\ntasks:\n  a:\n    outputs: [out]\n    run: fail 3\n")
        _ = try await project.build()
        #expect(try explain(project)["a"]?.reason == .lastRunFailed)
    }

    @Test func explainChangesNothingAndAgreesWithWhatTheBuildRuns() async throws {
        let project = BuildEngineTests.chainProject()
        _ = try await project.build()
        try project.write("guide.md", "new guide\n")
        try project.fileSystem.removeItem(atPath: "/p/build/a.o")
        let explanations = try project.engine.explain(BuildOptions(directory: "/p"))
        let planned = try project.engine.dryRun(BuildOptions(directory: "/p"))
        #expect(planned.map(\.id) == explanations.filter { !$0.isUpToDate }.map(\.id))
        #expect(planned.map(\.id) == ["strip[src/a.c]", "link", "docs"])
        let ran = try await project.commandsOfBuild()
        #expect(ran.sorted() == ["strip guide.md build/guide", "strip src/a.c build/a.o"])
    }
}
