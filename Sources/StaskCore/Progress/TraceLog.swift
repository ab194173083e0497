/// The bookkeeping behind `--trace`: a pure state machine fed timed build events, producing Chrome
/// trace events (the format Perfetto and `chrome://tracing` load).
///
/// Lanes: each running attempt takes the lowest free *slot lane* (thread id 1, 2, …) when it starts and
/// frees it when it ends, so a lane is one running slot and lanes never overlap. A retry's backoff wait
/// takes the lowest free *backoff lane* (thread ids from ``backoffLaneBase``) from the failed attempt's end
/// to the next attempt's start. Up-to-date instances are instant events on lane 0 ("planner").
///
/// No locks, clocks or tasks: ``TraceRecorder`` owns one behind a `Mutex` and stamps each event.
struct TraceLog {
    /// One finished span: an attempt or a backoff wait.
    struct Span: Equatable {
        var name: String
        var category: String
        var lane: Int
        var start: Duration
        var end: Duration
        var arguments: [String: TraceValue]
    }

    /// One instant: an up-to-date skip.
    struct Instant: Equatable {
        var name: String
        var lane: Int
        var time: Duration
        var arguments: [String: TraceValue]
    }

    /// Thread id of the first backoff lane.
    static let backoffLaneBase = 1000

    private struct Running {
        var lane: Int
        var start: Duration
        var attempt: Int
    }

    private(set) var spans: [Span] = []
    private(set) var instants: [Instant] = []
    private var running: [String: Running] = [:]
    private var backingOff: [String: (lane: Int, start: Duration)] = [:]
    private var busySlots = Set<Int>()
    private var busyBackoffLanes = Set<Int>()
    /// The highest slot lane used, for naming lanes.
    private(set) var slotLaneCount = 0
    private(set) var backoffLaneCount = 0

    /// The resources each instance holds, for the `cost` argument.
    let costs: [String: [String: Double]]

    init(costs: [String: [String: Double]]) {
        self.costs = costs
    }

    /// Feeds one event that happened at `time`; `actionKey` looks up an instance's recorded key.
    mutating func record(
        _ event: BuildEvent, at time: Duration, actionKey: (String) -> String?,
        peakMemory: (String) -> UInt64? = { _ in nil }
    ) {
        switch event {
        case .skipped(let ids):
            for id in ids {
                instants.append(Instant(name: id, lane: 0, time: time, arguments: ["outcome": .string("up_to_date")]))
            }
        case .started(let id, let attempt, _):
            if let wait = backingOff.removeValue(forKey: id) {
                busyBackoffLanes.remove(wait.lane)
                spans.append(
                    Span(
                        name: "\(id) (backoff)", category: "backoff", lane: wait.lane, start: wait.start, end: time,
                        arguments: ["before_attempt": .int(attempt)]))
            }
            let lane = Self.lowestFree(in: busySlots, from: 1)
            busySlots.insert(lane)
            slotLaneCount = max(slotLaneCount, lane)
            running[id] = Running(lane: lane, start: time, attempt: attempt)
        case .finished(let id, let outcome, let duration, _):
            guard let attempt = running.removeValue(forKey: id) else {
                // Early cutoff (found up to date when its turn came) or restored without starting: nothing ran.
                let kind = outcome == .restored ? "restored" : "up_to_date"
                instants.append(Instant(name: id, lane: 0, time: time, arguments: ["outcome": .string(kind)]))
                return
            }
            busySlots.remove(attempt.lane)
            var arguments = baseArguments(id, attempt: attempt.attempt)
            if outcome != .restored, let peak = peakMemory(id) {
                arguments["peak_memory_bytes"] = .int(Int(clamping: peak))
            }
            switch outcome {
            case .restored:
                arguments["outcome"] = .string("restored")
                if let key = actionKey(id) { arguments["action_key"] = .string(key) }
            case .succeeded, .upToDate:
                arguments["outcome"] = .string("succeeded")
                arguments["exit_status"] = .int(0)
                if let key = actionKey(id) { arguments["action_key"] = .string(key) }
            case .failed(let failure):
                arguments["outcome"] = .string("failed")
                Self.addFailure(failure, to: &arguments)
            }
            // The span is the attempt's own time: from `started`, less the remote cache lookup that preceded
            // the commands (`duration` counts from the commands' start).
            let start = outcome == .restored ? attempt.start : max(attempt.start, time - duration)
            spans.append(
                Span(
                    name: id, category: Self.category(of: outcome), lane: attempt.lane,
                    start: start, end: time, arguments: arguments))
        case .retrying(let id, _, let failure, let delay, _):
            guard let attempt = running.removeValue(forKey: id) else { return }
            busySlots.remove(attempt.lane)
            var arguments = baseArguments(id, attempt: attempt.attempt)
            arguments["outcome"] = .string("retrying")
            if let peak = peakMemory(id) { arguments["peak_memory_bytes"] = .int(Int(clamping: peak)) }
            arguments["backoff"] = .seconds(delay)
            Self.addFailure(failure, to: &arguments)
            spans.append(
                Span(
                    name: id, category: "attempt,failed", lane: attempt.lane, start: attempt.start, end: time,
                    arguments: arguments))
            let lane = Self.lowestFree(in: busyBackoffLanes, from: Self.backoffLaneBase)
            busyBackoffLanes.insert(lane)
            backoffLaneCount = max(backoffLaneCount, lane - Self.backoffLaneBase + 1)
            backingOff[id] = (lane, time)
        case .aborted(let ids):
            for id in ids {
                instants.append(Instant(name: id, lane: 0, time: time, arguments: ["outcome": .string("aborted")]))
            }
        case .planned, .flaky, .warning, .summary:
            break
        }
    }

