import Foundation
import Testing

extension EndToEndTests {
    /// Scenario `sharding/`: 16 tests with skewed durations (four of 100 ms, two of 30 ms, ten of 10 ms).
    @Suite struct ShardingTests {
        /// A plan as `stask shards --json` exports it.
        struct Plan {
            var shards: [[String]]
            var estimates: [String: Double]
            var ratio: Double
            var knownItems: Int

            func shard(of item: String) -> Int? { shards.firstIndex { $0.contains(item) } }
        }

        static func plan(_ project: FixtureProject, _ task: String) async throws -> Plan {
            let result = try await project.stask(["shards", task, "--json"])
            #expect(result.status == 0, "\(result)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
            let plans = try #require(object["plans"] as? [[String: Any]])
            let plan = try #require(plans.first)
            let shards = try #require(plan["shards"] as? [[String: Any]])
            return Plan(
                shards: shards.map { $0["items"] as? [String] ?? [] },
                estimates: try #require(plan["estimates"] as? [String: Double]),
                ratio: try #require(plan["ratio"] as? Double), knownItems: try #require(plan["known_items"] as? Int))
        }

        /// `LABEL tests/tNN.sh shard=I` lines of log.txt for one label: item → shard indices it ran in.
        static func runs(_ project: FixtureProject, label: String) -> [String: [Int]] {
            var result: [String: [Int]] = [:]
            for line in project.logLines {
                let words = line.split(separator: " ").map(String.init)
                guard words.count == 3, words[0] == label, words[2].hasPrefix("shard="),
                    let shard = Int(words[2].dropFirst(6))
                else { continue }
                result[words[1], default: []].append(shard)
            }
            return result
        }

        static let items = (0..<16).map { "tests/t\($0 < 10 ? "0" : "")\($0).sh" }

        /// The longest shard over `max(longest item, total / 4)`, by the given durations.
        static func ratio(_ shards: [[String]], _ seconds: [String: Double]) -> Double {
            let longest = shards.map { $0.reduce(0) { $0 + seconds[$1]! } }.max()!
            let total = seconds.values.reduce(0, +)
            return longest / max(seconds.values.max()!, total / Double(shards.count))
        }

        @Test func oneRunOfPerItemCommandsBalancesShardsWithinFifteenPercent() async throws {
            let project = try FixtureProject("sharding")
            let before = try await Self.plan(project, "per-item")
            #expect(before.knownItems == 0)
            let result = try await project.build("per-item", "-j4")
            #expect(result.status == 0, "\(result)")
            #expect(Self.runs(project, label: "per-item").keys.sorted() == Self.items)

            let after = try await Self.plan(project, "per-item")
            #expect(after.knownItems == 16)
            #expect(Set(after.estimates.keys) == Set(Self.items))
            #expect(after.ratio <= 1.15, "longest/ideal \(after.ratio)")
            // Longest first inside each shard.
            for shard in after.shards {
                let times = shard.map { after.estimates[$0]! }
                #expect(times == times.sorted(by: >), "\(shard)")
            }
            // The same measured durations, dealt round-robin in name order: the four slow tests share a shard.
            let roundRobin = (0..<4).map { shard in
                Self.items.enumerated().filter { $0.offset % 4 == shard }.map(\.element)
            }
            let naive = Self.ratio(roundRobin, after.estimates)
            #expect(naive >= 1.8, "round-robin longest/ideal \(naive)")

            let text = try await project.stask(["shards", "per-item"])
            #expect(
                text.standardOutput.contains("per-item: 16 items in 4 shards (history for all 16 items)"), "\(text)")
            #expect(text.standardOutput.contains("ratio "), "\(text)")
        }

        @Test func junitReportTimesBecomeTheItemDurations() async throws {
            let project = try FixtureProject("sharding")
            let result = try await project.build("junit")
            #expect(result.status == 0, "\(result)")
            let plan = try await Self.plan(project, "junit")
            #expect(plan.knownItems == 16)
            // The runner reports ten times each test's sleep, without sleeping.
            #expect(plan.estimates["tests/t00.sh"] == 1)
            #expect(plan.estimates["tests/t01.sh"] == 0.3)
            #expect(plan.estimates["tests/t02.sh"] == 0.1)
            #expect(plan.ratio <= 1.15, "\(plan.ratio)")
        }

        @Test func shardTotalsSpreadOverItemsImproveTheBalanceRunByRun() async throws {
            let project = try FixtureProject("sharding")
            let truth = Dictionary(
                uniqueKeysWithValues: Self.items.enumerated().map { index, item in
                    (item, [0, 4, 8, 12].contains(index) ? 0.1 : [1, 5].contains(index) ? 0.03 : 0.01)
                })
            var ratios: [Double] = []
            for _ in 0..<5 {
                ratios.append(Self.ratio(try await Self.plan(project, "batch").shards, truth))
                let result = try await project.build("batch", "-j4")
                #expect(result.status == 0, "\(result)")
            }
            ratios.append(Self.ratio(try await Self.plan(project, "batch").shards, truth))
            // By the true durations: the hash split first, then plans from 1...5 runs of history.
            #expect(ratios[0] > 1.5, "\(ratios)")
            // The items sleep 10-100 ms, so one run's measured totals can be off by as much as they differ:
            // the median of the plans from 3, 4 and 5 runs of history, not the last one alone, must beat the hash.
            let later = ratios[3...].sorted()
            #expect(later[1] < ratios[0], "\(ratios)")
            print("batch longest/ideal by true durations, runs 0...5: \(ratios)")
            #expect(Self.runs(project, label: "batch").values.allSatisfy { $0.count == 5 })
        }

