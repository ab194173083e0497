import StaskCore
import Testing

@Suite(.timeLimit(.minutes(1)))
struct BuildEngineShardsTests {
    static let taskfile = """
        version: 1
        tasks:
          test:
            foreach: tests/*.sh
            shards: 2
            run: say {{items}}
        """

    /// A project with four tests whose recorded durations are a 5, b 4, c 3, d 2.5 seconds.
    static func project(savedSplit: String? = nil) throws -> BuildEngineTests.Project {
        var files = ["Taskfile": taskfile]
        for name in ["a", "b", "c", "d"] { files["tests/\(name).sh"] = "echo \(name)\n" }
        let project = BuildEngineTests.Project(files)
        let (store, _) = try BuildStateStore.open(directory: "/p/.stask", fileSystem: project.fileSystem)
        try store.updateItemDurations(
            forTask: "test", ["tests/a.sh": 5, "tests/b.sh": 4, "tests/c.sh": 3, "tests/d.sh": 2.5])
        try store.close()
        if let savedSplit { try project.write(".stask/shard-plans.json", savedSplit) }
        return project
    }

    static func savedSplit(_ shards: [[String]]) throws -> String {
        let plan = ShardPlan(task: "test", assignment: shards, estimates: [:], knownItemCount: shards.joined().count)
        return String(decoding: try ShardPlanFile(plans: [plan]).encoded(), as: UTF8.self)
    }

    /// Each test file holds its own JUnit cases, so `concat {{junit}} {{items}}` writes a shard's report.
    static let junitTaskfile = """
        version: 1
        tasks:
          test:
            foreach: tests/*.sh
            shards: 2
            run: concat {{junit}} {{items}}
        """

    @Test func plansLongestFirstFromHistoryAndSavesTheSplit() async throws {
        let project = try Self.project()
        let plans = try project.engine.shardPlans(BuildOptions(directory: "/p"))
        // a(5) -> 0, b(4) -> 1, c(3) -> 1, d(2.5) -> 0: 7.5 and 7.
        #expect(plans.map(\.task) == ["test"])
        #expect(plans[0].shards.map(\.items) == [["tests/a.sh", "tests/d.sh"], ["tests/b.sh", "tests/c.sh"]])
        #expect(plans[0].shards.map(\.predictedSeconds) == [7.5, 7])
        #expect(plans[0].knownItemCount == 4)

        let commands = try await project.commandsOfBuild()
        #expect(commands.sorted() == ["say tests/a.sh tests/d.sh", "say tests/b.sh tests/c.sh"])
        let saved = try ShardPlanFile(
            decoding: Array((project.read(".stask/shard-plans.json") ?? "").utf8), path: "saved")
        #expect(saved.plans.map { $0.shards.map(\.items) } == [plans[0].shards.map(\.items)])
    }

    @Test func keepsTheSavedSplitWhileItIsWithinTenPercent() async throws {
        // Saved [c, a] 8 and [b, d] 6.5 against a fresh 7.5: 8 <= 8.25, kept in its order.
        let project = try Self.project(
            savedSplit: Self.savedSplit([["tests/c.sh", "tests/a.sh"], ["tests/b.sh", "tests/d.sh"]]))
        let commands = try await project.commandsOfBuild()
        #expect(commands.sorted() == ["say tests/b.sh tests/d.sh", "say tests/c.sh tests/a.sh"])
    }

    @Test func replacesASavedSplitThatIsMuchWorseOrUnreadable() async throws {
        for saved in [try Self.savedSplit([["tests/a.sh", "tests/b.sh"], ["tests/c.sh", "tests/d.sh"]]), "{garbage"] {
            let project = try Self.project(savedSplit: saved)
            let commands = try await project.commandsOfBuild()
            #expect(commands.sorted() == ["say tests/a.sh tests/d.sh", "say tests/b.sh tests/c.sh"], "\(saved)")
        }
    }

