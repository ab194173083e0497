/// Reports every event as one JSON object on its own line, for CI tools (`--progress json`).
///
/// Each line is an object whose `"event"` names the kind; durations are seconds (a number with
/// millisecond precision), task output is a string (invalid UTF-8 replaced by U+FFFD). The first line is
/// `planned` and carries `"schema"` (``schemaVersion``). Within a schema version fields may be added,
/// never renamed or removed; a consumer must ignore unknown events and fields. The events, in the order a
/// build emits them (the full schema is the DocC article "Progress events"):
///
/// | event | fields |
/// |---|---|
/// | `planned` | `schema`, `total`, `up_to_date`, `estimated_work` |
/// | `skipped` | `ids` (found up to date before the build; only when there are any), `reason: "up_to_date"` |
/// | `started` | `id`, `attempt` (from 1), `estimate` |
/// | `output` | `id`, `text`: a finished or failed attempt's whole output, right before its `finished`/`retried` (only when non-empty) |
/// | `retried` | `id`, `failed_attempt`, `command`, `status`, `exit_code` (when it exited), `delay` |
/// | `finished` | `id`, `outcome` (`succeeded`, `failed`, `up_to_date`, `restored` from the remote cache), `duration`; on failure `command`, `status`, `exit_code` |
/// | `flaky` | `id` |
/// | `aborted` | `ids` |
/// | `warning` | `message` |
/// | `summary` | `success`, `built`, `up_to_date`, `restored`, `flaky`, `failed`, `aborted`, `wall_time`, `critical_path` (ids), `critical_path_steps` (`id`, `duration`), `critical_path_duration`, `speedups` (`id`, `saving`), `signal` (when interrupted); with a remote cache `remote_cache_hits`, `remote_cache_misses`, `remote_cache_bytes_down`, `remote_cache_bytes_up`, `remote_cache_errors` |
///
/// ```
/// {"event":"planned","schema":2,"total":3,"up_to_date":1,"estimated_work":0.500}
/// {"event":"skipped","ids":["docs"],"reason":"up_to_date"}
/// {"event":"started","id":"compile[src/a.c]","attempt":1,"estimate":0.250}
/// {"event":"output","id":"compile[src/a.c]","text":"warning: unused variable\n"}
/// {"event":"finished","id":"compile[src/a.c]","outcome":"succeeded","duration":0.210}
/// ```
///
/// Schema 1 (before `skipped` and `output`) put the output in `finished` and `retrying` events.
package struct JSONReporter: ProgressReporter {
    /// The version of the line format written by this reporter.
    package static let schemaVersion = 2

    private let sink: any OutputSink

    /// Creates a reporter writing to `sink`.
    package init(sink: any OutputSink) {
        self.sink = sink
    }

    /// Writes `event` as one line of JSON (two for an event with output: `output` first), in one write.
    package func report(_ event: BuildEvent) {
        sink.write(Self.lines(for: event))
    }

    /// The JSON lines (each with its newline) for `event`.
    static func lines(for event: BuildEvent) -> String {
        var text = ""
        switch event {
        case .finished(let id, _, _, let output), .retrying(let id, _, _, _, let output):
            if !output.isEmpty {
                var object = JSONObject()
                object.add("event", "output")
                object.add("id", id)
                object.add("text", String(decoding: output, as: UTF8.self))
                text = object.text + "\n"
            }
        default:
            break
        }
        return text + line(for: event)
    }

    /// The JSON line (with its newline) for `event` itself.
    static func line(for event: BuildEvent) -> String {
        var object = JSONObject()
        switch event {
        case .planned(let total, let upToDate, let estimatedWork):
            object.add("event", "planned")
            object.add("schema", schemaVersion)
            object.add("total", total)
            object.add("up_to_date", upToDate)
            object.add("estimated_work", estimatedWork)
        case .skipped(let ids):
            object.add("event", "skipped")
            object.addArray("ids", ids)
            object.add("reason", "up_to_date")
        case .started(let id, let attempt, let estimate):
            object.add("event", "started")
            object.add("id", id)
            object.add("attempt", attempt)
            object.add("estimate", estimate)
        case .finished(let id, let outcome, let duration, _):
            object.add("event", "finished")
            object.add("id", id)
            switch outcome {
            case .succeeded:
                object.add("outcome", "succeeded")
            case .upToDate:
                object.add("outcome", "up_to_date")
            case .restored:
                object.add("outcome", "restored")
            case .failed(let failure):
                object.add("outcome", "failed")
                addFailure(failure, to: &object)
            }
            object.add("duration", duration)
        case .retrying(let id, let failedAttempt, let failure, let delay, _):
            object.add("event", "retried")
            object.add("id", id)
            object.add("failed_attempt", failedAttempt)
            addFailure(failure, to: &object)
            object.add("delay", delay)
        case .aborted(let ids):
            object.add("event", "aborted")
            object.addArray("ids", ids)
        case .flaky(let id):
            object.add("event", "flaky")
            object.add("id", id)
        case .warning(let message):
            object.add("event", "warning")
            object.add("message", message)
        case .summary(let summary):
            object.add("event", "summary")
            object.add("success", summary.isSuccess)
            object.add("built", summary.built)
            object.add("up_to_date", summary.upToDate)
            object.add("restored", summary.restored)
            object.addArray("flaky", summary.flaky)
            object.addArray("failed", summary.failed)
            object.add("aborted", summary.aborted)
            object.add("wall_time", summary.wallTime)
            object.addArray("critical_path", summary.criticalPath.map(\.id))
            object.addObjects(
                "critical_path_steps",
                summary.criticalPath.map { step in
                    var member = JSONObject()
                    member.add("id", step.id)
                    member.add("duration", step.duration)
                    return member
                })
            object.add("critical_path_duration", summary.criticalPathDuration)
            object.addObjects(
                "speedups",
                summary.speedups.map { step in
                    var member = JSONObject()
                    member.add("id", step.id)
                    member.add("saving", step.duration)
                    return member
                })
            if let signal = summary.interruptingSignal { object.add("signal", Int(signal)) }
            if let remoteCache = summary.remoteCache {
                object.add("remote_cache_hits", remoteCache.hits)
                object.add("remote_cache_misses", remoteCache.misses)
                object.add("remote_cache_bytes_down", remoteCache.bytesDownloaded)
                object.add("remote_cache_bytes_up", remoteCache.bytesUploaded)
                object.add("remote_cache_errors", remoteCache.errors)
            }
            if let remote = summary.remoteExecution {
                object.add("remote_executed", remote.executed)
                object.add("remote_cached", remote.cached)
                object.add("remote_local", remote.local)
                object.add("remote_errors", remote.errors)
            }
        }
        return object.text + "\n"
    }

    private static func addFailure(_ failure: TaskFailure, to object: inout JSONObject) {
        object.add("command", failure.command)
        object.add("status", failure.description)
        if case .exited(let code) = failure.termination { object.add("exit_code", Int(code)) }
    }
}

