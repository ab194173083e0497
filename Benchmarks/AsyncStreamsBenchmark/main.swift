// Throughput and memory benchmark for the AsyncStreams pool layer.
//
//   swift run -c release AsyncStreamsBenchmark [tasks]
//
// (a) trivial tasks through ScheduledTaskPoolRunner (sources below) under a ResourceCapacitySource,
// (b) time and peak RSS to build and drain a DependencyGraph of 100,000 and 1,000,000 nodes,
// (c) the same trivial tasks through a bare TaskGroup limited by a counter (the baseline).
import AsyncStreams
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let taskCount = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 100_000
let slots = 64
/// `runner` or `graph` runs only that part (for profiling).
let only = CommandLine.arguments.dropFirst(2).first

// MARK: - Measurement helpers

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// The process's peak resident set size (VmHWM) in MiB, or nil off Linux.
func peakRSSMiB() -> Double? {
    guard let text = readText("/proc/self/status") else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        if fields.count >= 2, let kib = Double(fields[1]) { return kib / 1024 }
    }
    return nil
}

/// Reads a small text file with the C library (AsyncStreams has no Foundation, nor does its benchmark).
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

struct Row {
    var name: String
    var tasks: Int
    var seconds: Double
    var note: String = ""
    var rate: Double { Double(tasks) / seconds }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func format(_ value: Double, decimals: Int = 0) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    return decimals == 0 ? String(Int(rounded)) : String(rounded)
}

func printTable(_ rows: [Row], baseline: Double) {
    print(pad("benchmark", 44) + pad("tasks", 10) + pad("seconds", 10) + pad("tasks/s", 12) + pad("vs bare", 9) + "note")
    for row in rows {
        print(
            pad(row.name, 44) + pad(String(row.tasks), 10) + pad(format(row.seconds, decimals: 3), 10)
                + pad(format(row.rate), 12) + pad(format(baseline / row.rate, decimals: 2) + "x", 9) + row.note
        )
    }
}

// MARK: - (c) bare TaskGroup limited by a counter

func bareTaskGroup(_ count: Int) async -> Double {
    let start = ContinuousClock.now
    var sum = 0
    await withTaskGroup(of: Int.self) { group in
        var running = 0
        for index in 0..<count {
            if running == slots, let value = await group.next() {
                sum &+= value
                running -= 1
            }
            group.addTask { index }
            running += 1
        }
        for await value in group { sum &+= value }
    }
    precondition(sum == count * (count - 1) / 2)
    return seconds(ContinuousClock.now - start)
}

// MARK: - (a) ScheduledTaskPoolRunner

typealias Trivial = ScheduledTask<Never, Int>

func runnerOverBuffer(_ count: Int) async throws -> Double {
    let tasks = (0..<count).map { index in Trivial(key: "t\(index)") { index } }
    let source = SourceBufferObj(tasks, oneShot: true)
    let capacity = try ResourceCapacitySource(limits: ["capacity": Double(slots)])
    let runner = ScheduledTaskPoolRunner(name: "bench", source: source, capacity: capacity)
    let start = ContinuousClock.now
    var finals = 0
    for try await envelope in runner.runTasks() where envelope.isTerminal { finals += 1 }
    precondition(finals == count)
    return seconds(ContinuousClock.now - start)
}

func runnerOverBufferStructured(_ count: Int) async throws -> Double {
    let tasks = (0..<count).map { index in Trivial(key: "t\(index)") { index } }
    let source = SourceBufferObj(tasks, oneShot: true)
    let capacity = try ResourceCapacitySource(limits: ["capacity": Double(slots)])
    let runner = ScheduledTaskPoolRunner(name: "bench", source: source, capacity: capacity)
    let start = ContinuousClock.now
    var finals = 0
    try await runner.run { envelope in if envelope.isTerminal { finals += 1 } }
    precondition(finals == count)
    return seconds(ContinuousClock.now - start)
}

