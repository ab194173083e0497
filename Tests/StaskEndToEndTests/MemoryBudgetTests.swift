import Foundation
import Testing

extension EndToEndTests {
    /// The learned `mem` cost: steps that together would exceed the memory budget run one after another,
    /// from their commands' own timestamps.
    @Suite struct MemoryBudgetTests {
        /// 500 MB holds two steps of about 210 MiB (their peak: 200 MiB and the interpreter), not three.
        static let budget = ["--cpu", "4", "--budget", "mem=500MB"]

        @Test func afterOneRecordedRunStepsNeverExceedTheBudgetAndUseIt() async throws {
            let project = try FixtureProject("memory")
            let first = try await project.stask(["build", "--progress=plain"] + Self.budget + ["learned"])
            #expect(first.status == 0, "\(first)")
            let listing = try await project.stask(["list", "--json"])
            let peak = try #require(Self.peakMemory(listing.standardOutput, task: "learned"), "\(listing)")
            #expect(peak >= 200 << 20 && peak < 500_000_000 / 2, "\(peak)")

            try project.remove("log.txt")
            let second = try await project.stask(["build", "--progress=plain"] + Self.budget + ["learned"])
            #expect(second.status == 0, "\(second)")
            let intervals = project.intervals
            #expect(intervals.count == 4, "\(project.logLines)")
            #expect(StampInterval.peakOverlap(intervals) == 2, "\(intervals)")
        }

        @Test func aDeclaredCostBoundsTheFirstBuildToo() async throws {
            let project = try FixtureProject("memory")
            let result = try await project.stask(["build", "--progress=plain"] + Self.budget + ["declared"])
            #expect(result.status == 0, "\(result)")
            #expect(StampInterval.peakOverlap(project.intervals) == 1, "250 MiB each: one at a time under 500 MB")
            try project.remove("log.txt")
            // Four fit in 1 GiB: each step holds its memory until all four have started.
            let wider = try await project.build("--cpu", "4", "--budget", "mem=1GiB", "declared", "TOGETHER=4")
            #expect(wider.status == 0, "\(wider)")
            #expect(StampInterval.peakOverlap(project.intervals) == 4, "\(project.intervals)")
        }

        @Test func aMalformedMemoryBudgetIsAUsageError() async throws {
            let project = try FixtureProject("memory")
            let result = try await project.build("--budget", "mem=16XB")
            #expect(result.status == 2, "\(result)")
            #expect(result.standardError.contains("mem=16XB"), "\(result)")
            #expect(!project.exists("log.txt"))
        }

        static func peakMemory(_ json: String, task: String) -> Int? {
            guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                let tasks = object["tasks"] as? [[String: Any]],
                let entry = tasks.first(where: { $0["name"] as? String == task })
            else { return nil }
            return entry["peak_memory_bytes"] as? Int
        }
    }
}

extension EndToEndTests.MemoryBudgetTests {
    /// A real out-of-memory kill: the step joins a 100 MiB cgroup and takes 300 MiB.
    @Test(.enabled(if: MemoryCgroup.isAvailable, "needs root and a writable memory cgroup"))
    func aStepTheOutOfMemoryKillerEndsIsNamedAndRunsOnceMoreAlone() async throws {
        let cgroup = try #require(MemoryCgroup.make(limit: 100 << 20))
        defer { cgroup.remove() }
        let project = try FixtureProject("memory")
        let result = try await project.build(environment: ["OOM_CGROUP": cgroup.path], "--budget", "mem=8GB", "hog")
        #expect(result.status == 1, "\(result)")
        let output = result.standardOutput + result.standardError
        #expect(output.contains("running it again alone"), "\(result)")
        #expect(output.contains("FAILED: hog") && output.contains("killed by the out-of-memory killer"), "\(result)")
    }
}
