import Glibc
import StaskCore
import Synchronization

/// The pipes, the state and the thread of a ``HelperChannel`` (see its contract).
final class HelperChannelStorage: Sendable {
    typealias Continuation = CheckedContinuation<Result<[UInt8], HelperChannelFailure>, Never>

    let pid: pid_t
    /// The helper's standard input (non-blocking); written by the channel's thread only, closed by whoever
    /// takes the helper out of ``LiveHelpers``.
    private let input: Int32
    /// The helper's standard output (non-blocking); read and closed by the channel's thread only.
    private let output: Int32
    private let wake: WakePipe
    private let onMessage: @Sendable ([UInt8]) -> Void
    private let state = Mutex(HelperChannelStateMachine<Continuation>())

    init(pid: pid_t, input: Int32, output: Int32, wake: WakePipe, onMessage: @escaping @Sendable ([UInt8]) -> Void) {
        self.pid = pid
        self.input = input
        self.output = output
        self.wake = wake
        self.onMessage = onMessage
        LiveHelpers.insert(pid: pid, input: input)
    }

    // MARK: - Called from any thread

    func request(_ body: [UInt8], timeout: Duration) async -> Result<[UInt8], HelperChannelFailure> {
        let id = state.withLock { $0.reserveID() }
        let frame = HelperFrame.encode(id: id, body: body)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: Continuation) in
                let deadline = SystemCalls.monotonicNanoseconds() + SystemCalls.nanoseconds(timeout)
                let action = state.withLock {
                    $0.enqueue(id: id, frame: frame, continuation: continuation, deadline: deadline, timeout: timeout)
                }
                switch action {
                case .wake: wake.wake()
                case .fail(let failure): continuation.resume(returning: .failure(failure))
                }
            }
        } onCancel: {
            state.withLock { $0.cancel(id: id) }?.resume(returning: .failure(.cancelled))
        }
    }

    func close() {
        end(.closed)
    }

    /// Ends the channel: fails what waits, and wakes the thread to close the pipes and reap the helper.
    private func end(_ failure: HelperChannelFailure) {
        let (_, waiting) = state.withLock { $0.fail(failure) }
        for continuation in waiting { continuation.resume(returning: .failure(failure)) }
        wake.wake()
    }

    /// Cleans up when the thread could not be started.
    func abandon(errno code: Int32) {
        _ = state.withLock { $0.fail(.cannotStart(path: "", errno: code)) }
        _ = LiveHelpers.takeInput(pid: pid)
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        LiveHelpers.remove(pid: pid)
        SystemCalls.closeDescriptor(input)
        SystemCalls.closeDescriptor(output)
    }

    // MARK: - The channel's thread

    /// The thread's loop: until the channel fails or closes, write queued requests, read replies, enforce
    /// deadlines; then close the helper's input and reap it.
    func serve() {
        // A write to a helper that died raises SIGPIPE; blocked on this thread (the only writer), it stays
        // pending here and is consumed below instead of killing the process.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)

        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var sawEndOfOutput = false
        while true {
            let (failure, hasOutgoing, deadline) = state.withLock {
                ($0.failure, !$0.outgoing.isEmpty, $0.earliestDeadline)
            }
            if failure != nil { break }
            var descriptors = [
                pollfd(fd: output, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.readDescriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: input, events: Int16(POLLOUT), revents: 0),
            ]
            var timeout: Int32 = -1
            if let deadline {
                let remaining = max(0, deadline - SystemCalls.monotonicNanoseconds())
                timeout = Int32(clamping: (remaining + 999_999) / 1_000_000)
            }
            let ready = poll(&descriptors, hasOutgoing ? 3 : 2, timeout)
            if ready < 0 && errno != EINTR {
                end(.exited(status: "cannot be watched: \(SystemCalls.errorMessage(errno))"))
                break
            }
            if descriptors[1].revents != 0 { wake.drain() }
            if hasOutgoing && descriptors[2].revents != 0 {
                if !writeOutgoing() { break }
            }
            if descriptors[0].revents != 0 {
                let count = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
                if count == 0 {
                    sawEndOfOutput = true
                    end(.exited(status: "closed its output"))
                    break
                }
                if count > 0 {
                    received.append(contentsOf: chunk[0..<count])
                    do {
                        for frame in try HelperFrame.decode(&received) { deliver(frame) }
                    } catch {
                        end(.malformed(error.description))
                        break
                    }
                } else if errno != EAGAIN && errno != EINTR {
                    end(.exited(status: "cannot be read: \(SystemCalls.errorMessage(errno))"))
                    break
                }
            }
            if let late = state.withLock({ $0.expired(now: SystemCalls.monotonicNanoseconds()) }) {
                end(late)
                break
            }
        }
        finish(sawEndOfOutput: sawEndOfOutput)
    }

    private func deliver(_ frame: HelperFrame.Frame) {
        if frame.id == 0 {
            onMessage(frame.body)
        } else {
            state.withLock { $0.complete(id: frame.id) }?.resume(returning: .success(frame.body))
        }
    }

    /// Writes what is queued, as far as the pipe takes it; `false` when the helper can no longer be written to.
    private func writeOutgoing() -> Bool {
        var bytes = state.withLock { $0.takeOutgoing() }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(input, $0.baseAddress! + written, $0.count - written) }
            if count > 0 {
                written += count
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && errno == EAGAIN {
                break
            } else {
                let code = errno
                if code == EPIPE { consumePendingPipeSignal() }
                end(.exited(status: "stopped reading its input (\(SystemCalls.errorMessage(code)))"))
                return false
            }
        }
        if written < bytes.count {
            bytes.removeSubrange(0..<written)
            state.withLock { $0.unwritten(bytes) }
        }
        return true
    }

    private func consumePendingPipeSignal() {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var none = timespec(tv_sec: 0, tv_nsec: 0)
        _ = sigtimedwait(&pipeSignal, nil, &none)
    }

    /// Closes the helper's input so that it finishes, gives it ``HelperChannel/closeGracePeriod`` to exit when
    /// it was closed rather than failed, kills its process group otherwise, and reaps it.
    private func finish(sawEndOfOutput: Bool) {
        defer {
            SystemCalls.closeDescriptor(output)
            LiveHelpers.remove(pid: pid)
        }
        if let input = LiveHelpers.takeInput(pid: pid) { SystemCalls.closeDescriptor(input) }
        let failure = state.withLock { $0.failure }
        if failure == .closed || sawEndOfOutput {
            if !ChildExit.happens(pid, within: HelperChannel.closeGracePeriod) { kill(-pid, SIGKILL) }
        } else {
            kill(-pid, SIGKILL)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}
