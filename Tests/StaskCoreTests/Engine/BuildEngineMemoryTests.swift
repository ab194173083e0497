import AsyncStreams
import StaskCore
import Synchronization
import Testing

/// The learned `mem` cost: recording each run's peak, charging it, and a second try alone after an
/// out-of-memory kill.
@Suite(.timeLimit(.minutes(1)))
struct BuildEngineMemoryTests {
    typealias Project = BuildEngineTests.Project

    static let taskfile = """
        version: 1
        tasks:
          link:
            outputs: [app]
            run:
              - peak 300000000
              - write app linked
        """

    /// Freed pages go back to the system only before the state is compacted, the one large allocation left
    /// at the end of a build; otherwise handing them back would only delay its end.
    @Test func freedMemoryIsHandedBackOnlyBeforeACompaction() async throws {
        var files = [
            "Taskfile.yml": """
            version: 1
            tasks:
              copy:
                foreach: src/*.txt
                inputs: ["{{item}}"]
                outputs: ["out/{{stem}}.txt"]
                run: concat {{output}} {{item}}
            """
        ]
        for index in 0..<3_000 { files["src/f\(index).txt"] = "\(index)\n" }
        var project = Project(files)
        let handedBack = Mutex(0)
        project.engine.returnFreedMemory = { handedBack.withLock { $0 += 1 } }
        // The first build's 3,000 records outgrow the journal's limit: its close compacts.
        _ = try await project.build()
        #expect(handedBack.withLock { $0 } == 1)
        #expect((try? project.fileSystem.metadata(atPath: "/p/.stask/journal")) == .some(nil))
        // An edit journals one record: nothing large follows the build.
        try project.fileSystem.writeFile(atPath: "/p/src/f7.txt", contents: Array("seven\n".utf8))
        #expect(try await project.commandsOfBuild() == ["concat out/f7.txt src/f7.txt"])
        #expect(handedBack.withLock { $0 } == 1)
    }

    @Test func aRunRecordsThePeakOfItsLargestCommand() async throws {
        let project = Project(["Taskfile.yml": Self.taskfile])
        _ = try await project.build()
        let listing = try project.engine.list(BuildOptions(directory: "/p"), withState: true)
        #expect(listing.entries.first?.peakMemory == 300_000_000)
        #expect(listing.jsonText.contains("\"peak_memory_bytes\":300000000"), "\(listing.jsonText)")
        let explanations = try project.engine.explain(BuildOptions(directory: "/p"))
        #expect(explanations.last?.text.contains("peak memory 286.1 MiB") == true, "\(explanations)")
    }

    @Test func anOutOfMemoryKillIsTriedOnceMoreAloneAndNamedWhenItRecurs() async throws {
        let once = Project([
            "Taskfile.yml": """
            version: 1
            tasks:
              link:
                outputs: [app]
                run:
                  - oom link 1
                  - write app linked
            """
        ])
        let (summary, reporter) = try await once.build { $0.budgetOverrides["mem"] = 4e9 }
        #expect(summary.failed.isEmpty && summary.built == 1, "\(reporter.events)")
        #expect(once.launcher.commands.filter { $0.hasPrefix("oom") }.count == 2)

        let twice = Project([
            "Taskfile.yml": """
            version: 1
            tasks:
              link:
                outputs: [app]
                run: oom link 5
            """
        ])
        let (failedSummary, failedReporter) = try await twice.build { $0.budgetOverrides["mem"] = 4e9 }
        #expect(failedSummary.failed == ["link"])
        #expect(twice.launcher.commands.count == 2, "one try, one try alone: \(twice.launcher.commands)")
        let failure = "\(failedReporter.events)"
        #expect(failure.contains("killed by the out-of-memory killer (peak resident memory 1 GiB)"), "\(failure)")

        let unbudgeted = Project(["Taskfile.yml": "version: 1\ntasks:\n  link:\n    run: oom link 5\n"])
        let (plainSummary, _) = try await unbudgeted.build()
        #expect(
            plainSummary.failed == ["link"] && unbudgeted.launcher.commands.count == 1, "no mem budget: no second try")
    }

    @Test func theDefaultMemoryBudgetAllowsADeclaredCostAboveItButAnExplicitOneDoesNot() async throws {
        let taskfile = """
            version: 1
            tasks:
              link:
                cost: {cpu: 1, mem: 64GB}
                run: write app linked
            """
        let project = Project(["Taskfile.yml": taskfile])
        var engine = project.engine
        engine.availableMemory = { 8e9 }
        let summary = try await engine.run(BuildOptions(directory: "/p"), reporter: RecordingReporter())
        #expect(summary.built == 1)
        await #expect(throws: TaskfileError.self) {
            var options = BuildOptions(directory: "/p")
            options.budgetOverrides["mem"] = 8e9
            _ = try await engine.run(options, reporter: RecordingReporter())
        }
    }
}
