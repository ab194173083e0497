import Foundation
import StaskCore
import Testing

@Suite struct JSONReporterTests {
    /// Parses every line the reporter wrote as a JSON object.
    private func objects(_ sink: CapturingSink) throws -> [[String: Any]] {
        try sink.text.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test func writesOneParsableObjectPerEvent() throws {
        let sink = CapturingSink()
        let reporter = JSONReporter(sink: sink)
        reporter.report(.planned(total: 3, upToDate: 1, estimatedWork: .milliseconds(1_500)))
        reporter.report(.started(id: "a \"quoted\"", attempt: 1, estimate: .milliseconds(250)))
        reporter.report(
            .finished(
                id: "a \"quoted\"", outcome: .failed(TaskFailure(command: "false", termination: .exited(1))),
                duration: .milliseconds(7), output: Array("tab\there\nline\u{1}".utf8)))
        reporter.report(.summary(BuildSummary(built: 1, failed: ["a"], wallTime: .seconds(2))))
        let lines = try objects(sink)
        #expect(lines.count == 4)
        #expect(lines[0]["event"] as? String == "planned")
        #expect(lines[0]["schema"] as? Int == 1)
        #expect(lines[0]["estimated_work"] as? Double == 1.5)
        #expect(lines[1]["id"] as? String == "a \"quoted\"")
        #expect(lines[2]["outcome"] as? String == "failed")
        #expect(lines[2]["status"] as? String == "exit status 1")
        #expect(lines[2]["output"] as? String == "tab\there\nline\u{1}")
        #expect(lines[2]["duration"] as? Double == 0.007)
        #expect(lines[3]["success"] as? Bool == false)
        #expect(lines[3]["failed"] as? [String] == ["a"])
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
