import Testing

extension EndToEndTests {
    /// Scenario 8: retries with backoff, flaky reporting, failure and `-k`.
    @Suite struct RetryTests {
        @Test func stepFailingTwiceThenPassingSucceedsAndIsReportedFlaky() async throws {
            let project = try FixtureProject("retry")
            let result = try await project.build("-j1")
            #expect(result.status == 0, "\(result)")
            #expect(project.ran == ["after-flaky", "flaky-1", "flaky-2", "flaky-3", "other-1", "other-2", "other-3"])
            #expect(result.standardOutput.contains("flaky 1 (flaky)"), "\(result)")
        }

        @Test func otherTasksUseTheBudgetWhileAStepBacksOff() async throws {
            let project = try FixtureProject("retry")
            let result = try await project.build("-j1")
            #expect(result.status == 0, "\(result)")
            let intervals = project.intervals
            let firstAttempt = try #require(intervals.first { $0.name == "flaky-1" })
            let secondAttempt = try #require(intervals.first { $0.name == "flaky-2" })
            // With one cpu unit, another task can only start in between if the backoff holds no budget.
            let ranDuringBackoff = intervals.contains {
                $0.name.hasPrefix("other-") && $0.start >= firstAttempt.end && $0.start < secondAttempt.start
            }
            #expect(ranDuringBackoff, "\(intervals)")
        }
    }

    @Suite struct FailureTests {
        @Test func alwaysFailingStepAbortsItsDependentsAndExitsOne() async throws {
            let project = try FixtureProject("failure")
            let result = try await project.build("-j1")
            #expect(result.status == 1, "\(result)")
            let ran = project.ran
            #expect(ran.filter { $0 == "broken" }.count == 2, "two attempts: \(ran)")
            #expect(!ran.contains("after-broken") && !ran.contains("last"), "\(ran)")
            #expect(result.standardOutput.contains("FAILED: broken"), "\(result)")
            #expect(result.standardOutput.contains("exit status 3"), "\(result)")
            #expect(result.standardOutput.contains("something went wrong"), "\(result)")
            #expect(result.standardOutput.contains("failed 1 (broken)"), "\(result)")
        }

        @Test func keepGoingCompletesEveryIndependentTask() async throws {
            let project = try FixtureProject("failure")
            let result = try await project.build("-k", "-j1")
            #expect(result.status == 1, "\(result)")
            let ran = project.ran
            for part in ["independent-1", "independent-2", "independent-3"] {
                #expect(ran.contains(part), "\(ran)")
            }
            #expect(!ran.contains("after-broken") && !ran.contains("last"), "\(ran)")
            #expect(result.standardOutput.contains("aborted 2"), "\(result)")
        }
    }
}
