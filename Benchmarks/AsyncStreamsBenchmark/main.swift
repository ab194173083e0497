// Throughput and memory benchmark for the AsyncStreams pool layer.
//
//   swift run -c release AsyncStreamsBenchmark [tasks] [only]
//
// (a) trivial tasks through ScheduledTaskPoolRunner fed by PriorityDependencySourceObj under a
//     ResourceCapacitySource (a wide graph and a chain), consumed as a stream (`runTasks()`) and with the
//     structured `run(forEach:)`; plus a SourceBufferObj-fed run to separate source from runner costs,
// (b) time and peak RSS to build and drain a DependencyGraph of 100,000 and 1,000,000 nodes,
// (c) the same trivial tasks through a bare TaskGroup limited by a counter (the baseline).
//
// Every figure is the best of three runs (the machine may be shared). "cpu µs/task" is process CPU time
// (user + system) per task, which is less sensitive to other load than wall time. The drivers are
// `@concurrent`: consuming from the main actor (top-level code) would add a main-thread hop per resume.
//
// The output ends with the performance goals and a verdict for each: at least 200,000 tasks/s through the full
// runner (wide and chain), within 3x of the bare TaskGroup (wall time), and linear growth of the graph's
// build + drain time and memory from 100,000 to 1,000,000 nodes (at most 1.5x the linear factor of 10).
// The load average is printed before and after, since the figures depend on it.
import AsyncStreams

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

let taskCount = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 100_000
/// `graph`, `source`, `pool` or `buffer` runs only that part (for profiling).
let only = CommandLine.arguments.dropFirst(2).first
let slots = 64

// MARK: - Measurement

struct Sample {
    var wall: Double
    var cpu: Double
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// CPU time (user + system) consumed by the process so far, in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #else
        getrusage(RUSAGE_SELF, &usage)
    #endif
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    return user + system
}

/// Wall and CPU time of `body`.
func measure(_ body: () async throws -> Void) async rethrows -> Sample {
    let cpu = cpuSeconds()
    let start = ContinuousClock.now
    try await body()
    return Sample(wall: seconds(ContinuousClock.now - start), cpu: cpuSeconds() - cpu)
}

/// The best wall and CPU time of three runs of `body` (which sets up, then measures its hot part).
func best(_ body: () async throws -> Sample) async rethrows -> Sample {
    var result = Sample(wall: .infinity, cpu: .infinity)
    for _ in 0..<3 {
        let sample = try await body()
        result = Sample(wall: min(result.wall, sample.wall), cpu: min(result.cpu, sample.cpu))
    }
    return result
}

/// The process's peak resident set size (VmHWM) in MiB, or nil off Linux.
func peakRSSMiB() -> Double? { statusField("VmHWM:") }

/// The process's current resident set size (VmRSS) in MiB, or nil off Linux.
func currentRSSMiB() -> Double? { statusField("VmRSS:") }

/// A `kB` field of /proc/self/status in MiB.
func statusField(_ name: String) -> Double? {
    guard let text = readText("/proc/self/status") else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(name) {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        if fields.count >= 2, let kib = Double(fields[1]) { return kib / 1024 }
    }
    return nil
}

/// The 1, 5 and 15 minute load averages, as /proc/loadavg prints them.
func loadAverage() -> String {
    guard let text = readText("/proc/loadavg") else { return "n/a" }
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}

/// Reads a small text file with the C library (the library and its benchmark use no Foundation).
func readText(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}

// MARK: - Output

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

func format(_ value: Double, decimals: Int = 0) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    return decimals == 0 ? String(Int(rounded)) : String(rounded)
}

func printRow(_ name: String, _ sample: Sample, baseline: Sample?) {
    let rate = Double(taskCount) / sample.wall
    let cpuPerTask = sample.cpu / Double(taskCount) * 1e6
    var line = pad(name, 54) + pad(format(sample.wall, decimals: 3), 9) + pad(format(rate), 10)
    line += pad(format(cpuPerTask, decimals: 2), 10)
    if let baseline {
        line += pad(format(sample.wall / baseline.wall, decimals: 2) + "x", 10)
        line += format(sample.cpu / baseline.cpu, decimals: 2) + "x"
    }
    print(line)
}

// MARK: - (c) bare TaskGroup limited by a counter

