import Synchronization

/// Reports one line per finished task, with the task's whole output under it: for logs, pipes and CI.
///
/// ```
/// [1/3] compile[src/a.c] (0.12s)
/// [2/3] FAILED: compile[src/b.c] (0.05s): exit status 1
/// $ cc -c src/b.c -o build/b.o
/// src/b.c:1:1: error: ...
/// stask: build FAILED: built 1, up to date 0, flaky 0, failed 1 (compile[src/b.c]), aborted 1 in 0.20s
/// ```
///
/// The counter `[done/total]` counts the instances that needed work (up-to-date instances found before
/// the build are left out of both numbers). Each task's output is printed whole when the task ends, so
/// outputs of parallel tasks never interleave. Thread-safe: state is behind a `Mutex`, and each event's
/// text is written in one call to the sink while the lock is held, so blocks keep the events' order.
package final class PlainReporter: ProgressReporter {
    private struct State {
        var total = 0
        var done = 0
    }

    private let sink: any OutputSink
    private let state = Mutex(State())

    /// Creates a reporter writing to `sink`.
    package init(sink: any OutputSink) {
        self.sink = sink
    }

    /// Writes the text for `event`, if it has any.
    package func report(_ event: BuildEvent) {
        state.withLock { state in
            guard let text = Self.text(for: event, state: &state) else { return }
            // Written under the lock so that two callers cannot swap the order of consecutive blocks.
            sink.write(text)
        }
    }

    private static func text(for event: BuildEvent, state: inout State) -> String? {
        switch event {
        case .planned(let total, let upToDate, _):
            state.total = total - upToDate
            return nil
        case .started, .flaky, .skipped:
            return nil
        case .finished(let id, let outcome, let duration, let output):
            state.done += 1
            return ProgressText.finishedBlock(
                counter: "[\(state.done)/\(state.total)]", id: id, outcome: outcome, duration: duration,
                output: output)
        case .retrying(let id, let failedAttempt, let failure, let delay, let output):
            return ProgressText.retryBlock(
                id: id, failedAttempt: failedAttempt, failure: failure, delay: delay, output: output)
        case .aborted(let ids):
            state.done += ids.count
            return ids.isEmpty ? nil : ProgressText.abortedLine(ids)
        case .warning(let message):
            return "stask: warning: \(message)\n"
        case .summary(let summary):
            return ProgressText.summary(summary)
        }
    }
}