/// A minimal writer for one flat JSON object; keys keep insertion order.
struct JSONObject {
    private var members: [String] = []

    var text: String { "{" + members.joined(separator: ",") + "}" }

    mutating func add(_ key: String, _ value: String) {
        members.append(Self.quoted(key) + ":" + Self.quoted(value))
    }

    mutating func add(_ key: String, _ value: Int) {
        members.append(Self.quoted(key) + ":" + String(value))
    }

    mutating func add(_ key: String, _ value: Bool) {
        members.append(Self.quoted(key) + ":" + (value ? "true" : "false"))
    }

    /// A duration as seconds with millisecond precision.
    mutating func add(_ key: String, _ value: Duration) {
        let milliseconds = ProgressText.milliseconds(value)
        let fraction = String(milliseconds % 1000)
        let padded = String(repeating: "0", count: 3 - fraction.count) + fraction
        members.append(Self.quoted(key) + ":" + "\(milliseconds / 1000).\(padded)")
    }

    mutating func addObjects(_ key: String, _ values: [JSONObject]) {
        members.append(Self.quoted(key) + ":[" + values.map(\.text).joined(separator: ",") + "]")
    }

    mutating func addArray(_ key: String, _ values: [String]) {
        members.append(Self.quoted(key) + ":[" + values.map(Self.quoted).joined(separator: ",") + "]")
    }

    static func quoted(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let s where s.value < 0x20:
                let hex = String(s.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
