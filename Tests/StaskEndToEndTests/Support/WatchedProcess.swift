import Foundation
import Synchronization

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
        var waiters: [(text: String, continuation: CheckedContinuation<Bool, Never>)] = []
        var endWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Starts `stask arguments` in `directory`, under `prefix` when given (e.g. `setpriv …`).
    static func stask(_ arguments: [String], in directory: URL, prefix: [String] = []) throws -> WatchedProcess {
        try WatchedProcess(prefix + [StaskInvocation.binary.path] + arguments, in: directory)
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
        try process.run()
        try? output.fileHandleForWriting.close()
        try? error.fileHandleForWriting.close()
        startReader(output.fileHandleForReading, isError: false)
        startReader(error.fileHandleForReading, isError: true)
    }

    /// Waits until standard output or error contains `text`; `false` if both ended without it.
    func output(containing text: String) async -> Bool {
        await withCheckedContinuation { continuation in
            let answer: Bool? = state.withLock { state in
                if state.output.contains(text) || state.error.contains(text) { return true }
                if state.openStreams == 0 { return false }
                state.waiters.append((text, continuation))
                return nil
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }

    /// Sends `signal` to the process.
    func signal(_ signal: Int32) {
        _ = kill(process.processIdentifier, signal)
    }

    /// Waits for the process to exit and its output to end; kills it after `timeout`.
    func result(timeout: Duration = .seconds(50)) async -> StaskResult {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let isDone = self.state.withLock { state in
                        if state.openStreams == 0 { return true }
                        state.endWaiters.append(continuation)
                        return false
                    }
                    if isDone { continuation.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled { self.signal(SIGKILL) }
            }
            await group.next()
            group.cancelAll()
        }
        process.waitUntilExit()
        let (output, error) = state.withLock { ($0.output, $0.error) }
        return StaskResult(
            status: process.terminationStatus, isSignalled: process.terminationReason == .uncaughtSignal,
            standardOutput: output, standardError: error)
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
            state -> ([(CheckedContinuation<Bool, Never>, Bool)], [CheckedContinuation<Void, Never>]) in
            if let chunk {
                if isError { state.error += chunk } else { state.output += chunk }
            } else {
                state.openStreams -= 1
            }
            var satisfied: [(CheckedContinuation<Bool, Never>, Bool)] = []
            var waiting: [(text: String, continuation: CheckedContinuation<Bool, Never>)] = []
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
            var ended: [CheckedContinuation<Void, Never>] = []
            if state.openStreams == 0 { swap(&ended, &state.endWaiters) }
            return (satisfied, ended)
        }
        for (continuation, answer) in satisfied { continuation.resume(returning: answer) }
        for continuation in ended { continuation.resume() }
    }
}
