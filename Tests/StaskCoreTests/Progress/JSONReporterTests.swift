import Foundation
import StaskCore
import StaskTestSupport
import Testing

@Suite struct JSONReporterTests {
    /// Parses every line the reporter wrote as a JSON object.
    private func objects(_ sink: CapturingSink) throws -> [[String: Any]] {
        try sink.text.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test func writesOneParsableObjectPerEventWithOutputAsItsOwnEvent() throws {
        let sink = CapturingSink()
        let reporter = JSONReporter(sink: sink)
        reporter.report(.planned(total: 3, upToDate: 1, estimatedWork: .milliseconds(1_500)))
        reporter.report(.skipped(ids: ["docs"]))
        reporter.report(.started(id: "a \"quoted\"", attempt: 1, estimate: .milliseconds(250)))
        reporter.report(
            .finished(
                id: "a \"quoted\"", outcome: .failed(TaskFailure(command: "false", termination: .exited(1))),
                duration: .milliseconds(7), output: Array("tab\there\nline\u{1}".utf8)))
        reporter.report(.summary(BuildSummary(built: 1, failed: ["a"], wallTime: .seconds(2))))
        let lines = try objects(sink)
        #expect(
            lines.map { $0["event"] as? String } == ["planned", "skipped", "started", "output", "finished", "summary"])
        #expect(lines[0]["schema"] as? Int == JSONReporter.schemaVersion && JSONReporter.schemaVersion == 2)
        #expect(lines[0]["estimated_work"] as? Double == 1.5)
        #expect(lines[0]["up_to_date"] as? Int == 1 && lines[0]["total"] as? Int == 3)
        #expect(lines[1]["ids"] as? [String] == ["docs"] && lines[1]["reason"] as? String == "up_to_date")
        #expect(lines[2]["id"] as? String == "a \"quoted\"" && lines[2]["attempt"] as? Int == 1)
        #expect(lines[3]["id"] as? String == "a \"quoted\"")
        #expect(lines[3]["text"] as? String == "tab\there\nline\u{1}")
        #expect(lines[4]["outcome"] as? String == "failed")
        #expect(lines[4]["status"] as? String == "exit status 1")
        #expect(lines[4]["exit_code"] as? Int == 1 && lines[4]["command"] as? String == "false")
        #expect(lines[4]["duration"] as? Double == 0.007)
        #expect(lines[4]["output"] == nil)
        #expect(lines[5]["success"] as? Bool == false)
        #expect(lines[5]["failed"] as? [String] == ["a"])
    }

    @Test func retriedAbortedAndFlakyEventsCarryTheirFields() throws {
        let sink = CapturingSink()
        let reporter = JSONReporter(sink: sink)
        reporter.report(
            .retrying(
                id: "t", failedAttempt: 2, failure: TaskFailure(command: "sh t.sh", termination: .exited(4)),
                delay: .milliseconds(300), output: []))
        reporter.report(.flaky(id: "t"))
        reporter.report(.aborted(ids: ["x", "y"]))
        reporter.report(.warning("careful"))
        let lines = try objects(sink)
        #expect(lines.map { $0["event"] as? String } == ["retried", "flaky", "aborted", "warning"])
        #expect(lines[0]["failed_attempt"] as? Int == 2 && lines[0]["delay"] as? Double == 0.3)
        #expect(lines[0]["exit_code"] as? Int == 4 && lines[0]["command"] as? String == "sh t.sh")
        #expect(lines[1]["id"] as? String == "t")
        #expect(lines[2]["ids"] as? [String] == ["x", "y"])
        #expect(lines[3]["message"] as? String == "careful")
    }

    @Test func summaryListsCriticalPathStepsAndSpeedups() throws {
        let sink = CapturingSink()
        let summary = BuildSummary(
            built: 2, wallTime: .seconds(3),
            criticalPath: [
                CriticalPathStep(id: "a", duration: .seconds(1)), CriticalPathStep(id: "b", duration: .seconds(2)),
            ],
            speedups: [CriticalPathStep(id: "b", duration: .milliseconds(1_500))])
        JSONReporter(sink: sink).report(.summary(summary))
        let line = try #require(try objects(sink).first)
        #expect(line["critical_path"] as? [String] == ["a", "b"])
        let steps = try #require(line["critical_path_steps"] as? [[String: Any]])
        #expect(steps.map { $0["id"] as? String } == ["a", "b"])
        #expect(steps.map { $0["duration"] as? Double } == [1, 2])
        #expect(line["critical_path_duration"] as? Double == 3)
        let speedups = try #require(line["speedups"] as? [[String: Any]])
        #expect(speedups.count == 1 && speedups[0]["id"] as? String == "b" && speedups[0]["saving"] as? Double == 1.5)
    }

    @Test func remoteCacheOutcomesAndTrafficAreReported() throws {
        let sink = CapturingSink()
        let reporter = JSONReporter(sink: sink)
        reporter.report(.finished(id: "link", outcome: .restored, duration: .milliseconds(4), output: []))
        var statistics = RemoteCacheStatistics()
        statistics.hits = 1
        statistics.bytesDownloaded = 2_000
        reporter.report(.summary(BuildSummary(restored: 1, remoteCache: statistics)))
        let lines = try objects(sink)
        #expect(lines[0]["outcome"] as? String == "restored")
        #expect(lines[1]["restored"] as? Int == 1)
        #expect(lines[1]["remote_cache_hits"] as? Int == 1)
        #expect(lines[1]["remote_cache_bytes_down"] as? Int == 2_000)
    }
}
