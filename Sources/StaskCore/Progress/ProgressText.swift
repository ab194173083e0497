/// The wording shared by the human-readable reporters, so plain and terminal output say the same thing.
package enum ProgressText {
    /// `0.12s`, `3.40s`, `75.00s`: seconds with two decimals, rounded to the nearest hundredth.
    package static func seconds(_ duration: Duration) -> String {
        let hundredths = max(0, (milliseconds(duration) + 5) / 10)
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)s"
    }

    /// `12s`, `2m05s`: a coarse remaining time for the status line.
    package static func eta(_ duration: Duration) -> String {
        let total = max(0, (milliseconds(duration) + 999) / 1000)
        if total < 60 { return "\(total)s" }
        let remainder = total % 60
        return "\(total / 60)m\(remainder < 10 ? "0" : "")\(remainder)s"
    }

    package static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The header and whole output of a finished task, as printed under the `[done/total]` counter.
    package static func finishedBlock(
        counter: String, id: String, outcome: TaskOutcome, duration: Duration, output: [UInt8]
    ) -> String {
        var text: String
        switch outcome {
        case .succeeded:
            text = "\(counter) \(id) (\(seconds(duration)))\n"
        case .upToDate:
            text = "\(counter) \(id) (up to date)\n"
        case .restored:
            text = "\(counter) \(id) (from remote cache, \(seconds(duration)))\n"
        case .failed(let failure):
            text = "\(counter) FAILED: \(id) (\(seconds(duration))): \(failure)\n"
            text += "$ \(failure.command)\n"
        }
        text += outputText(output)
        return text
    }

    /// A failed attempt that will be retried, with its output.
    package static func retryBlock(
        id: String, failedAttempt: Int, failure: TaskFailure, delay: Duration, output: [UInt8]
    ) -> String {
        var text = "retrying \(id): attempt \(failedAttempt) failed (\(failure)), "
        text += "next attempt in \(seconds(delay))\n"
        text += "$ \(failure.command)\n"
        text += outputText(output)
        return text
    }

    /// `aborted: link, test (dependency failed or build stopped)`, naming at most ten instances.
    package static func abortedLine(_ ids: [String]) -> String {
        let shown = ids.prefix(10).joined(separator: ", ")
        let more = ids.count > 10 ? " and \(ids.count - 10) more" : ""
        return "aborted: \(shown)\(more)\n"
    }

    /// The closing summary: counts and wall time, then the realised critical path.
    package static func summary(_ summary: BuildSummary) -> String {
        var line = "stask: "
        if let signal = summary.interruptingSignal {
            line += "interrupted by \(signalName(signal)): "
        } else if !summary.failed.isEmpty || summary.aborted > 0 {
            line += "build FAILED: "
        }
        line += "built \(summary.built), up to date \(summary.upToDate), "
        line += "flaky \(summary.flaky.count)\(names(summary.flaky)), "
        line += "failed \(summary.failed.count)\(names(summary.failed)), "
        line += "aborted \(summary.aborted) in \(seconds(summary.wallTime))\n"
        if let remoteCache = summary.remoteCache {
            line += "stask: \(remoteCache)\n"
        }
        if let remoteExecution = summary.remoteExecution {
            line += "stask: \(remoteExecution)\n"
        }
        line += criticalPathReport(summary)
        return line
    }

    /// The post-build report: the realised critical path with each step's duration (at most 20 steps
    /// named), then the steps whose speed-up would shorten the build most. Empty when nothing ran.
    ///
    /// ```
    /// stask: critical path (3.20s): a (1.00s) -> b (2.00s) -> c (0.20s)
    /// stask: to shorten the build, speed up: b (saves up to 2.00s), a (1.00s), c (0.20s)
    /// ```
    package static func criticalPathReport(_ summary: BuildSummary) -> String {
        guard !summary.criticalPath.isEmpty else { return "" }
        let limit = 20
        var steps = summary.criticalPath.prefix(limit).map { "\($0.id) (\(seconds($0.duration)))" }
        if summary.criticalPath.count > limit { steps.append("… \(summary.criticalPath.count - limit) more") }
        var text = "stask: critical path (\(seconds(summary.criticalPathDuration))): "
        text += steps.joined(separator: " -> ") + "\n"
        if let first = summary.speedups.first {
            let rest = summary.speedups.dropFirst().map { "\($0.id) (\(seconds($0.duration)))" }
            text += "stask: to shorten the build, speed up: \(first.id) (saves up to \(seconds(first.duration)))"
            text += rest.map { ", " + $0 }.joined() + "\n"
        }
        return text
    }

    package static func signalName(_ signal: Int32) -> String {
        switch signal {
        case 2: "SIGINT"
        case 15: "SIGTERM"
        case 0: "a change (--watch-restart)"
        default: "signal \(signal)"
        }
    }

    private static func names(_ ids: [String]) -> String {
        guard !ids.isEmpty else { return "" }
        let shown = ids.prefix(10).joined(separator: ", ")
        return ids.count > 10 ? " (\(shown), …)" : " (\(shown))"
    }

    /// A task's output as text, ending with a newline when non-empty.
    private static func outputText(_ output: [UInt8]) -> String {
        guard !output.isEmpty else { return "" }
        let text = String(decoding: output, as: UTF8.self)
        return text.hasSuffix("\n") ? text : text + "\n"
    }
}
