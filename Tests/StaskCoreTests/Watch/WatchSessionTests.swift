import Testing

@testable import StaskCore

/// The watch loop over a fake watcher: build, watch, rebuild per batch, stop at the first interrupt.
@Suite(.timeLimit(.minutes(1)))
struct WatchSessionTests {
    @Test func buildsThenRebuildsPerBatchAndEndsAtTheFirstSignal() async throws {
        let project = BuildEngineTests.chainProject()
        let watcher = FakeWatcher()
        let (notices, noticeSink) = AsyncStream<WatchNotice>.makeStream()
        let (interrupts, interrupt) = AsyncStream<Int32>.makeStream()
        let session = WatchSession(
            engine: project.engine, options: BuildOptions(directory: "/p"), watcher: watcher,
            quietPeriod: .milliseconds(1), clock: ContinuousClock(), makeReporter: { RecordingReporter() },
            notify: { noticeSink.yield($0) })
        async let ended = session.run(interrupts: interrupts)
        var iterator = notices.makeAsyncIterator()

        guard case .cycle(let first)? = await iterator.next() else { Issue.record("no first cycle"); return }
        #expect(first.number == 1 && first.ran.count == 4)
        #expect(watcher.targets.last?.directories.contains("/p/src") == true)

        try project.write("src/b.c", "# b\nint b = 2;\n")
        watcher.emit([
            FileChange(path: "/p/build/b.o", kind: .contents), FileChange(path: "/p/src/b.c", kind: .contents),
        ])
        guard case .cycle(let second)? = await iterator.next() else { Issue.record("no second cycle"); return }
        #expect(second.changed == ["src/b.c"], "the output's change is filtered out")
        #expect(second.ran == ["strip[src/b.c]", "link"])

        interrupt.yield(2)
        #expect(try await ended == 2)
        #expect(watcher.isStopped)
    }
}
