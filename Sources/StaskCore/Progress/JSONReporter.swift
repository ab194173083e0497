/// Reports every event as one JSON object on its own line, for CI tools (`--progress json`).
///
/// Each line is an object with `"event"` naming the kind and the event's fields; durations are in
/// seconds (a number), task output is a string (invalid UTF-8 replaced by U+FFFD). The first line is
/// `planned` and carries `"schema": 1`. Field names are stable within a schema version; fields may be
/// added. A task restored from the remote cache finishes with `"outcome":"restored"`; the summary then
/// counts `restored` and, when a remote cache was used, `remote_cache_hits`, `remote_cache_misses`,
/// `remote_cache_bytes_down`, `remote_cache_bytes_up` and `remote_cache_errors`. Example:
///
/// ```
/// {"event":"planned","schema":1,"total":3,"up_to_date":1,"estimated_work":0.5}
/// {"event":"started","id":"compile[src/a.c]","attempt":1,"estimate":0.25}
/// {"event":"finished","id":"compile[src/a.c]","outcome":"succeeded","duration":0.21,"output":""}
/// ```
public struct JSONReporter: ProgressReporter {
    /// The version of the line format written by this reporter.
    public static let schemaVersion = 1

    private let sink: any OutputSink

    /// Creates a reporter writing to `sink`.
    public init(sink: any OutputSink) {
        self.sink = sink
    }

    /// Writes `event` as one line of JSON.
    public func report(_ event: BuildEvent) {
        sink.write(Self.line(for: event))
    }

    /// The JSON line (with its newline) for `event`.
    static func line(for event: BuildEvent) -> String {
        var object = JSONObject()
        switch event {
        case .planned(let total, let upToDate, let estimatedWork):
            object.add("event", "planned")
            object.add("schema", schemaVersion)
            object.add("total", total)
            object.add("up_to_date", upToDate)
            object.add("estimated_work", estimatedWork)
        case .started(let id, let attempt, let estimate):
            object.add("event", "started")
            object.add("id", id)
            object.add("attempt", attempt)
            object.add("estimate", estimate)
        case .finished(let id, let outcome, let duration, let output):
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
                object.add("command", failure.command)
                object.add("status", failure.description)
            }
            object.add("duration", duration)
            object.add("output", String(decoding: output, as: UTF8.self))
        case .retrying(let id, let failedAttempt, let failure, let delay, let output):
            object.add("event", "retrying")
            object.add("id", id)
            object.add("failed_attempt", failedAttempt)
            object.add("command", failure.command)
            object.add("status", failure.description)
            object.add("delay", delay)
            object.add("output", String(decoding: output, as: UTF8.self))
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
            object.add("critical_path_duration", summary.criticalPathDuration)
            if let signal = summary.interruptingSignal { object.add("signal", Int(signal)) }
            if let remoteCache = summary.remoteCache {
                object.add("remote_cache_hits", remoteCache.hits)
                object.add("remote_cache_misses", remoteCache.misses)
                object.add("remote_cache_bytes_down", remoteCache.bytesDownloaded)
                object.add("remote_cache_bytes_up", remoteCache.bytesUploaded)
                object.add("remote_cache_errors", remoteCache.errors)
            }
        }
        return object.text + "\n"
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
