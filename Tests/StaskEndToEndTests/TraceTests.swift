import Foundation
import Testing

extension EndToEndTests {
    /// `--trace FILE`, `--progress json` and the post-build report, on a build with retries.
    @Suite struct TraceTests {
        private func traceEvents(_ project: FixtureProject, _ path: String) throws -> (
            events: [[String: Any]], other: [String: Any]
        ) {
            let data = try Data(contentsOf: project.url(path))
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let events = try #require(object["traceEvents"] as? [[String: Any]])
            let other = try #require(object["otherData"] as? [String: Any])
            return (events, other)
        }

        @Test func traceHasOneCompleteEventPerAttemptBackoffWaitsAndTheCriticalPath() async throws {
            let project = try FixtureProject("retry")
            let result = try await project.build("--trace", "out/trace.json")
            #expect(result.status == 0, "\(result)")
            let (events, other) = try traceEvents(project, "out/trace.json")
            #expect(other["schema"] as? Int == 1)
            let complete = events.filter { $0["ph"] as? String == "X" }
            for event in complete {
                #expect(event["pid"] as? Int == 1)
                #expect(event["ts"] is Double && event["dur"] is Double && event["tid"] is Int, "\(event)")
            }
            let flaky = complete.filter { $0["name"] as? String == "flaky" }
            #expect(flaky.count == 3, "two failed attempts and the good one")
            let arguments = flaky.compactMap { $0["args"] as? [String: Any] }
            #expect(arguments.map { $0["attempt"] as? Int } == [1, 2, 3])
            #expect(arguments.map { $0["exit_status"] as? Int } == [1, 1, 0])
            #expect(arguments.map { $0["outcome"] as? String } == ["retrying", "retrying", "succeeded"])
            #expect((arguments[2]["action_key"] as? String)?.count == 32)
            #expect((arguments[0]["cost"] as? [String: Double])?["cpu"] == 1)
            #expect((flaky[0]["cat"] as? String)?.contains("failed") == true)
            let backoffs = complete.filter { $0["cat"] as? String == "backoff" }
            #expect(backoffs.count == 2)
            #expect(backoffs.allSatisfy { ($0["tid"] as? Int ?? 0) >= 1000 })
            // Attempts on one slot lane never overlap.
            var byLane: [Int: [(Double, Double)]] = [:]
            for event in complete where (event["tid"] as? Int ?? 0) < 1000 {
                let start = event["ts"] as? Double ?? 0
                byLane[event["tid"] as? Int ?? 0, default: []].append((start, start + (event["dur"] as? Double ?? 0)))
            }
            for (_, spans) in byLane {
                let sorted = spans.sorted { $0.0 < $1.0 }
                for (first, second) in zip(sorted, sorted.dropFirst()) { #expect(first.1 <= second.0) }
            }
            #expect(
                events.contains {
                    $0["ph"] as? String == "M" && ($0["args"] as? [String: Any])?["name"] as? String == "slot 1"
                })
            #expect((other["critical_path"] as? [String])?.isEmpty == false)
        }

        @Test func traceMarksTheRealisedCriticalPathAndTheSummaryNamesWhatToSpeedUp() async throws {
            let project = try FixtureProject("seeing")
            let result = try await project.build("-j", "2", "--trace", "trace.json")
            #expect(result.status == 0, "\(result)")
            let (events, other) = try traceEvents(project, "trace.json")
            let path = try #require(other["critical_path"] as? [String])
            #expect(path.count == 2 && path.first?.hasPrefix("gen[") == true && path.last == "pack", "\(path)")
            let complete = events.filter { $0["ph"] as? String == "X" }
            let marked = complete.filter { ($0["cat"] as? String)?.contains("critical_path") == true }
            #expect(marked.compactMap { $0["name"] as? String }.sorted() == path.sorted())
            #expect(marked.allSatisfy { ($0["args"] as? [String: Any])?["critical_path"] as? Bool == true })
            let flows = events.filter { $0["cat"] as? String == "critical_path" && $0["ph"] as? String != "X" }
            #expect(flows.compactMap { $0["ph"] as? String } == ["s", "f"])
            let report = result.standardOutput.split(separator: "\n").map(String.init)
            let pathLine = try #require(report.first { $0.hasPrefix("stask: critical path (") })
            #expect(pathLine.contains("\(path[0]) (") && pathLine.contains(" -> pack ("), "\(pathLine)")
            let speedUp = try #require(report.first { $0.hasPrefix("stask: to shorten the build, speed up: ") })
            #expect(speedUp.contains("(saves up to "), "\(speedUp)")
        }

        @Test func noOpBuildTracesUpToDateSkipsAsInstants() async throws {
            let project = try FixtureProject("incremental")
            #expect(try await project.build().status == 0)
            let result = try await project.build("--trace", "trace.json")
            #expect(result.status == 0, "\(result)")
            let (events, _) = try traceEvents(project, "trace.json")
            let instants = events.filter { $0["ph"] as? String == "i" }
            #expect(instants.count == 5)
            #expect(instants.allSatisfy { ($0["args"] as? [String: Any])?["outcome"] as? String == "up_to_date" })
            #expect(!events.contains { $0["ph"] as? String == "X" })
        }

        @Test func failedBuildStillWritesItsTrace() async throws {
            let project = try FixtureProject("failure")
            let result = try await project.build("--trace", "trace.json")
            #expect(result.status == 1, "\(result)")
            let (events, _) = try traceEvents(project, "trace.json")
            #expect(events.contains { ($0["cat"] as? String)?.contains("failed") == true })
        }

        @Test func jsonProgressReportsEveryEventKindWithItsFields() async throws {
            let project = try FixtureProject("retry")
            let result = try await project.stask(["build", "--progress=json"])
            #expect(result.status == 0, "\(result)")
            let objects = try result.standardOutput.split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            }
            let kinds = objects.compactMap { $0["event"] as? String }
            #expect(kinds.first == "planned" && kinds.last == "summary")
            #expect(objects[0]["schema"] as? Int == 2)
            let retried = objects.filter { $0["event"] as? String == "retried" }
            #expect(retried.map { $0["failed_attempt"] as? Int } == [1, 2])
            #expect(retried.allSatisfy { $0["id"] as? String == "flaky" && $0["exit_code"] as? Int == 1 })
            let outputs = objects.filter { $0["event"] as? String == "output" && $0["id"] as? String == "flaky" }
            #expect(
                outputs.map { $0["text"] as? String } == [
                    "flaky attempt 1\n", "flaky attempt 2\n", "flaky attempt 3\n",
                ])
            let started = objects.filter { $0["event"] as? String == "started" && $0["id"] as? String == "flaky" }
            #expect(started.map { $0["attempt"] as? Int } == [1, 2, 3])
            #expect(kinds.contains("flaky"))
            let summary = try #require(objects.last)
            #expect(summary["flaky"] as? [String] == ["flaky"])
            #expect((summary["critical_path_steps"] as? [[String: Any]])?.isEmpty == false)

            let again = try await project.stask(["build", "--progress=json"])
            let second = try again.standardOutput.split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            }
            let skipped = try #require(second.first { $0["event"] as? String == "skipped" })
            #expect(
                (skipped["ids"] as? [String])?.sorted() == [
                    "after-flaky", "flaky", "other[others/1.txt]", "other[others/2.txt]", "other[others/3.txt]",
                ])
        }
    }
}
