import Synchronization

/// Records a build for `--trace FILE`: a reporter that stamps every event and, at the end, writes a
/// Chrome trace-event file (JSON object format) that Perfetto (ui.perfetto.dev) and `chrome://tracing` open.
///
/// What the file holds (process id 1, times in microseconds since the build started):
/// - one complete event (`"ph": "X"`) per attempt, on the lane (`tid`) of the running slot it held, from its
///   commands' start (a remote cache lookup before them is not part of it; for a restored attempt, the lookup
///   and restore are the span)
///   (lanes are named `slot 1`, `slot 2`, …; lane 0 is `planner`). Category `attempt`, plus `failed` for
///   a failed attempt (retried or final), `interrupted` for one cut short, `restored` for outputs fetched
///   from the remote cache, `critical_path` for a step of
///   the realised critical path. `args`: `attempt`, `cost` (resource → amount), `peak_memory_bytes` (the
///   attempt's peak resident memory, when its commands ran), `outcome`,
///   `exit_status` (0 on success; the status when a command exited), `status` and `command` on
///   failure, `action_key` on success, `backoff` (seconds) on a retried attempt;
/// - one complete event per retry backoff wait (category `backoff`, named `<id> (backoff)`) on lanes
///   from `tid` 1000 (`backoff 1`, …), from the failed attempt's end to the next attempt's start;
/// - one instant event (`"ph": "i"`) on lane 0 per instance found up to date (`args.outcome:
///   "up_to_date"`: before the build, or by early cutoff) or aborted (`"aborted"`);
/// - flow events (`"ph": "s"`/`"f"`, category `critical_path`, name `critical path`) chaining the steps
///   of the realised critical path, so Perfetto draws it as arrows;
/// - `otherData`: `schema` (``schemaVersion``), `critical_path` (ids in order), `wall_time` (seconds).
///
/// Thread-safe: the log is behind a `Mutex`. Call ``report(_:)`` as any reporter, then ``traceJSON()``
/// once the build is over.
final class TraceRecorder: ProgressReporter {
    /// The version of the file's layout, in `otherData.schema`.
    static let schemaVersion = 1

    private struct State {
        var log: TraceLog
        var summary: BuildSummary?
        var end: Duration = .zero
    }

    private let state: Mutex<State>
    private let now: @Sendable () -> Duration
    private let actionKey: @Sendable (String) -> String?
    private let peakMemory: @Sendable (String) -> UInt64?

    /// Creates a recorder.
    ///
    /// - Parameters:
    ///   - costs: The resources each scheduled instance holds, by id.
    ///   - actionKey: The recorded action key of an instance (looked up when it succeeds).
    ///   - peakMemory: The peak resident memory of an instance's attempt that just ended, if measured.
    ///   - now: The time since the build started.
    init(
        costs: [String: [String: Double]], actionKey: @escaping @Sendable (String) -> String?,
        peakMemory: @escaping @Sendable (String) -> UInt64? = { _ in nil }, now: @escaping @Sendable () -> Duration
    ) {
        self.peakMemory = peakMemory
        self.state = Mutex(State(log: TraceLog(costs: costs)))
        self.actionKey = actionKey
        self.now = now
    }

    func report(_ event: BuildEvent) {
        let time = now()
        state.withLock { state in
            if case .summary(let summary) = event {
                state.summary = summary
                state.end = time
                state.log.close(at: time)
            } else {
                state.log.record(event, at: time, actionKey: actionKey, peakMemory: peakMemory)
                state.end = max(state.end, time)
            }
        }
    }

    /// The trace file's contents; closes open attempts at the last event's time if no summary came.
    func traceJSON() -> [UInt8] {
        let (log, summary) = state.withLock { state -> (TraceLog, BuildSummary?) in
            if state.summary == nil { state.log.close(at: state.end) }
            return (state.log, state.summary)
        }
        let criticalIDs = summary?.criticalPath.map(\.id) ?? []
        let critical = Set(criticalIDs)
        var events: [JSONValue] = [
            Self.metadata("process_name", tid: 0, name: "stask"), Self.metadata("thread_name", tid: 0, name: "planner"),
        ]
        if log.slotLaneCount > 0 {
            for lane in 1...log.slotLaneCount {
                events.append(Self.metadata("thread_name", tid: lane, name: "slot \(lane)"))
            }
        }
        for offset in 0..<log.backoffLaneCount {
            events.append(
                Self.metadata("thread_name", tid: TraceLog.backoffLaneBase + offset, name: "backoff \(offset + 1)"))
        }
        var criticalSpans: [String: TraceLog.Span] = [:]
        for var span in log.spans {
            if critical.contains(span.name), span.category == "attempt" || span.category == "attempt,restored" {
                span.category += ",critical_path"
                span.arguments["critical_path"] = .bool(true)
                criticalSpans[span.name] = span
            }
            events.append([
                "ph": "X", "name": .string(span.name), "cat": .string(span.category), "pid": 1, "tid": .int(span.lane),
                "ts": .double(Self.microseconds(span.start)), "dur": .double(Self.microseconds(span.end - span.start)),
                "args": .object(span.arguments.mapValues(\.jsonValue)),
            ])
        }
        for instant in log.instants {
            events.append([
                "ph": "i", "s": "t", "name": .string(instant.name), "cat": "up_to_date", "pid": 1,
                "tid": .int(instant.lane), "ts": .double(Self.microseconds(instant.time)),
                "args": .object(instant.arguments.mapValues(\.jsonValue)),
            ])
        }
        let steps = criticalIDs.compactMap { criticalSpans[$0] }
        for (number, pair) in zip(steps, steps.dropFirst()).enumerated() {
            let (from, to) = pair
            let middle = from.start + (from.end - from.start) / 2
            events.append([
                "ph": "s", "id": .int(number + 1), "name": "critical path", "cat": "critical_path", "pid": 1,
                "tid": .int(from.lane), "ts": .double(Self.microseconds(middle)),
            ])
            events.append([
                "ph": "f", "bp": "e", "id": .int(number + 1), "name": "critical path", "cat": "critical_path", "pid": 1,
                "tid": .int(to.lane), "ts": .double(Self.microseconds(to.start)),
            ])
        }
        var other: [String: JSONValue] = ["schema": .int(Self.schemaVersion), "critical_path": .strings(criticalIDs)]
        if let summary { other["wall_time"] = TraceValue.seconds(summary.wallTime).jsonValue }
        let object: JSONValue = ["traceEvents": .array(events), "displayTimeUnit": "ms", "otherData": .object(other)]
        return Array(object.text.utf8)
    }

    private static func metadata(_ kind: String, tid: Int, name: String) -> JSONValue {
        ["ph": "M", "name": .string(kind), "pid": 1, "tid": .int(tid), "args": ["name": .string(name)]]
    }

    private static func microseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return (Double(seconds) * 1e6 + Double(attoseconds) / 1e12).rounded()
    }
}
