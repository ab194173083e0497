import Foundation
import Synchronization
import Testing

@testable import StaskCore

@Suite(.timeLimit(.minutes(1)))
struct TraceRecorderTests {
    private func trace(_ project: BuildEngineTests.Project, _ path: String) throws -> [[String: Any]] {
        let bytes = try project.fileSystem.readFile(atPath: path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        return try #require(object["traceEvents"] as? [[String: Any]])
    }

    @Test func buildWritesTheTraceWithOneEventPerAttemptAndSkipsAsInstants() async throws {
        let project = BuildEngineTests.chainProject()
        _ = try await project.build { $0.tracePath = "out/trace.json" }
        let events = try trace(project, "/p/out/trace.json")
        let attempts = events.filter { $0["ph"] as? String == "X" }
        #expect(
            attempts.compactMap { $0["name"] as? String }.sorted() == [
                "docs", "link", "strip[src/a.c]", "strip[src/b.c]",
            ])
        #expect(attempts.allSatisfy { (($0["args"] as? [String: Any])?["action_key"] as? String)?.count == 32 })

        try project.write("guide.md", "changed\n")
        _ = try await project.build { $0.tracePath = "out/trace.json" }
        let second = try trace(project, "/p/out/trace.json")
        #expect(second.filter { $0["ph"] as? String == "X" }.compactMap { $0["name"] as? String } == ["docs"])
        let skips = second.filter { $0["ph"] as? String == "i" }.compactMap { $0["name"] as? String }
        #expect(skips == ["strip[src/a.c]", "strip[src/b.c]", "link"])
    }

    @Test func interruptedBuildStillWritesItsTraceWithTheAttemptCutShort() async throws {
        let project = BuildEngineTests.Project([
            "Taskfile": "version: 1\ntasks:\n  slow:\n    outputs: [out]\n    run: hang\n"
        ])
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        let reporter = BuildEngineTests.SignallingReporter(whenStarted: "slow") { continuation.yield(2) }
        var options = BuildOptions(directory: "/p")
        options.tracePath = "trace.json"
        let summary = try await project.engine.run(options, reporter: reporter, interrupts: signals)
        #expect(summary.interruptingSignal == 2)
        let events = try trace(project, "/p/trace.json")
        let slow = try #require(events.first { $0["ph"] as? String == "X" && $0["name"] as? String == "slow" })
        #expect((slow["cat"] as? String)?.contains("interrupted") == true)
    }

    @Test func eachAttemptShowsItsPeakMemory() async throws {
        let project = BuildEngineTests.Project([
            "Taskfile": """
            version: 1
            tasks:
              link:
                outputs: [app]
                retry: 2
                run:
                  - peak 300000000
                  - flaky link 1
                  - write app linked
            """
        ])
        _ = try await project.build { $0.tracePath = "trace.json" }
        let attempts = try trace(project, "/p/trace.json").filter {
            $0["ph"] as? String == "X" && $0["name"] as? String == "link"
        }
        let peaks = attempts.compactMap { ($0["args"] as? [String: Any])?["peak_memory_bytes"] as? Int }
        #expect(attempts.count == 2 && peaks == [300_000_000, 300_000_000], "\(attempts)")
    }

    @Test func withoutASummaryOpenAttemptsEndAtTheLastEvent() throws {
        let times = TimeSource()
        let recorder = TraceRecorder(costs: ["a": ["cpu": 1]], actionKey: { _ in nil }, now: { times.next() })
        recorder.report(.started(id: "a", attempt: 1, estimate: .zero))
        recorder.report(.warning("still going"))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(recorder.traceJSON())) as? [String: Any])
        let events = try #require(object["traceEvents"] as? [[String: Any]])
        let attempt = try #require(events.first { $0["ph"] as? String == "X" })
        #expect(attempt["ts"] as? Double == 1_000_000 && attempt["dur"] as? Double == 1_000_000)
        #expect(attempt["tid"] as? Int == 1)
    }

    /// Returns 1 s, 2 s, 3 s, … on successive calls.
    final class TimeSource: Sendable {
        private let count = Mutex(0)

        func next() -> Duration {
            .seconds(
                count.withLock { count in
                    count += 1
                    return count
                })
        }
    }
}
