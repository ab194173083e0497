import Testing

extension EndToEndTests {
    /// Scenario 7: critical-path priority on a skewed graph.
    @Suite struct SkewTests {
        /// The second build (durations known from the first) finishes within 10% of
        /// `max(critical path, total work / 2)`, all measured from the commands' own timestamps: the
        /// makespan from the first start to the last end, work and critical path from each step's
        /// recorded duration (so spawn gaps count against stask, not in its favour).
        @Test func secondBuildAtTwoJobsStaysWithinTenPercentOfTheLowerBound() async throws {
            let project = try FixtureProject("skew")
            let first = try await project.build("-j2")
            #expect(first.status == 0, "\(first)")
            try project.clearLog()

            let second = try await project.build("-j2")
            #expect(second.status == 0, "\(second)")
            let intervals = project.intervals
            try #require(intervals.count == 9, "\(project.logLines)")
            let makespan = Double(intervals.map(\.end).max()! - intervals.map(\.start).min()!) / 1e9
            let work = intervals.reduce(0) { $0 + $1.seconds }
            let criticalPath = intervals.filter { $0.name.hasPrefix("chain") }.reduce(0) { $0 + $1.seconds }
            let bound = max(criticalPath, work / 2)
            #expect(
                makespan <= bound * 1.10,
                "makespan \(makespan)s, bound \(bound)s (critical path \(criticalPath)s, work \(work)s)")
        }
    }
}
