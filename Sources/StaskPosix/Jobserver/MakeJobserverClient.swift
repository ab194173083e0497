import Glibc
import StaskCore
import Synchronization

/// A client of the GNU make jobserver stask runs under: reads tokens from it and writes them back.
///
/// Reading never blocks a thread of the cooperative pool, nor does it change how make and the other
/// clients see the pipe: the read end is opened a second time (`/proc/self/fd/R`, or the named pipe's path)
/// as a non-blocking description of its own, and one dedicated thread `poll`s it while commands wait,
/// handing each token read to the longest waiter. Several clients reading one token race for it; the
/// losers see `EAGAIN` and keep waiting.
///
/// A jobserver whose descriptors were not inherited (make did not take the recipe for a recursive one: no
/// `+` and no `$(MAKE)`), are not pipes, or whose named pipe is missing, is refused at creation; one whose
/// every writer went away (end of file) or that fails later turns every wait into "no token" (commands then
/// run under stask's own budget), and `onLoss` is called once.
package final class MakeJobserverClient: JobserverClient {
    private struct State {
        var waiters: [(id: UInt64, continuation: CheckedContinuation<UInt8?, any Error>)] = []
        var nextID: UInt64 = 0
        var isLost = false
        var isThreadRunning = false
    }

    private let readFD: Int32
    private let writeFD: Int32
    /// make's `MAKEFLAGS`, as stask got it: what a nested build is given.
    private let makeflags: String
    package let descriptorsForNestedBuild: [Int32: Int32]
    private let wakePipe: WakePipe
    private let state = Mutex(State())
    private let onLoss: @Sendable (String) -> Void

    /// Opens the jobserver `flags` names.
    ///
    /// - Parameter onLoss: told, once, why the jobserver stopped answering (for a warning).
    /// - Throws: ``JobserverError`` saying why it cannot be used.
    package init(
        _ jobserver: MakeFlags.Jobserver, makeflags: String, onLoss: @escaping @Sendable (String) -> Void
    ) throws {
        self.makeflags = makeflags
        switch jobserver {
        case .pipe(let read, let write):
            for fd in [read, write] {
                // make's descriptors are inherited, never close-on-exec; every descriptor this process
                // opened itself is. One that is closed, close-on-exec or no pipe is not make's: make closed
                // them for a recipe it does not take for a recursive one, and the number was reused.
                var status = stat()
                let flags = fcntl(fd, F_GETFD)
                guard fstat(fd, &status) == 0, flags >= 0, flags & FD_CLOEXEC == 0,
                    status.st_mode & S_IFMT == S_IFIFO
                else {
                    throw JobserverError.notPassed(read: read, write: write, descriptor: fd)
                }
            }
            let reader = open("/proc/self/fd/\(read)", O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard reader >= 0 else {
                throw JobserverError.systemCall(what: "open the read end of the pipe", errno: errno)
            }
            let writer = fcntl(write, F_DUPFD_CLOEXEC, 3)
            guard writer >= 0 else {
                let code = errno
                close(reader)
                throw JobserverError.systemCall(what: "duplicate the write end of the pipe", errno: code)
            }
            readFD = reader
            writeFD = writer
            descriptorsForNestedBuild = [read: read, write: write]
        case .fifo(let path):
            let fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else {
                throw JobserverError.cannotOpen(path: path, errno: errno)
            }
            var status = stat()
            guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFIFO else {
                close(fd)
                throw JobserverError.notNamedPipe(path: path)
            }
            readFD = fd
            writeFD = fd
            descriptorsForNestedBuild = [:]
        }
        guard let pipe = WakePipe() else {
            let code = errno
            close(readFD)
            if writeFD != readFD { close(writeFD) }
            throw JobserverError.systemCall(what: "create a pipe", errno: code)
        }
        wakePipe = pipe
        self.onLoss = onLoss
    }

    deinit {
        close(readFD)
        if writeFD != readFD { close(writeFD) }
    }

    package func acquireToken() async throws -> UInt8? {
        if state.withLock({ $0.isLost }) { return nil }
        if let token = readToken() { return token }
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                enum Outcome { case cancelled, lost, waiting(startsThread: Bool) }
                let outcome = state.withLock { state -> Outcome in
                    // Checked under the lock: a cancellation after this finds the waiter and resumes it.
                    if Task.isCancelled { return .cancelled }
                    if state.isLost { return .lost }
                    state.waiters.append((id, continuation))
                    defer { state.isThreadRunning = true }
                    return .waiting(startsThread: !state.isThreadRunning)
                }
                switch outcome {
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .lost: continuation.resume(returning: nil)
                case .waiting(let startsThread):
                    if !startsThread {
                        wake()
                    } else if DedicatedThread.startReportingError({ self.pollLoop() }) != nil {
                        lose("cannot start a thread to wait for jobserver tokens")
                    }
                }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> CheckedContinuation<UInt8?, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            cancelled?.resume(throwing: CancellationError())
            wake()  // the thread stops polling once nobody waits
        }
    }

    package func environmentForNestedBuild(_ environment: [String: String]) -> [String: String] {
        var result = environment
        result["MAKEFLAGS"] = makeflags
        result["CARGO_MAKEFLAGS"] = makeflags
        return result
    }

    package func releaseToken(_ token: UInt8) {
        var byte = token
        while write(writeFD, &byte, 1) < 0 {
            guard errno == EINTR || errno == EAGAIN else { return }
            if errno == EAGAIN {
                var descriptor = pollfd(fd: writeFD, events: Int16(POLLOUT), revents: 0)
                _ = poll(&descriptor, 1, 100)
            }
        }
    }

    /// One token without waiting, or `nil` (none there now, or the jobserver is lost).
    private func readToken() -> UInt8? {
        var byte: UInt8 = 0
        while true {
            let count = read(readFD, &byte, 1)
            if count == 1 { return byte }
            if count == 0 {
                lose("the jobserver closed (no writer is left)")
                return nil
            }
            switch errno {
            case EINTR: continue
            case EAGAIN: return nil
            default:
                lose("cannot read from the jobserver: \(ErrorNumber.message(errno))")
                return nil
            }
        }
    }

    /// The thread: while someone waits, `poll` the jobserver and hand each token to the longest waiter.
    private func pollLoop() {
        while true {
            let hasWaiters = state.withLock { state -> Bool in
                if state.waiters.isEmpty || state.isLost { state.isThreadRunning = false }
                return state.isThreadRunning
            }
            guard hasWaiters else { return }
            var descriptors = [
                pollfd(fd: readFD, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakePipe.readDescriptor, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 && errno != EINTR {
                lose("cannot wait for the jobserver: \(ErrorNumber.message(errno))")
                return
            }
            if descriptors[1].revents != 0 { wakePipe.drain() }
            guard descriptors[0].revents != 0 else { continue }
            guard let token = readToken() else { continue }
            let waiter = state.withLock { state in state.waiters.isEmpty ? nil : state.waiters.removeFirst() }
            if let waiter {
                waiter.continuation.resume(returning: token)
            } else {
                releaseToken(token)  // the waiter was cancelled meanwhile
            }
        }
    }

    private func lose(_ reason: String) {
        let (waiters, isFirst) = state.withLock { state in
            defer {
                state.isLost = true
                state.waiters = []
            }
            return (state.waiters, !state.isLost)
        }
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
        if isFirst { onLoss(reason) }
        wake()
    }

    private func wake() {
        wakePipe.wake()
    }
}
