import Testing

extension EndToEndTests {
    /// Scenario 4: `NAME=value` on the command line.
    @Suite struct VariableOverrideTests {
        @Test func overridingAVariableRerunsExactlyTheTasksUsingIt() async throws {
            let project = try FixtureProject("vars")
            let first = try await project.build()
            #expect(first.status == 0, "\(first)")
            #expect(project.ran == ["greet", "plain", "shout"])

            try project.clearLog()
            let overridden = try await project.build("GREETING=bye")
            #expect(overridden.status == 0, "\(overridden)")
            #expect(project.ran == ["greet", "shout"])
            #expect(project.read("out/greeting.txt") == "bye, world\n")

            try project.clearLog()
            let again = try await project.build("GREETING=bye")
            #expect(again.status == 0, "\(again)")
            #expect(project.ran == [])

            try project.clearLog()
            let back = try await project.build()
            #expect(back.status == 0, "\(back)")
            #expect(project.ran == ["greet", "shout"])
            #expect(project.read("out/shout.txt") == project.read("expected-shout.txt"))
        }
    }
}
