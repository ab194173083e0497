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
        engine.availableMemory = 8e9
        let summary = try await engine.run(BuildOptions(directory: "/p"), reporter: RecordingReporter())
        #expect(summary.built == 1)
        await #expect(throws: TaskfileError.self) {
            var options = BuildOptions(directory: "/p")
            options.budgetOverrides["mem"] = 8e9
            _ = try await engine.run(options, reporter: RecordingReporter())
        }
    }
}

@Suite struct MemorySyntaxTests {
    @Test(arguments: [
        ("16GB", 16e9), ("512MiB", 536_870_912.0), ("1.5G", 1_610_612_736.0), ("2 gb", 2e9), ("100", 100.0),
        ("4k", 4096.0), ("1TB", 1e12), ("0", 0.0),
    ])
    func amountsParse(_ text: String, _ bytes: Double) {
        #expect(MemorySyntax.parse(text) == bytes)
    }

    @Test(arguments: ["", "GB", "-1GB", "16XB", "1e999GB", "one", "1.2.3G"])
    func nonsenseIsRefused(_ text: String) {
        #expect(MemorySyntax.parse(text) == nil)
    }

    @Test func formatPicksTheLargestBinaryUnit() {
        #expect(MemorySyntax.format(512) == "512 B")
        #expect(MemorySyntax.format(1_610_612_736) == "1.5 GiB")
        #expect(MemorySyntax.format(300_000_000) == "286.1 MiB")
    }

    @Test func theTaskfileAcceptsUnitsForMemOnlyAndPointsAtABadOne() throws {
        func parse(_ text: String) throws -> Taskfile {
            try TaskfileParser(fileSystem: InMemoryFileSystem(), workingDirectory: "/p").parse(
                contents: Array(text.utf8), path: "/p/T.yml")
        }
        let good = try parse(
            "version: 1\nbudget: {mem: 16GB}\ntasks:\n  a:\n    cost: {mem: 512MiB}\n    run: x\n")
        #expect(good.budget["mem"] == 16e9)
        #expect(good.tasks.first?.cost?["mem"] == 536_870_912)
        #expect(throws: TaskfileError.self) {
            _ = try parse("version: 1\nbudget: {cpu: 2GB}\ntasks: {}\n")
        }
        do {
            _ = try parse("version: 1\ntasks:\n  a:\n    cost: {mem: lots}\n    run: x\n")
            Issue.record("a bad amount of memory was accepted")
        } catch {
            #expect("\(error)".contains("T.yml:4:17"), "\(error)")
            #expect("\(error)".contains("512MB, 16GB or 2GiB"), "\(error)")
        }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct WholeMemoryBudgetTests {
    /// What the steps did, shared with their tasks.
    final class Log: Sendable {
        let entries = Mutex<[String]>([])
        func append(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    /// Yields until `condition` holds (the other task runs meanwhile); fails after many tries.
    func eventually(_ condition: () -> Bool) async {
        for _ in 0..<100_000 where !condition() { await Task.yield() }
        #expect(condition())
    }

    @Test func aStepAloneWaitsForOthersToReleaseAndGivesEverythingBack() async throws {
        let capacity = try ResourceCapacitySource(limits: ["mem": 100, "cpu": 4])
        #expect(capacity.acquireIfAvailable(["mem": 20]))  // the step's own charge
        #expect(capacity.acquireIfAvailable(["mem": 60]))  // a neighbour
        let whole = WholeMemoryBudget()
        whole.attach(capacity)
        let log = Log()
        let alone = Task {
            try await whole.runAlone(holding: 20) {
                log.append("ran")
                return capacity.available["mem"]
            }
        }
        await eventually { capacity.available["mem"] == 0 }  // it gathered what was free
        #expect(log.all.isEmpty, "the neighbour still holds 60: the step may not run yet")
        capacity.release(["mem": 60])
        #expect(try await alone.value == 0, "the step ran holding the whole budget")
        #expect(capacity.available["mem"] == 80, "what was gathered went back; the step's own 20 is the runner's")
    }

    @Test func twoStepsKilledTogetherRunAloneOneAfterTheOther() async throws {
        let capacity = try ResourceCapacitySource(limits: ["mem": 100])
        #expect(capacity.acquireIfAvailable(["mem": 30]))  // step A's charge
        #expect(capacity.acquireIfAvailable(["mem": 30]))  // step B's charge
        let whole = WholeMemoryBudget()
        whole.attach(capacity)
        let order = Log()
        let first = Task {
            try await whole.runAlone(holding: 30) { order.append("A") }
            capacity.release(["mem": 30])  // A's task ends: the scheduler returns its charge
        }
        let second = Task {
            try await whole.runAlone(holding: 30) { order.append("B") }
            capacity.release(["mem": 30])
        }
        try await first.value
        try await second.value
        #expect(order.all.sorted() == ["A", "B"])
        #expect(capacity.available["mem"] == 100)
    }

    @Test func aQueuedStepCancelledLeavesNothingHeld() async throws {
        let capacity = try ResourceCapacitySource(limits: ["mem": 100])
        #expect(capacity.acquireIfAvailable(["mem": 90]))  // a neighbour that never ends in this test
        let whole = WholeMemoryBudget()
        whole.attach(capacity)
        let gathering = Task { try await whole.runAlone(holding: 0) { 1 } }
        await eventually { capacity.available["mem"] == 0 }
        gathering.cancel()
        await #expect(throws: CancellationError.self) { try await gathering.value }
        #expect(capacity.available["mem"] == 10)
    }
}