        @Test func fourMachinesRunEveryItemOnceWithThePlannedAssignment() async throws {
            let seed = try FixtureProject("sharding")
            #expect(try await seed.build("per-item").status == 0)
            try seed.clearLog()
            let plan = try await Self.plan(seed, "per-item")
            var ran: [String: [Int]] = [:]
            for index in 0..<4 {
                // Each machine starts from the same history: a copy of the seeded project.
                let machine = try FixtureProject(copyOf: seed)
                let result = try await machine.build("per-item", "--shard", "\(index)/4")
                #expect(result.status == 0, "\(result)")
                for (item, shards) in Self.runs(machine, label: "per-item") { ran[item, default: []] += shards }
                for (item, shards) in Self.runs(machine, label: "per-item") {
                    #expect(shards == [index], "\(item) ran on machine \(index) as \(shards)")
                }
            }
            #expect(ran.keys.sorted() == Self.items)
            for (item, shards) in ran {
                #expect(shards == [plan.shard(of: item)!], "\(item): \(shards)")
            }
        }

        @Test func anImportedPlanFixesTheAssignmentOnEveryMachine() async throws {
            let seed = try FixtureProject("sharding")
            #expect(try await seed.build("per-item").status == 0)
            let exported = try await seed.stask(["shards", "per-item", "--json"])
            let plan = try await Self.plan(seed, "per-item")
            // A project without history would hash-split; with the plan it follows the plan, even as its own
            // history grows between the invocations.
            let fresh = try FixtureProject("sharding")
            try fresh.write("plan.json", exported.standardOutput)
            for index in 0..<4 {
                let result = try await fresh.build("per-item", "--shard", "\(index)/4", "--shard-plan", "plan.json")
                #expect(result.status == 0, "\(result)")
            }
            let ran = Self.runs(fresh, label: "per-item")
            #expect(ran.keys.sorted() == Self.items)
            for (item, shards) in ran { #expect(shards == [plan.shard(of: item)!], "\(item): \(shards)") }

            // A plan for 4 shards does not fit a task that now has 5.
            let taskfile = try #require(fresh.read("Taskfile"))
            try fresh.write(
                "Taskfile",
                taskfile.replacingOccurrences(
                    of: "shards: 4\n    always: true\n    run: sh {{item}}",
                    with: "shards: 5\n    always: true\n    run: sh {{item}}"))
            let mismatch = try await fresh.build("per-item", "--shard-plan", "plan.json")
            #expect(mismatch.status == 2, "\(mismatch)")
            #expect(
                mismatch.standardError.contains(
                    "plan.json: plan for 'per-item' has 4 shards but the Taskfile says 'shards: 5'"),
                "\(mismatch)")
        }

        @Test func buildingAgainWithNothingChangedRunsNothing() async throws {
            let project = try FixtureProject("sharding")
            let first = try await project.build("stable", "-j4")
            #expect(first.status == 0, "\(first)")
            #expect(Self.runs(project, label: "stable").keys.sorted() == Self.items)
            try project.clearLog()
            // The first build split by hash and recorded every test's time; with nothing changed the second
            // keeps that split instead of planning one from the times, and runs nothing.
            let second = try await project.build("stable", "-j4")
            #expect(second.status == 0 && project.logLines.isEmpty, "\(second) \(project.logLines)")

            // A changed test makes the task run: its split is planned from the times, then kept.
            let test = try #require(project.read("tests/t03.sh"))
            try project.write("tests/t03.sh", test + "# changed\n")
            let third = try await project.build("stable", "-j4")
            #expect(third.status == 0, "\(third)")
            #expect(Self.runs(project, label: "stable")["tests/t03.sh"]?.count == 1, "\(project.logLines)")
            try project.clearLog()
            let fourth = try await project.build("stable", "-j4")
            #expect(fourth.status == 0 && project.logLines.isEmpty, "\(fourth) \(project.logLines)")
        }

        @Test func shardVariablesReachTheCommand() async throws {
            let project = try FixtureProject("sharding")
            let result = try await project.build("env")
            #expect(result.status == 0, "\(result)")
            #expect(
                project.logLines.filter { $0.hasPrefix("env ") }.sorted() == [
                    "env 0 3 0 3 0 3", "env 1 3 1 3 1 3", "env 2 3 2 3 2 3",
                ])
        }

        @Test func aShardFailingTwiceThenPassingIsReportedFlakyAndTheBuildPasses() async throws {
            let project = try FixtureProject("sharding")
            let result = try await project.build("flaky", "-j2")
            #expect(result.status == 0, "\(result)")
            #expect(
                project.logLines.filter { $0.hasPrefix("flaky-attempt") } == [
                    "flaky-attempt 1", "flaky-attempt 2", "flaky-attempt 3",
                ])
            #expect(Self.runs(project, label: "flaky").keys.sorted() == Self.items)
            #expect(result.standardOutput.contains("flaky 1 (flaky[shard 2/2])"), "\(result)")
        }

        @Test func keepGoingRunsTheOtherShardsWhenOneFails() async throws {
            let project = try FixtureProject("sharding")
            // Only one attempt: shard 1 fails for good; shard 0 still runs under -k.
            let taskfile = try #require(project.read("Taskfile"))
            try project.write("Taskfile", taskfile.replacingOccurrences(of: "attempts: 3", with: "attempts: 1"))
            let result = try await project.build("flaky", "-k", "-j1")
            #expect(result.status == 1, "\(result)")
            #expect(Self.runs(project, label: "flaky").values.allSatisfy { $0 == [0] })
            #expect(!Self.runs(project, label: "flaky").isEmpty)
            #expect(result.standardOutput.contains("failed 1 (flaky[shard 2/2])"), "\(result)")
        }
    }
}
