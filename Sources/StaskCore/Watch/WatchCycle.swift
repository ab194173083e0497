/// What one build of a watch session did, for its summary line and its `cycle` progress event.
package struct WatchCycle: Sendable, Hashable {
    /// The build's number in the session, from 1 (the first build, before anything changed).
    package var number: Int
    /// The changed paths that caused it (project-relative inside the project), in order; empty for the first.
    package var changed: [String]
    /// Whether the Taskfile was loaded again.
    package var reloadedTaskfile = false
    /// The instances whose commands started, in order.
    package var ran: [String] = []
    /// The build's summary; `nil` when the Taskfile or graph could not be loaded (see ``loadError``).
    package var summary: BuildSummary?
    /// The message of a Taskfile or graph error: the build did not run, the last good graph stays.
    package var loadError: String?
    /// From the first change seen to the end of the build.
    package var wallTime: Duration = .zero

    /// Creates a cycle report.
    package init(number: Int, changed: [String]) {
        self.number = number
        self.changed = changed
    }

    /// Whether the build succeeded (a load error or a failed task is not success).
    package var isSuccess: Bool { loadError == nil && summary?.isSuccess == true }

    /// The one summary line of the cycle:
    ///
    /// ```
    /// stask: watch #3: src/a.c changed; ran 2 (compile[src/a.c], app) in 0.04s
    /// stask: watch #4: src/a.c changed; ran nothing in 0.00s
    /// stask: watch #5: Taskfile changed; Taskfile:4:3: error: …; still watching with the last good graph
    /// ```
    package var line: String {
        var line = "stask: watch #\(number): "
        if number == 1 && changed.isEmpty {
            line += "first build"
        } else {
            let shown = changed.prefix(3).joined(separator: ", ")
            line += shown.isEmpty ? "changes" : shown
            if changed.count > 3 { line += " and \(changed.count - 3) more" }
            line += " changed"
        }
        if let loadError {
            return line + "; \(loadError); still watching with the last good graph\n"
        }
        if ran.isEmpty {
            line += "; ran nothing"
        } else {
            let names = ran.prefix(5).joined(separator: ", ") + (ran.count > 5 ? ", …" : "")
            line += "; ran \(ran.count) (\(names))"
        }
        if let summary {
            if let signal = summary.interruptingSignal {
                line += ", interrupted by \(ProgressText.signalName(signal))"
            } else if !summary.failed.isEmpty || summary.aborted > 0 {
                line += ", FAILED \(summary.failed.count)"
                if summary.aborted > 0 { line += ", aborted \(summary.aborted)" }
            }
        }
        return line + " in \(ProgressText.seconds(wallTime))\n"
    }

    /// The `cycle` event of `--progress json` (see the DocC article "Progress events"), with its newline.
    package var jsonLine: String {
        var object = JSONObject()
        object.add("event", "cycle")
        object.add("cycle", number)
        object.addArray("changed", changed)
        object.add("reloaded_taskfile", reloadedTaskfile)
        object.addArray("ran", ran)
        object.add("success", isSuccess)
        if let summary {
            object.add("built", summary.built)
            object.add("up_to_date", summary.upToDate)
            object.add("failed", summary.failed.count)
            object.add("aborted", summary.aborted)
            if let signal = summary.interruptingSignal { object.add("signal", Int(signal)) }
        }
        if let loadError { object.add("error", loadError) }
        object.add("wall_time", wallTime)
        return object.text + "\n"
    }
}
