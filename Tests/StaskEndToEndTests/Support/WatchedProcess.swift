import Foundation
import StaskTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A running process (usually `stask`) whose output can be awaited while it runs: the fault tests wait for
/// "waiting for another stask" before releasing the first build, instead of guessing with a sleep.
///
/// Standard output and error are read on two dedicated threads (blocking `read`, never the cooperative
/// pool); `output(containing:)` resumes as soon as the text has appeared on either.
final class WatchedProcess: Sendable {
    let process: Process

    private struct State {
        var output = ""
        var error = ""
        var openStreams = 2
        var hasExited = false
        var nextWaiter = 0
        var waiters: [(id: Int, text: String, continuation: CheckedContinuation<Bool, Never>)] = []
        var endWaiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []

        /// The process has exited and both streams are closed.
        var hasEnded: Bool { hasExited && openStreams == 0 }
    }

    private let state = Mutex(State())

    /// Starts `stask arguments` in `directory`, under `prefix` when given (e.g. `setpriv …`).
    static func stask(_ arguments: [String], in directory: URL, prefix: [String] = []) throws -> WatchedProcess {
        if let reason = StaskInvocation.unusableBinaryReason { throw HarnessError(reason) }
        return try WatchedProcess(prefix + [StaskInvocation.binary.path] + arguments, in: directory)
    }

    /// Starts `command` (its first word looked up on `PATH`) in `directory`.
    init(_ command: [String], in directory: URL, environment: [String: String] = [:]) throws {
        let output = Pipe()
        let error = Pipe()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        process.currentDirectoryURL = directory
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        // The exit is reported by Foundation's own thread: nothing waits in `waitUntilExit`.
        process.terminationHandler = { [weak self] _ in self?.exited() }
        try process.run()
        try? output.fileHandleForWriting.close()
        try? error.fileHandleForWriting.close()
        startReader(output.fileHandleForReading, isError: false)
        startReader(error.fileHandleForReading, isError: true)
    }

    /// Waits until standard output or error contains `text`; `false` if both ended without it, or if it
    /// did not appear within `timeout` (the caller's `#expect` then names the text waited for).
    func output(containing text: String, timeout: Duration = .seconds(30)) async -> Bool {
        await waitWithDeadline(timeout) { id, continuation in
            let answer: Bool? = self.state.withLock { state in
                if state.output.contains(text) || state.error.contains(text) { return true }
                if state.openStreams == 0 { return false }
                state.waiters.append((id, text, continuation))
                return nil
            }
            if let answer { continuation.resume(returning: answer) }
        } giveUp: { id in
            self.state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
        }
    }

    /// Sends `signal` to the process.
    func signal(_ signal: Int32) {
        _ = kill(process.processIdentifier, signal)
    }

    /// Waits for the process to exit and its output to end. After `timeout` the test fails, naming the
    /// command, and the process is SIGKILLed (then waited for 10 s more, never for ever).
    func result(timeout: Duration = .seconds(50)) async -> StaskResult {
        if !(await ended(within: timeout)) {
            Issue.record("still running after \(timeout), killed: \(commandLine)")
            signal(SIGKILL)
            if !(await ended(within: .seconds(10))) {
                Issue.record("output still open 10 s after SIGKILL (a child holds it?): \(commandLine)")
            }
        }
        let (output, error, hasExited) = state.withLock { ($0.output, $0.error, $0.hasExited) }
        guard hasExited else {
            return StaskResult(status: -1, isSignalled: false, standardOutput: output, standardError: error)
        }
        return StaskResult(
            status: process.terminationStatus, isSignalled: process.terminationReason == .uncaughtSignal,
            standardOutput: output, standardError: error)
    }

    private var commandLine: String {
        ([process.executableURL?.path ?? ""] + (process.arguments ?? [])).joined(separator: " ")
    }

    /// Whether the process exited and both streams ended within `timeout`.
    private func ended(within timeout: Duration) async -> Bool {
        await waitWithDeadline(timeout) { id, continuation in
            let isDone = self.state.withLock { state in
                if state.hasEnded { return true }
                state.endWaiters.append((id, continuation))
                return false
            }
            if isDone { continuation.resume(returning: true) }
        } giveUp: { id in
            self.state.withLock { state in
                guard let index = state.endWaiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.endWaiters.remove(at: index).continuation
            }
        }
    }

    /// Parks a continuation with `park` (under a fresh waiter id) and resumes it with `false` once
    /// `timeout` has passed or the task is cancelled, if `giveUp` still finds it parked.
    private func waitWithDeadline(
        _ timeout: Duration,
        park: @escaping @Sendable (Int, CheckedContinuation<Bool, Never>) -> Void,
        giveUp: @escaping @Sendable (Int) -> CheckedContinuation<Bool, Never>?
    ) async -> Bool {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                giveUp(id)?.resume(returning: false)
            }
            let answer = await withTaskCancellationHandler {
                await withCheckedContinuation { park(id, $0) }
            } onCancel: {
                giveUp(id)?.resume(returning: false)
            }
            group.cancelAll()
            return answer
        }
    }

    private func startReader(_ handle: FileHandle, isError: Bool) {
        let descriptor = handle.fileDescriptor
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                self.received(String(decoding: buffer[..<count], as: UTF8.self), isError: isError)
            }
            try? handle.close()
            self.received(nil, isError: isError)
        }
        thread.start()
    }

    /// Appends a chunk (or notes the end of a stream) and resumes the waiters it satisfies.
    private func received(_ chunk: String?, isError: Bool) {
        let (satisfied, ended) = state.withLock {
            state -> ([(CheckedContinuation<Bool, Never>, Bool)], [CheckedContinuation<Bool, Never>]) in
            if let chunk {
                if isError { state.error += chunk } else { state.output += chunk }
            } else {
                state.openStreams -= 1
            }
            var satisfied: [(CheckedContinuation<Bool, Never>, Bool)] = []
            var waiting: [(id: Int, text: String, continuation: CheckedContinuation<Bool, Never>)] = []
            for waiter in state.waiters {
                if state.output.contains(waiter.text) || state.error.contains(waiter.text) {
                    satisfied.append((waiter.continuation, true))
                } else if state.openStreams == 0 {
                    satisfied.append((waiter.continuation, false))
                } else {
                    waiting.append(waiter)
                }
            }
            state.waiters = waiting
            return (satisfied, Self.takeEndWaiters(&state))
        }
        for (continuation, answer) in satisfied { continuation.resume(returning: answer) }
        for continuation in ended { continuation.resume(returning: true) }
    }

    /// Notes the exit (called on Foundation's thread) and resumes the end waiters if output has ended too.
    private func exited() {
        let ended = state.withLock { state in
            state.hasExited = true
            return Self.takeEndWaiters(&state)
        }
        for continuation in ended { continuation.resume(returning: true) }
    }

    private static func takeEndWaiters(_ state: inout State) -> [CheckedContinuation<Bool, Never>] {
        guard state.hasEnded else { return [] }
        defer { state.endWaiters = [] }
        return state.endWaiters.map(\.continuation)
    }
}