@concurrent func bareTaskGroup() async -> Sample {
    await measure {
        var sum = 0
        await withTaskGroup(of: Int.self) { group in
            var running = 0
            for index in 0..<taskCount {
                if running == slots, let value = await group.next() {
                    sum &+= value
                    running -= 1
                }
                group.addTask { index }
                running += 1
            }
            for await value in group { sum &+= value }
        }
        precondition(sum == taskCount * (taskCount - 1) / 2)
    }
}

// MARK: - (a) ScheduledTaskPoolRunner

typealias Trivial = ScheduledTask<Never, Int>
typealias GraphSource = PriorityDependencySourceObj<String, Trivial>

enum Shape: String {
    case wide, chain
}

enum Consumption: String {
    case stream = "runTasks()"
    case structured = "run(forEach:)"
}

/// A PriorityDependencySourceObj over `taskCount` nodes (independent, or one chain) whose tasks complete
/// their node in `onComplete`.
func graphSource(_ shape: Shape) throws -> GraphSource {
    let graph = DependencyGraph<String>()
    var tasks: [String: Trivial] = [:]
    tasks.reserveCapacity(taskCount)
    for index in 0..<taskCount {
        let key = "t\(index)"
        try graph.addNode(key, dependencies: shape == .chain && index > 0 ? ["t\(index - 1)"] : [])
        tasks[key] = Trivial(
            key: key, run: { index }, onComplete: { task, _ in try task.complete() })
    }
    return try GraphSource(graph: graph, tasks: tasks)
}

@concurrent func drive<Source: TaskSource>(
    _ source: Source,
    _ consumption: Consumption
) async throws -> Sample where Source.Element == Trivial {
    let capacity = try ResourceCapacitySource(limits: ["capacity": Double(slots)])
    let runner = ScheduledTaskPoolRunner(name: "bench", source: source, capacity: capacity)
    var finals = 0
    let sample = try await measure {
        switch consumption {
        case .stream:
            for try await envelope in runner.runTasks() where envelope.isTerminal { finals += 1 }
        case .structured:
            try await runner.run { envelope in if envelope.isTerminal { finals += 1 } }
        }
    }
    precondition(finals == taskCount && source.isFinished)
    return sample
}

/// The source alone: take and complete every task synchronously, without a runner.
func sourceAlone(_ shape: Shape) throws -> Sample {
    let source = try graphSource(shape)
    let cpu = cpuSeconds()
    let start = ContinuousClock.now
    var count = 0
    while let task = source.take(where: { _ in true }) {
        try source.complete(task.key)
        count += 1
    }
    precondition(count == taskCount && source.isFinished)
    return Sample(wall: seconds(ContinuousClock.now - start), cpu: cpuSeconds() - cpu)
}

func bufferSource() -> SourceBufferObj<Trivial> {
    SourceBufferObj((0..<taskCount).map { index in Trivial(key: "t\(index)") { index } }, oneShot: true)
}

// MARK: - (b) DependencyGraph build and drain

/// Builds a graph where node i depends on i−1 and i/2 (a chain with fan-out), then drains it by starting
/// and completing every ready node until it is done.
func graphBuildAndDrain(_ count: Int) throws -> (build: Double, drain: Double) {
    let start = ContinuousClock.now
    let graph = DependencyGraph<Int>()
    var ready: [Int] = []
    graph.onReady = { ready.append($0) }
    for index in 0..<count {
        let dependencies = index == 0 ? [] : index == 1 ? [0] : [index - 1, index / 2]
        try graph.addNode(index, dependencies: dependencies)
    }
    let built = ContinuousClock.now
    var drained = 0
    while let key = ready.popLast() {
        try graph.start(key)
        try graph.complete(key)
        drained += 1
    }
    precondition(drained == count && graph.isDone)
    return (seconds(built - start), seconds(ContinuousClock.now - built))
}

// MARK: - Goals

/// One goal's verdict line.
struct Verdict {
    var goal: String
    var measured: String
    var isMet: Bool
}

var verdicts: [Verdict] = []
let rateGoal = 200_000.0
let ratioGoal = 3.0
let growthGoal = 15.0  // 1.5 × the linear factor of 10

