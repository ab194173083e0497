import Testing

extension EndToEndTests {
    /// Scenario 9: every load-time error exits 2 with its location and runs nothing.
    @Suite struct BadTaskfileTests {
        static let cases = [
            "bad-yaml", "no-version", "go-task", "cycle", "unknown-dep", "duplicate-output", "missing-source",
            "unknown-placeholder", "cost-over-budget", "unknown-key",
        ]

        @Test(arguments: cases)
        func loadErrorExitsTwoWithItsLocationAndRunsNothing(_ name: String) async throws {
            let project = try FixtureProject("bad-taskfiles/\(name)")
            let expected = try #require(project.read("expected-error.txt"))
            let result = try await project.build()
            #expect(result.status == 2, "\(result)")
            for line in expected.split(separator: "\n") {
                #expect(result.standardError.contains(line), "expected '\(line)' in:\n\(result.standardError)")
            }
            #expect(result.standardError.hasPrefix("Taskfile:"), "location first: \(result.standardError)")
            #expect(!project.exists("log.txt"), "nothing may run")
        }
    }
}
