import Foundation
import StaskCore
import StaskPosix
import StaskRemote
import StaskTestSupport
import Synchronization
import Testing

/// A real build against a cache server that accepts connections and never answers: the lookup waits out the
/// cache's own deadline, and neither the task's `timeout:` nor its recorded time counts that wait.
@Suite(.timeLimit(.minutes(1)))
struct SilentCacheBuildTests {
    /// The cache's wait for an answer; above the task's `timeout:`, so a lookup counted against the task
    /// times it out.
    static let cacheWait = Duration.milliseconds(2500)

    static let taskfile = """
        version: 1
        tasks:
          compile:
            inputs: [main.c]
            outputs: [build/main.o]
            run: cp main.c build/main.o
            timeout: 2s
        """

    @Test func aSilentCacheNeitherTimesTheTaskOutNorCountsAsItsDuration() async throws {
        let silent = try ScriptedHTTPServer(isAccepting: false)
        let project = try ScratchDirectory()
        let files = LocalFileSystem()
        try files.writeFile(atPath: project.appending("Taskfile"), contents: Array(Self.taskfile.utf8))
        try files.writeFile(atPath: project.appending("main.c"), contents: Array("int main;\n".utf8))
        let engine = BuildEngine(
            fileSystem: files, launcher: PosixProcessLauncher(), cpuCount: 2, acquireLock: { _, _, _ in {} },
            makeRemoteCache: { configuration, warn in
                var configuration = configuration
                configuration.ioTimeout = Self.cacheWait
                return HTTPRemoteCache(configuration: configuration, warn: warn)
            })
        var options = BuildOptions(directory: project.path)
        options.remoteCache = .server(try RemoteCacheEndpoint(parsing: silent.url))
        options.tracePath = project.appending("trace.json")
        let events = EventLog()

        let summary = try await engine.run(options, reporter: events)

        #expect(summary.isSuccess && summary.built == 1, "\(events.all)")
        #expect(try files.readFile(atPath: project.appending("build/main.o")) == Array("int main;\n".utf8))
        let warnings = events.all.compactMap { if case .warning(let message) = $0 { message } else { nil } }
        #expect(warnings.count == 1 && warnings.first?.contains("timed out") == true, "\(warnings)")
        // The build waited out the lookup; the task's own time is the copy's alone.
        #expect(summary.wallTime >= Self.cacheWait)
        let durations = events.all.compactMap { event -> Duration? in
            if case .finished("compile", _, let duration, _) = event { duration } else { nil }
        }
        let duration = try #require(durations.first)
        #expect(duration < Self.cacheWait)
        #expect(summary.criticalPath.map(\.duration).allSatisfy { $0 < Self.cacheWait })
        let state = BuildStateStore.load(directory: project.appending(".stask"), fileSystem: files).state
        let record = try #require(state.validRecord(for: "compile"))
        #expect(record.wallTime < Self.cacheWait)
        let trace = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: options.tracePath!)))
        let traceEvents = try #require((trace as? [String: Any])?["traceEvents"] as? [[String: Any]])
        let span = try #require(traceEvents.first { $0["name"] as? String == "compile" && $0["ph"] as? String == "X" })
        let microseconds = try #require((span["dur"] as? NSNumber)?.doubleValue)
        #expect(microseconds < Double(Self.cacheWait.components.seconds) * 1e6)
    }
}

/// Keeps every event of a build, from any thread.
private final class EventLog: ProgressReporter {
    private let events = Mutex<[BuildEvent]>([])

    func report(_ event: BuildEvent) {
        events.withLock { $0.append(event) }
    }

    var all: [BuildEvent] { events.withLock { $0 } }
}