    /// Ends what is still open at `time` (an interrupted build): running attempts become spans with
    /// outcome `interrupted`, backoff waits end.
    mutating func close(at time: Duration) {
        for (id, attempt) in running.sorted(by: { $0.key < $1.key }) {
            var arguments = baseArguments(id, attempt: attempt.attempt)
            arguments["outcome"] = .string("interrupted")
            spans.append(
                Span(
                    name: id, category: "attempt,interrupted", lane: attempt.lane, start: attempt.start, end: time,
                    arguments: arguments))
        }
        running = [:]
        for (id, wait) in backingOff.sorted(by: { $0.key < $1.key }) {
            spans.append(
                Span(
                    name: "\(id) (backoff)", category: "backoff", lane: wait.lane, start: wait.start, end: time,
                    arguments: [:]))
        }
        backingOff = [:]
    }

    private static func category(of outcome: TaskOutcome) -> String {
        switch outcome {
        case .succeeded, .upToDate: "attempt"
        case .restored: "attempt,restored"
        case .failed: "attempt,failed"
        }
    }

    private func baseArguments(_ id: String, attempt: Int) -> [String: TraceValue] {
        var arguments: [String: TraceValue] = ["attempt": .int(attempt)]
        if let cost = costs[id] { arguments["cost"] = .object(cost.mapValues { .double($0) }) }
        return arguments
    }

    private static func addFailure(_ failure: TaskFailure, to arguments: inout [String: TraceValue]) {
        arguments["status"] = .string(failure.description)
        arguments["command"] = .string(failure.command)
        if case .exited(let code) = failure.termination { arguments["exit_status"] = .int(Int(code)) }
    }

    private static func lowestFree(in busy: Set<Int>, from first: Int) -> Int {
        var lane = first
        while busy.contains(lane) { lane += 1 }
        return lane
    }
}

/// A JSON value in a trace event's `args`.
enum TraceValue: Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case object([String: TraceValue])

    /// A duration as seconds.
    static func seconds(_ duration: Duration) -> TraceValue {
        let (seconds, attoseconds) = duration.components
        return .double(Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// The value as JSON.
    var jsonValue: JSONValue {
        switch self {
        case .string(let value): .string(value)
        case .int(let value): .int(value)
        case .double(let value): .double(value)
        case .bool(let value): .bool(value)
        case .object(let members): .object(members.mapValues(\.jsonValue))
        }
    }
}