@MainActor func printRow(_ name: String, _ sample: Sample, baseline: Sample?, judged: Bool) {
    printRow(name, sample, baseline: baseline)
    guard judged, let baseline else { return }
    let rate = Double(taskCount) / sample.wall
    let ratio = sample.wall / baseline.wall
    verdicts.append(Verdict(goal: "\(name): >= 200000 tasks/s", measured: format(rate), isMet: rate >= rateGoal))
    verdicts.append(
        Verdict(
            goal: "\(name): within 3x of bare", measured: format(ratio, decimals: 2) + "x",
            isMet: ratio <= ratioGoal))
}

// MARK: - Main

print("load average at start: \(loadAverage())")
if only == nil || only == "graph" {
    print(
        pad("(b) DependencyGraph build + drain", 36) + pad("nodes", 10) + pad("build s", 9) + pad("drain s", 9)
            + pad("peak RSS", 14) + "peak − start")
    let startRSS = currentRSSMiB()
    var results: [(nodes: Int, seconds: Double, memory: Double?)] = []
    for count in [100_000, 1_000_000] {
        let (build, drain) = try graphBuildAndDrain(count)
        let peak = peakRSSMiB()
        let grown = peak.flatMap { peak in startRSS.map { peak - $0 } }
        results.append((count, build + drain, grown))
        print(
            pad("", 36) + pad(String(count), 10) + pad(format(build, decimals: 3), 9)
                + pad(format(drain, decimals: 3), 9) + pad(peak.map { format($0, decimals: 1) + " MiB" } ?? "n/a", 14)
                + (grown.map { format($0, decimals: 1) + " MiB" } ?? "n/a"))
    }
    let timeGrowth = results[1].seconds / results[0].seconds
    print(pad("", 36) + "100k → 1M: time ×" + format(timeGrowth, decimals: 1), terminator: "")
    verdicts.append(
        Verdict(
            goal: "(b) graph build + drain time grows linearly 100k → 1M (≤ ×15)",
            measured: "×" + format(timeGrowth, decimals: 1), isMet: timeGrowth <= growthGoal))
    if let small = results[0].memory, let large = results[1].memory, small > 0 {
        // VmHWM is a high-water mark: the 1M figure is the larger run's own peak.
        let memoryGrowth = large / small
        print(", memory ×" + format(memoryGrowth, decimals: 1))
        verdicts.append(
            Verdict(
                goal: "(b) graph peak memory grows linearly 100k → 1M (≤ ×15)",
                measured: "×" + format(memoryGrowth, decimals: 1), isMet: memoryGrowth <= growthGoal))
    } else {
        print("")
    }
}
print("")
print("AsyncStreams benchmark: \(taskCount) trivial tasks, \(slots) capacity slots, best of 3")
print(pad("run", 54) + pad("wall s", 9) + pad("tasks/s", 10) + pad("cpu µs/t", 10) + pad("wall/bare", 10) + "cpu/bare")
_ = await measure { _ = await bareTaskGroup() }  // warm-up
let bare = await best { await bareTaskGroup() }
printRow("(c) bare TaskGroup, counter-limited", bare, baseline: nil)
if only == nil || only == "source" {
    for shape in [Shape.wide, .chain] {
        let sample = try await best { try sourceAlone(shape) }
        printRow("    PriorityDependencySourceObj \(shape.rawValue), no runner", sample, baseline: bare)
    }
}
if only == nil || only == "pool" {
    for shape in [Shape.wide, .chain] {
        for consumption in [Consumption.stream, .structured] {
            let sample = try await best { try await drive(try graphSource(shape), consumption) }
            printRow(
                "(a) PriorityDependencySourceObj \(shape.rawValue), \(consumption.rawValue)", sample, baseline: bare,
                judged: true)
        }
    }
}
if only == nil || only == "buffer" {
    for consumption in [Consumption.stream, .structured] {
        let sample = try await best { try await drive(bufferSource(), consumption) }
        printRow("(a) SourceBufferObj, \(consumption.rawValue)", sample, baseline: bare)
    }
}
print("")
print("Goals")
for verdict in verdicts {
    print(pad(verdict.goal, 76) + pad(verdict.measured, 10) + (verdict.isMet ? "met" : "NOT MET"))
}
print("load average at end: \(loadAverage())")
