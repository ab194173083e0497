import StaskCore
import Synchronization

/// A ``ProcessLauncher`` that starts no process: it interprets a few commands against an
/// ``InMemoryFileSystem`` and records every command line it was given, in order.
///
/// Commands (paths relative to the spec's working directory):
/// - `write OUT WORD...`: writes the words, space-separated, and a newline to OUT;
/// - `repeat OUT COUNT WORD`: writes WORD COUNT times to OUT;
/// - `strip IN OUT`: copies IN to OUT without its lines starting with `#`;
/// - `concat OUT IN...`: writes the concatenation of the inputs to OUT;
/// - `fail CODE`: exits with CODE, printing `failing`;
/// - `flaky NAME N`: fails the first N times it runs for NAME, then succeeds;
/// - `say WORD...`: prints the words;
/// - `peak BYTES`: succeeds, reporting BYTES as its peak resident memory;
/// - `oom NAME N`: is ended by the out-of-memory killer the first N times it runs for NAME (peak 1 GiB),
///   then succeeds;
/// - `hang`: waits until cancelled, then reports cancellation (as the real launcher does after killing);
/// - `overrun`: times out when the spec has a time limit (as a command running past it would).
final class ScriptedLauncher: ProcessLauncher {
    private struct State {
        var commands: [String] = []
        var flakyCounts: [String: Int] = [:]
        var threads: Set<UInt> = []
        var failing: String?
    }

    private let fileSystem: InMemoryFileSystem
    private let state = Mutex(State())
    private let executor: ThreadExecutor?

    /// - Parameter executor: offered to the engine as ``taskExecutor``, as the real launcher offers its
    ///   event loop.
    init(fileSystem: InMemoryFileSystem, executor: ThreadExecutor? = nil) {
        self.fileSystem = fileSystem
        self.executor = executor
    }

    var taskExecutor: (any TaskExecutor)? { executor }

    /// Every command line run so far, in order.
    var commands: [String] { state.withLock { $0.commands } }

    /// The threads (``ThreadExecutor/currentThread``) commands were run from.
    var threads: Set<UInt> { state.withLock { $0.threads } }

    /// Forgets the commands run so far.
    func clearCommands() { state.withLock { $0.commands = [] } }

    /// Makes every command line containing `text` fail with exit code 1 (`nil`: none).
    func failCommands(containing text: String?) { state.withLock { $0.failing = text } }

    func run(_ spec: ProcessSpec) async throws(ProcessError) -> ProcessResult {
        let line = spec.shellCommand ?? spec.arguments.joined(separator: " ")
        state.withLock {
            $0.commands.append(line)
            $0.threads.insert(ThreadExecutor.currentThread)
        }
        if let failing = state.withLock({ $0.failing }), line.contains(failing) {
            return ProcessResult(
                termination: .exited(1), output: Array("failing\n".utf8), wallTime: .milliseconds(1),
                cpuTime: .milliseconds(1))
        }
        let words = ShellCommand.directArguments(line) ?? []
        func path(_ relative: String) -> String { spec.workingDirectory + "/" + relative }
        func result(_ status: Int32, _ output: String = "") -> ProcessResult {
            ProcessResult(
                termination: .exited(status), output: Array(output.utf8), wallTime: .milliseconds(1),
                cpuTime: .milliseconds(1))
        }
        if words.first == "overrun", spec.timeout != nil {
            return ProcessResult(
                termination: .timedOut, output: Array("partial\n".utf8), wallTime: spec.timeout!, cpuTime: .zero)
        }
        if words.first == "hang" {
            try? await Task.sleep(for: .seconds(60))
            throw .cancelled
        }
        do {
            switch words.first {
            case "write":
                try fileSystem.writeFile(
                    atPath: path(words[1]), contents: Array((words.dropFirst(2).joined(separator: " ") + "\n").utf8))
            case "repeat":
                let bytes = Array(words[3].utf8)
                let count = Int(words[2]) ?? 0
                try fileSystem.writeFile(
                    atPath: path(words[1]),
                    contents: [UInt8](unsafeUninitializedCapacity: bytes.count * count) { buffer, initialized in
                        for index in 0..<(bytes.count * count) { buffer[index] = bytes[index % bytes.count] }
                        initialized = bytes.count * count
                    })
            case "strip":
                let text = String(decoding: try fileSystem.readFile(atPath: path(words[1])), as: UTF8.self)
                let kept = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("#") }
                try fileSystem.writeFile(atPath: path(words[2]), contents: Array(kept.joined(separator: "\n").utf8))
            case "concat":
                var bytes: [UInt8] = []
                for input in words.dropFirst(2) { bytes += try fileSystem.readFile(atPath: path(input)) }
                try fileSystem.writeFile(atPath: path(words[1]), contents: bytes)
            case "fail":
                return result(Int32(words[1]) ?? 1, "failing\n")
            case "flaky":
                let remaining = state.withLock { state in
                    let count = state.flakyCounts[words[1], default: 0]
                    state.flakyCounts[words[1]] = count + 1
                    return (Int(words[2]) ?? 0) - count
                }
                if remaining > 0 { return result(1, "flaked\n") }
            case "overrun":
                break
            case "peak":
                var ran = result(0)
                ran.peakMemory = UInt64(words[1]) ?? 0
                return ran
            case "oom":
                let remaining = state.withLock { state in
                    let count = state.flakyCounts[words[1], default: 0]
                    state.flakyCounts[words[1]] = count + 1
                    return (Int(words[2]) ?? 0) - count
                }
                if remaining > 0 {
                    return ProcessResult(
                        termination: .exited(137), output: Array("Killed\n".utf8), wallTime: .milliseconds(1),
                        cpuTime: .milliseconds(1), peakMemory: 1 << 30, isOutOfMemoryKill: true)
                }
            case "say":
                return result(0, words.dropFirst().joined(separator: " ") + "\n")
            default:
                return result(127, "unknown command: \(line)\n")
            }
        } catch {
            return result(1, "\(error)\n")
        }
        return result(0)
    }
}
