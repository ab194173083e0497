import OrderedCollections
import StaskCore
import Synchronization

/// Reports progress on a terminal as one live status line, redrawn in place, with task output above it.
///
/// ```
/// [3/10] running: compile[src/a.c], compile[src/b.c]… ETA 12s
/// ```
///
/// The status line is redrawn with a carriage return and "erase line" (`\r` `ESC[K`) on every event and on
/// ``tick()``. A task's output (and the header naming it) is printed whole above the status line when the
/// task ends; a task that succeeds silently prints nothing, the status line is its progress. Failures,
/// retries and aborts are always printed. The ETA is the estimated remaining work (recorded durations of
/// tasks not yet finished, less the time running tasks have already spent) divided by the number of
/// running tasks.
///
/// This type writes escape sequences but does not decide whether the output is a terminal: the `stask`
/// command does (`isatty`, `TERM=dumb`) and picks ``PlainReporter`` otherwise. Thread-safe: state is behind
/// a `Mutex` and every redraw is written in one call to the sink while the lock is held, so a timer's
/// ``tick()`` cannot garble a task's output.
final class TerminalReporter: ProgressReporter {
    private struct Running {
        var startedAt: Duration
        var estimate: Duration
    }

    private struct State {
        var total = 0
        var done = 0
        var unstartedWork = Duration.zero
        var running: OrderedDictionary<String, Running> = [:]
        var isStatusVisible = false
        var isFinished = false
    }

    private static let eraseLine = "\r\u{1B}[K"

    private let sink: any OutputSink
    private let width: Int
    private let now: @Sendable () -> Duration
    private let state = Mutex(State())

    /// Creates a reporter writing to `sink`, a terminal `width` columns wide.
    ///
    /// - Parameters:
    ///   - sink: Where to write (the terminal).
    ///   - width: The terminal's width in columns; the status line is cut to fit.
    ///   - now: The current time as a duration since any fixed origin; tests pass a manual clock.
    init(sink: any OutputSink, width: Int = 80, now: (@Sendable () -> Duration)? = nil) {
        self.sink = sink
        self.width = max(20, width)
        if let now {
            self.now = now
        } else {
            let origin = ContinuousClock.now
            self.now = { ContinuousClock.now - origin }
        }
    }

    /// Prints what `event` calls for and redraws the status line.
    func report(_ event: BuildEvent) {
        let time = now()
        state.withLock { state in
            guard !state.isFinished else { return }
            var text = ""
            var block: String?
            switch event {
            case .planned(let total, let upToDate, let estimatedWork):
                state.total = total - upToDate
                state.unstartedWork = estimatedWork
            case .started(let id, _, let estimate):
                state.running[id] = Running(startedAt: time, estimate: estimate)
                state.unstartedWork = max(.zero, state.unstartedWork - estimate)
            case .finished(let id, let outcome, let duration, let output):
                state.running[id] = nil
                state.done += 1
                if case .failed = outcome {
                    block = ProgressText.finishedBlock(
                        counter: "[\(state.done)/\(state.total)]", id: id, outcome: outcome, duration: duration,
                        output: output)
                } else if !output.isEmpty {
                    block = ProgressText.finishedBlock(
                        counter: "[\(state.done)/\(state.total)]", id: id, outcome: outcome, duration: duration,
                        output: output)
                }
            case .retrying(let id, let failedAttempt, let failure, let delay, let output):
                state.running[id] = nil
                block = ProgressText.retryBlock(
                    id: id, failedAttempt: failedAttempt, failure: failure, delay: delay, output: output)
            case .aborted(let ids):
                state.done += ids.count
                if !ids.isEmpty { block = ProgressText.abortedLine(ids) }
            case .flaky, .skipped:
                break
            case .warning(let message):
                block = "stask: warning: \(message)\n"
            case .summary(let summary):
                state.isFinished = true
                if state.isStatusVisible { text += Self.eraseLine }
                text += ProgressText.summary(summary)
                // Written under the lock so a concurrent tick() cannot draw after the summary.
                sink.write(text)
                return
            }
            if let block {
                if state.isStatusVisible { text += Self.eraseLine }
                text += block
                state.isStatusVisible = false
            }
            if state.total > 0 {
                text += statusLine(state, at: time)
                state.isStatusVisible = true
            }
            if !text.isEmpty { sink.write(text) }
        }
    }

    /// Redraws the status line so the ETA and running times stay current between events.
    func tick() {
        let time = now()
        state.withLock { state in
            guard !state.isFinished, state.total > 0 else { return }
            sink.write(statusLine(state, at: time))
            state.isStatusVisible = true
        }
    }

    /// The status line, starting with a carriage return and erase so it replaces the previous one.
    private func statusLine(_ state: State, at time: Duration) -> String {
        let counter = "[\(state.done)/\(state.total)]"
        var suffix = ""
        if let eta = estimatedRemaining(state, at: time) {
            suffix = " ETA \(ProgressText.eta(eta))"
        }
        var line = counter
        if !state.running.isEmpty {
            let room = width - 1 - counter.count - suffix.count - " running: ".count
            line += " running: " + Self.fitted(Array(state.running.keys), into: room)
        }
        line += suffix
        if line.count > width - 1 { line = String(line.prefix(width - 1)) }
        return Self.eraseLine + line
    }

    private func estimatedRemaining(_ state: State, at time: Duration) -> Duration? {
        var remaining = state.unstartedWork
        for task in state.running.values {
            remaining += max(.zero, task.estimate - (time - task.startedAt))
        }
        guard remaining > .zero else { return nil }
        return remaining / max(1, state.running.count)
    }

    /// `a, b, c` cut to `room` characters, ending with `…` when names were left out.
    private static func fitted(_ names: [String], into room: Int) -> String {
        var text = ""
        for (index, name) in names.enumerated() {
            let piece = index == 0 ? name : ", " + name
            let isLast = index == names.count - 1
            if text.count + piece.count + (isLast ? 0 : 1) > room {
                return text.isEmpty ? String(name.prefix(max(0, room - 1))) + "…" : text + "…"
            }
            text += piece
        }
        return text
    }
}