/// Lets task callbacks reach the source they belong to, which is created after the tasks.
final class SourceRef: Sendable {
    private let storage = Mutex<PriorityDependencySourceObj<String, Trivial>?>(nil)
    var source: PriorityDependencySourceObj<String, Trivial>? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

enum Shape: String {
    case wide, chain
}

/// A PriorityDependencySourceObj over `count` nodes (independent, or a single chain) whose tasks complete
/// their node in `onComplete`.
func prioritySource(_ count: Int, shape: Shape) throws -> PriorityDependencySourceObj<String, Trivial> {
    let reference = SourceRef()
    let graph = DependencyGraph<String>()
    var tasks: [String: Trivial] = [:]
    tasks.reserveCapacity(count)
    for index in 0..<count {
        let key = "t\(index)"
        try graph.addNode(key, dependencies: shape == .chain && index > 0 ? ["t\(index - 1)"] : [])
        tasks[key] = Trivial(key: key, run: { index }, onComplete: { key, _ in _ = try? reference.source?.complete(key) })
    }
    let source = try PriorityDependencySourceObj(graph: graph, tasks: tasks)
    reference.source = source
    return source
}

func runnerOverGraph(_ count: Int, shape: Shape, structured: Bool) async throws -> Double {
    let source = try prioritySource(count, shape: shape)
    let capacity = try ResourceCapacitySource(limits: ["capacity": Double(slots)])
    let runner = ScheduledTaskPoolRunner(name: "bench", source: source, capacity: capacity)
    let start = ContinuousClock.now
    var finals = 0
    if structured {
        try await runner.run { envelope in if envelope.isTerminal { finals += 1 } }
    } else {
        for try await envelope in runner.runTasks() where envelope.isTerminal { finals += 1 }
    }
    precondition(finals == count && source.isFinished)
    return seconds(ContinuousClock.now - start)
}

// MARK: - (b) DependencyGraph build and drain

/// Builds a graph where node i depends on i−1 and i/2 (a mix of chain and fan-out), then drains it:
/// start and complete every ready node until done.
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

/// The best (shortest) of `repeats` runs: the machine is shared, so the minimum is the least noisy.
func best(_ repeats: Int = 3, _ body: () async throws -> Double) async rethrows -> Double {
    var result = Double.infinity
    for _ in 0..<repeats { result = min(result, try await body()) }
    return result
}

// MARK: - Main

print("AsyncStreams benchmark: \(taskCount) trivial tasks, \(slots) capacity slots")
_ = await bareTaskGroup(10_000)  // warm-up
let bare = await best { await bareTaskGroup(taskCount) }
var rows = [Row(name: "(c) bare TaskGroup, counter-limited", tasks: taskCount, seconds: bare)]
if only == nil || only == "runner" || only == "stream" {
    rows.append(Row(name: "(a) runner + SourceBufferObj (FIFO)", tasks: taskCount, seconds: try await best { try await runnerOverBuffer(taskCount) }))
}
if only == nil || only == "runner" || only == "structured" {
    rows.append(
        Row(
            name: "(a) runner.run(forEach:) + SourceBufferObj",
            tasks: taskCount,
            seconds: try await best { try await runnerOverBufferStructured(taskCount) }
        )
    )
}
if only == nil || only == "graph-runner" {
    for shape in [Shape.wide, .chain] {
        for structured in [false, true] {
            let name = "(a) PriorityDependencySourceObj \(shape.rawValue), \(structured ? "run(forEach:)" : "runTasks()")"
            let time = try await best { try await runnerOverGraph(taskCount, shape: shape, structured: structured) }
            rows.append(Row(name: name, tasks: taskCount, seconds: time))
        }
    }
}
printTable(rows, baseline: Double(taskCount) / bare)
if only != nil { exit(0) }

print("")
print(pad("(b) DependencyGraph", 24) + pad("nodes", 10) + pad("build s", 10) + pad("drain s", 10) + "peak RSS (VmHWM)")
for count in [100_000, 1_000_000] {
    let (build, drain) = try graphBuildAndDrain(count)
    let rss = peakRSSMiB().map { format($0, decimals: 1) + " MiB" } ?? "n/a"
    print(pad("", 24) + pad(String(count), 10) + pad(format(build, decimals: 3), 10) + pad(format(drain, decimals: 3), 10) + rss)
}
