import StaskCore
import StaskTestSupport
import Testing

@Suite struct PlainReporterTests {
    @Test func printsOneCountedLineForEachFinishedTaskWithItsWholeOutputUnderIt() {
        let sink = CapturingSink()
        let reporter = PlainReporter(sink: sink)
        reporter.report(.planned(total: 5, upToDate: 3, estimatedWork: .seconds(1)))
        reporter.report(.started(id: "compile[src/a.c]", attempt: 1, estimate: .seconds(1)))
        reporter.report(.started(id: "compile[src/b.c]", attempt: 1, estimate: .seconds(1)))
        reporter.report(
            .finished(
                id: "compile[src/b.c]", outcome: .succeeded, duration: .milliseconds(120),
                output: Array("line 1\nline 2".utf8)))
        reporter.report(
            .finished(id: "compile[src/a.c]", outcome: .succeeded, duration: .milliseconds(2_345), output: []))
        #expect(
            sink.text == """
                [1/2] compile[src/b.c] (0.12s)
                line 1
                line 2
                [2/2] compile[src/a.c] (2.35s)

                """)
    }

    @Test func failedTaskShowsItsCommandStatusAndFullOutput() {
        let sink = CapturingSink()
        let reporter = PlainReporter(sink: sink)
        reporter.report(.planned(total: 1, upToDate: 0, estimatedWork: .zero))
        let failure = TaskFailure(command: "cc -c b.c", termination: .exited(1))
        reporter.report(
            .finished(
                id: "compile[b.c]", outcome: .failed(failure), duration: .milliseconds(50),
                output: Array("b.c:1:1: error: oops\n".utf8)))
        #expect(
            sink.text == """
                [1/1] FAILED: compile[b.c] (0.05s): exit status 1
                $ cc -c b.c
                b.c:1:1: error: oops

                """)
    }

    @Test func signalledAndTimedOutFailuresNameHowTheCommandEnded() {
        let sink = CapturingSink()
        let reporter = PlainReporter(sink: sink)
        reporter.report(.planned(total: 2, upToDate: 0, estimatedWork: .zero))
        reporter.report(
            .finished(
                id: "a", outcome: .failed(TaskFailure(command: "x", termination: .signalled(9))), duration: .zero,
                output: []))
        reporter.report(
            .finished(
                id: "b", outcome: .failed(TaskFailure(command: "y", termination: .timedOut)), duration: .zero,
                output: []))
        #expect(sink.text.contains("FAILED: a (0.00s): killed by signal 9"))
        #expect(sink.text.contains("FAILED: b (0.00s): timed out"))
    }

    @Test func retryAbortAndEarlyCutoffAreReported() {
        let sink = CapturingSink()
        let reporter = PlainReporter(sink: sink)
        reporter.report(.planned(total: 4, upToDate: 0, estimatedWork: .zero))
        reporter.report(
            .retrying(
                id: "test", failedAttempt: 1, failure: TaskFailure(command: "./t", termination: .exited(2)),
                delay: .milliseconds(200), output: Array("flake\n".utf8)))
        reporter.report(.finished(id: "link", outcome: .upToDate, duration: .zero, output: []))
        reporter.report(.aborted(ids: ["x", "y"]))
        #expect(
            sink.text == """
                retrying test: attempt 1 failed (exit status 2), next attempt in 0.20s
                $ ./t
                flake
                [1/4] link (up to date)
                aborted: x, y

                """)
    }

    @Test func summaryCountsEverythingAndNamesTheCriticalPath() {
        let sink = CapturingSink()
        let reporter = PlainReporter(sink: sink)
        let summary = BuildSummary(
            built: 3, upToDate: 7, flaky: ["test[b]"], failed: [], aborted: 0, wallTime: .milliseconds(3_210),
            criticalPath: [
                CriticalPathStep(id: "a", duration: .seconds(1)), CriticalPathStep(id: "b", duration: .seconds(2)),
                CriticalPathStep(id: "c", duration: .milliseconds(200)),
            ],
            speedups: [
                CriticalPathStep(id: "b", duration: .seconds(2)), CriticalPathStep(id: "a", duration: .seconds(1)),
                CriticalPathStep(id: "c", duration: .milliseconds(200)),
            ])
        reporter.report(.summary(summary))
        #expect(
            sink.text == """
                stask: built 3, up to date 7, flaky 1 (test[b]), failed 0, aborted 0 in 3.21s
                stask: critical path (3.20s): a (1.00s) -> b (2.00s) -> c (0.20s)
                stask: to shorten the build, speed up: b (saves up to 2.00s), a (1.00s), c (0.20s)

                """)
    }

    @Test func remoteCacheHitsAndTrafficAreShown() {
        let sink = CapturingSink()
        let reporter = PlainReporter(sink: sink)
        reporter.report(.planned(total: 1, upToDate: 0, estimatedWork: .zero))
        reporter.report(.finished(id: "link", outcome: .restored, duration: .milliseconds(30), output: []))
        var statistics = RemoteCacheStatistics()
        statistics.hits = 1
        statistics.bytesDownloaded = 1_250_000
        statistics.bytesUploaded = 49_999
        reporter.report(.summary(BuildSummary(restored: 1, wallTime: .seconds(1), remoteCache: statistics)))
        #expect(
            sink.text == """
                [1/1] link (from remote cache, 0.03s)
                stask: built 0, up to date 0, flaky 0, failed 0, aborted 0 in 1.00s
                stask: 1 from remote cache, 1.3 MB down, 0.0 MB up

                """)
    }

    @Test func failedOrInterruptedSummarySaysSo() {
        let failed = CapturingSink()
        PlainReporter(sink: failed).report(.summary(BuildSummary(built: 1, failed: ["x"], aborted: 2)))
        #expect(failed.text.hasPrefix("stask: build FAILED: built 1, up to date 0, flaky 0, failed 1 (x), aborted 2"))
        let interrupted = CapturingSink()
        PlainReporter(sink: interrupted).report(.summary(BuildSummary(interruptingSignal: 2)))
        #expect(interrupted.text.hasPrefix("stask: interrupted by SIGINT: built 0"))
    }

    @Test func eachEventIsWrittenInOneCall() {
        let sink = CapturingSink()
        let reporter = PlainReporter(sink: sink)
        reporter.report(.planned(total: 1, upToDate: 0, estimatedWork: .zero))
        reporter.report(.finished(id: "a", outcome: .succeeded, duration: .zero, output: Array("x\ny\n".utf8)))
        #expect(sink.writeCount == 1)
    }
}
