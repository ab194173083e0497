import Testing

extension EndToEndTests {
    /// Scenario 6: the cpu and io budgets bound what runs at once (from the commands' own timestamps).
    @Suite struct BudgetTests {
        @Test func cpuBudgetOfTwoNeverRunsMoreThanTwoCpuUnitsAtOnce() async throws {
            let project = try FixtureProject("budget")
            let result = try await project.build("--cpu", "2")
            #expect(result.status == 0, "\(result)")
            let intervals = project.intervals
            #expect(intervals.count == 7, "\(project.logLines)")
            // Every task costs one cpu unit: at most two overlap, and the budget is used (two do overlap).
            #expect(StampInterval.peakOverlap(intervals) == 2, "\(intervals)")
        }

        @Test func ioBudgetOfOneKeepsIoTasksApartWhileOtherWorkContinues() async throws {
            let project = try FixtureProject("budget")
            let result = try await project.build("--cpu", "5", "--io", "1")
            #expect(result.status == 0, "\(result)")
            let fetches = project.intervals.filter { $0.name.hasPrefix("fetch-") }
            let computes = project.intervals.filter { $0.name.hasPrefix("compute-") }
            #expect(fetches.count == 3 && computes.count == 4, "\(project.logLines)")
            #expect(StampInterval.peakOverlap(fetches) == 1, "\(fetches)")
            let overlapsCompute = fetches.contains { fetch in
                computes.contains { $0.start < fetch.end && fetch.start < $0.end }
            }
            #expect(overlapsCompute, "cpu-only tasks should run beside an io task: \(project.intervals)")
        }
    }
}
