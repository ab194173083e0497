import StaskCore
import Synchronization

/// A ``RemoteExecutor`` that runs each request's script through a ``ScriptedLauncher`` in the request's project
/// directory, as a cluster would run it on a worker, and records what it was asked.
///
/// - ``Mode/unreachable``: every request answers unavailable and turns the executor off, as an unreachable
///   cluster does.
/// - ``holdUntilInFlight(_:)``: requests wait until that many are running at once, then all go on; a schedule
///   that runs fewer at once never gets past it.
final class ScriptedRemoteExecutor: RemoteExecutor {
    enum Mode: Sendable {
        case available
        case unreachable
        /// Every request answers cancelled, as when the cluster (not the build) cancels the operation.
        case cancelsEverything
    }

    private struct State {
        var mode: Mode
        var requests: [RemoteExecutionRequest] = []
        var statistics = RemoteExecutionStatistics()
        var isDisabled = false
        var inFlight = 0
        var largestInFlight = 0
        var barrier: Int?
        var waiting: [CheckedContinuation<Void, Never>] = []
        var finished = 0
    }

    private let launcher: ScriptedLauncher
    private let state: Mutex<State>

    init(launcher: ScriptedLauncher, mode: Mode = .available) {
        self.launcher = launcher
        self.state = Mutex(State(mode: mode))
    }

    var requests: [RemoteExecutionRequest] { state.withLock { $0.requests } }
    var largestInFlight: Int { state.withLock { $0.largestInFlight } }
    var finishCalls: Int { state.withLock { $0.finished } }
    var statistics: RemoteExecutionStatistics { state.withLock { $0.statistics } }
    var isDisabled: Bool { state.withLock { $0.isDisabled } }

    func holdUntilInFlight(_ count: Int) { state.withLock { $0.barrier = count } }

    func execute(_ request: RemoteExecutionRequest) async -> RemoteExecutionResult {
        let (mode, release) = state.withLock { state -> (Mode, [CheckedContinuation<Void, Never>]) in
            state.requests.append(request)
            state.inFlight += 1
            state.largestInFlight = max(state.largestInFlight, state.inFlight)
            if let barrier = state.barrier, state.inFlight >= barrier {
                state.barrier = nil
                defer { state.waiting = [] }
                return (state.mode, state.waiting)
            }
            return (state.mode, [])
        }
        for continuation in release { continuation.resume() }
        defer { state.withLock { $0.inFlight -= 1 } }
        if state.withLock({ $0.barrier != nil }) {
            await withCheckedContinuation { continuation in
                let released = state.withLock { state in
                    guard state.barrier != nil else { return true }
                    state.waiting.append(continuation)
                    return false
                }
                if released { continuation.resume() }
            }
        }
        if mode == .cancelsEverything { return .cancelled }
        guard mode == .available else {
            state.withLock {
                $0.isDisabled = true
                $0.statistics.local += 1
                $0.statistics.errors += 1
            }
            return .unavailable("cannot connect")
        }
        // One command, or `(c1) && (c2) && …` as the engine joins several: each through the launcher, in order,
        // stopping at the first failure.
        let script = request.arguments.last ?? ""
        var commands = [script]
        if script.hasPrefix("("), script.hasSuffix(")") {
            commands = script.dropFirst().dropLast().split(separator: ") && (").map(String.init)
        }
        var output: [UInt8] = []
        var termination = ProcessResult.Termination.exited(0)
        for command in commands {
            var spec = ProcessSpec(
                arguments: ["/bin/sh", "-c", command], environment: request.environment,
                workingDirectory: request.projectDirectory)
            spec.shellCommand = command
            let ran: ProcessResult
            do {
                ran = try await launcher.run(spec)
            } catch {
                return .cancelled
            }
            output += ran.output
            termination = ran.termination
            if !ran.termination.isSuccess { break }
        }
        let result = ProcessResult(termination: termination, output: output, wallTime: .zero, cpuTime: .zero)
        state.withLock { $0.statistics.executed += 1 }
        let exitCode: Int32? =
            switch result.termination {
            case .exited(let code): code
            case .signalled(let signal): 128 + signal
            case .timedOut: nil
            }
        return .completed(RemoteCompletion(exitCode: exitCode, output: result.output, isCached: false))
    }

    func finish() async {
        state.withLock { $0.finished += 1 }
    }
}