    @Test func shardSelectionRunsOneShardAndAnImportedPlanDecidesWhich() async throws {
        let project = try Self.project()
        let first = try await project.commandsOfBuild { $0.shard = ShardSelection(index: 1, count: 2) }
        #expect(first == ["say tests/b.sh tests/c.sh"])

        let imported = ShardPlan(
            task: "test", assignment: [["tests/d.sh"], ["tests/c.sh", "tests/b.sh", "tests/a.sh"]],
            estimates: [:], knownItemCount: 0)
        let second = try await project.commandsOfBuild {
            $0.shard = ShardSelection(index: 1, count: 2)
            $0.shardPlans = [imported]
        }
        #expect(second == ["say tests/c.sh tests/b.sh tests/a.sh"])
    }

    @Test func anImportedPlanMustFitTheTaskfile() async throws {
        let project = try Self.project()
        let threeShards = ShardPlan(task: "test", assignment: [[], [], []], estimates: [:], knownItemCount: 0)
        await #expect(throws: ShardPlanError.shardCountMismatch(path: "p.json", task: "test", planned: 3, declared: 2))
        {
            _ = try await project.build {
                $0.shardPlans = [threeShards]
                $0.shardPlanPath = "p.json"
            }
        }
        let other = ShardPlan(task: "lint", assignment: [[]], estimates: [:], knownItemCount: 0)
        #expect(throws: ShardPlanError.notShardedTask(path: "shard plan", task: "lint")) {
            _ = try project.engine.shardPlans(BuildOptions(directory: "/p", shard: nil).with(plans: [other]))
        }
    }

    @Test func junitCasesNamingNoItemAreWarnedAboutOnceAndShownWithTheMeasuredTime() async throws {
        // Per test a case of its own and one of a helper module that is no item.
        var files = ["Taskfile": Self.junitTaskfile]
        for (name, seconds) in [("a", 4), ("b", 3), ("c", 2), ("d", 1)] {
            files["tests/\(name).sh"] = """
                <testcase classname="tests.\(name).TestX" name="t" time="\(seconds)"/>
                <testcase classname="tests.helpers.Mixin" name="from_\(name)" time="0.25"/>
                """
        }
        let project = BuildEngineTests.Project(files)
        let (summary, reporter) = try await project.build()
        #expect(summary.isSuccess)
        let warnings = reporter.warnings.filter { $0.contains("name no item") }
        // One warning for the build, though both shards' reports had such cases.
        #expect(warnings.count == 1, "\(reporter.warnings)")
        #expect(
            warnings.first?.hasPrefix(
                "test: 4 test cases (1.000 s) in JUnit reports name no item of their shard (e.g. 'tests.helpers.Mixin from_"
            ) == true,
            "\(warnings)")
        #expect(warnings.first?.hasSuffix("; their time is counted for no item (see 'stask shards test')") == true)

        let plan = try #require(try project.engine.shardPlans(BuildOptions(directory: "/p")).first)
        #expect(plan.estimates == ["tests/a.sh": 4, "tests/b.sh": 3, "tests/c.sh": 2, "tests/d.sh": 1])
        #expect(plan.shards.map(\.measuredSeconds) == plan.shards.map(\.predictedSeconds))
        #expect(plan.unattributed.count == 4)
        #expect(plan.unattributed.seconds == 1)
        #expect(plan.text.contains("  unattributed: 4 test cases, 1.000 s,"), "\(plan.text)")
    }

    /// Four tests whose JUnit cases take a 4, b 1, c 3, d 2 seconds: the hash split (a d | b c) is not the
    /// split planned from their times (a b | c d).
    static func junitProject() -> BuildEngineTests.Project {
        var files = ["Taskfile": Self.junitTaskfile]
        for (name, seconds) in [("a", 4), ("b", 1), ("c", 3), ("d", 2)] {
            files["tests/\(name).sh"] = #"<testcase classname="tests.\#(name)" name="t" time="\#(seconds)"/>"#
        }
        return BuildEngineTests.Project(files)
    }

    static func split(_ project: BuildEngineTests.Project) throws -> [[String]] {
        let saved = try ShardPlanFile(
            decoding: Array((project.read(".stask/shard-plans.json") ?? "").utf8), path: "saved")
        return saved.plans.first?.shards.map(\.items) ?? []
    }

    @Test func aBuildWithNothingChangedKeepsTheSplitAndRunsNothing() async throws {
        let project = Self.junitProject()
        #expect(try await project.commandsOfBuild().count == 2)
        #expect(try Self.split(project) == [["tests/a.sh", "tests/d.sh"], ["tests/b.sh", "tests/c.sh"]])
        // The history now splits a b | c d, but nothing changed: the hash split stays and nothing runs.
        #expect(try project.engine.dryRun(BuildOptions(directory: "/p")).isEmpty)
        #expect(try await project.commandsOfBuild() == [])
        #expect(try Self.split(project) == [["tests/a.sh", "tests/d.sh"], ["tests/b.sh", "tests/c.sh"]])

        // A changed test makes the task run: its split is planned from history, and then kept.
        try project.write("tests/b.sh", #"<testcase classname="tests.b" name="t" time="1.5"/>"#)
        #expect(
            try project.engine.dryRun(BuildOptions(directory: "/p")).map(\.id).sorted() == [
                "test[shard 1/2]", "test[shard 2/2]",
            ])
        #expect(try await project.commandsOfBuild().count == 2)
        #expect(try Self.split(project) == [["tests/a.sh", "tests/b.sh"], ["tests/c.sh", "tests/d.sh"]])
        #expect(try await project.commandsOfBuild() == [])
    }

    @Test func aShardRunningAnywayKeepsTheSplitWhenHistoryPlansTheSame() async throws {
        let project = Self.junitProject()
        _ = try await project.commandsOfBuild()
        try project.write("tests/a.sh", #"<testcase classname="tests.a" name="t" time="4.5"/>"#)
        _ = try await project.commandsOfBuild()
        // Now a b | c d, planned from history; a change to c reruns only c's shard.
        try project.write("tests/c.sh", #"<testcase classname="tests.c" name="t" time="3.5"/>"#)
        let commands = try await project.commandsOfBuild()
        #expect(commands.count == 1 && commands.first?.hasSuffix(" tests/c.sh tests/d.sh") == true, "\(commands)")
    }

    @Test func withAShardSelectionTheSplitIsPlannedFromHistory() async throws {
        let project = Self.junitProject()
        _ = try await project.commandsOfBuild()
        // Nothing changed, but every machine of a matrix must split alike: history decides, a b | c d.
        let commands = try await project.commandsOfBuild { $0.shard = ShardSelection(index: 1, count: 2) }
        #expect(commands.count == 1 && commands.first?.hasSuffix(" tests/c.sh tests/d.sh") == true, "\(commands)")
    }

    @Test func aJUnitNameTwoItemsOfTheTaskShareNamesNeitherInAnyShard() async throws {
        // Each test writes a case of class `test_util.TestX`: the stem of both items, in different shards.
        let project = BuildEngineTests.Project([
            "Taskfile": """
            version: 1
            tasks:
              test:
                foreach: "*/test_util.sh"
                shards: 2
                run: concat {{junit}} {{items}}
            """,
            "x/test_util.sh": #"<testcase classname="test_util.TestX" name="x" time="2"/>"#,
            "y/test_util.sh": #"<testcase classname="test_util.TestX" name="y" time="3"/>"#,
        ])
        let plan = ShardPlan(
            task: "test", assignment: [["x/test_util.sh"], ["y/test_util.sh"]], estimates: [:], knownItemCount: 0)
        let (summary, reporter) = try await project.build { $0.shardPlans = [plan] }
        #expect(summary.isSuccess)
        #expect(
            reporter.warnings.contains { $0.hasPrefix("test: 2 test cases (5.000 s) in JUnit reports name no item") })
        let shown = try #require(try project.engine.shardPlans(BuildOptions(directory: "/p")).first)
        #expect(shown.shards.map(\.measuredSeconds) == [0, 0])
        #expect(shown.unattributed.count == 2)
    }

    @Test func namingAnUnknownTaskIsAnErrorWithASuggestion() throws {
        let project = try Self.project()
        #expect(throws: TaskfileError.unknownTarget(nil, target: "tests", suggestion: "test")) {
            _ = try project.engine.shardPlans(BuildOptions(directory: "/p"), tasks: ["tests"])
        }
    }
}

extension BuildOptions {
    fileprivate func with(plans: [ShardPlan]) -> BuildOptions {
        var options = self
        options.shardPlans = plans
        return options
    }
}
