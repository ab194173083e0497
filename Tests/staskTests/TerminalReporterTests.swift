import StaskCore
import StaskTestSupport
import Synchronization
import Testing

@testable import stask

@Suite struct TerminalReporterTests {
    /// A settable clock for the reporter's `now`.
    final class FakeNow: Sendable {
        private let value = Mutex(Duration.zero)
        func set(_ duration: Duration) { value.withLock { $0 = duration } }
        func callAsFunction() -> Duration { value.withLock { $0 } }
    }

    private static let erase = "\r\u{1B}[K"

    @Test func redrawsOneStatusLineInPlaceWithRunningTasksAndETA() {
        let sink = CapturingSink()
        let now = FakeNow()
        let reporter = TerminalReporter(sink: sink, width: 80, now: { now() })
        reporter.report(.planned(total: 3, upToDate: 0, estimatedWork: .seconds(12)))
        reporter.report(.started(id: "a", attempt: 1, estimate: .seconds(4)))
        reporter.report(.started(id: "b", attempt: 1, estimate: .seconds(4)))
        // Remaining: c 4s not started + a 4s + b 4s = 12s over 2 running tasks.
        #expect(sink.text.hasSuffix(Self.erase + "[0/3] running: a, b ETA 6s"))
        now.set(.seconds(2))
        reporter.tick()
        // 4 + 2 + 2 = 8s over 2.
        #expect(sink.text.hasSuffix(Self.erase + "[0/3] running: a, b ETA 4s"))
        #expect(!sink.text.contains("\n"), "nothing but the status line so far")
    }

    @Test func printsOutputAboveTheStatusLineAndNotSilentSuccesses() {
        let sink = CapturingSink()
        let reporter = TerminalReporter(sink: sink, width: 80, now: { .zero })
        reporter.report(.planned(total: 2, upToDate: 0, estimatedWork: .zero))
        reporter.report(.started(id: "a", attempt: 1, estimate: .zero))
        reporter.report(.started(id: "b", attempt: 1, estimate: .zero))
        reporter.report(.finished(id: "a", outcome: .succeeded, duration: .zero, output: []))
        #expect(sink.text.hasSuffix(Self.erase + "[1/2] running: b"))
        reporter.report(.finished(id: "b", outcome: .succeeded, duration: .zero, output: Array("hello\n".utf8)))
        #expect(sink.text.hasSuffix(Self.erase + "[2/2] b (0.00s)\nhello\n" + Self.erase + "[2/2]"))
    }

    @Test func statusLineIsCutToTheTerminalWidth() {
        let sink = CapturingSink()
        let reporter = TerminalReporter(sink: sink, width: 30, now: { .zero })
        reporter.report(.planned(total: 9, upToDate: 0, estimatedWork: .zero))
        for name in ["compile[src/alpha.c]", "compile[src/beta.c]", "compile[src/gamma.c]"] {
            reporter.report(.started(id: name, attempt: 1, estimate: .zero))
        }
        let line = try! #require(sink.text.split(separator: Self.erase).last)
        #expect(line.count <= 29)
        #expect(line.hasPrefix("[0/9] running: compile[src/"))
        #expect(line.hasSuffix("…"))
    }

    @Test func summaryErasesTheStatusLineAndNothingIsDrawnAfterIt() {
        let sink = CapturingSink()
        let reporter = TerminalReporter(sink: sink, width: 80, now: { .zero })
        reporter.report(.planned(total: 1, upToDate: 0, estimatedWork: .zero))
        reporter.report(.started(id: "a", attempt: 1, estimate: .zero))
        reporter.report(.finished(id: "a", outcome: .succeeded, duration: .zero, output: []))
        reporter.report(.summary(BuildSummary(built: 1)))
        reporter.tick()
        #expect(
            sink.text.hasSuffix(Self.erase + "stask: built 1, up to date 0, flaky 0, failed 0, aborted 0 in 0.00s\n"))
    }

    @Test func failuresAreAlwaysPrintedWithTheirOutput() {
        let sink = CapturingSink()
        let reporter = TerminalReporter(sink: sink, width: 80, now: { .zero })
        reporter.report(.planned(total: 1, upToDate: 0, estimatedWork: .zero))
        let failure = TaskFailure(command: "false", termination: .exited(1))
        reporter.report(.finished(id: "a", outcome: .failed(failure), duration: .zero, output: []))
        #expect(sink.text.contains("[1/1] FAILED: a (0.00s): exit status 1\n$ false\n"))
    }

    @Test func noOpBuildDrawsNoStatusLine() {
        let sink = CapturingSink()
        let reporter = TerminalReporter(sink: sink, width: 80, now: { .zero })
        reporter.report(.planned(total: 4, upToDate: 4, estimatedWork: .zero))
        reporter.report(.summary(BuildSummary(upToDate: 4)))
        #expect(sink.text == "stask: built 0, up to date 4, flaky 0, failed 0, aborted 0 in 0.00s\n")
    }
}
