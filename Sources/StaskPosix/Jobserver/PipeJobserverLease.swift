import Glibc
import StaskCore
import Synchronization

/// One served jobserver (see ``PipeJobserverHost``).
final class PipeJobserverLease: JobserverLease {
    private struct State {
        var lent = 0
        var isClosed = false
    }

    /// Read end as stask reads it: non-blocking, a description of its own.
    private let readFD: Int32
    /// Write end as stask writes it.
    private let writeFD: Int32
    /// What the commands inherit (pipe style), and the flags they read.
    let descriptors: [Int32: Int32]
    private let authorization: String
    private let jobs: Int
    private let fifoPath: String?
    private let ownedFDs: [Int32]
    private let wakePipe: WakePipe
    private let state = Mutex(State())
    private let lender: CPULender
    private let stopListening: Mutex<(@Sendable () -> Void)?> = Mutex(nil)

    /// The first descriptor number used for the pipe's ends in stask, above the child's 3 and 4.
    private static let lowestOwnDescriptor: Int32 = 10
    private static let counter = Atomic<Int>(0)

    init(style: JobserverStyle, directory: String, lender: CPULender, jobs: Int) throws {
        self.lender = lender
        self.jobs = jobs
        guard let wake = WakePipe() else {
            throw JobserverError.systemCall(what: "create a pipe", errno: errno)
        }
        wakePipe = wake
        switch style {
        case .pipe:
            guard let pipe = SystemCalls.makeOutputPipe() else {
                let code = errno
                throw JobserverError.systemCall(what: "create a pipe", errno: code)
            }
            // The commands' ends block, as make and cargo expect; stask reads through a non-blocking
            // description of its own.
            _ = fcntl(pipe.read, F_SETFL, 0)
            let read = fcntl(pipe.read, F_DUPFD_CLOEXEC, Self.lowestOwnDescriptor)
            let write = fcntl(pipe.write, F_DUPFD_CLOEXEC, Self.lowestOwnDescriptor)
            Self.close([pipe.read, pipe.write])
            let reader = read >= 0 ? Glibc.open("/proc/self/fd/\(read)", O_RDONLY | O_NONBLOCK | O_CLOEXEC) : -1
            guard read >= 0, write >= 0, reader >= 0 else {
                let code = errno
                Self.close([read, write, reader].filter { $0 >= 0 })
                throw JobserverError.systemCall(what: "set up the pipe", errno: code)
            }
            readFD = reader
            writeFD = write
            ownedFDs = [read, write, reader]
            descriptors = [3: read, 4: write]
            authorization = "--jobserver-auth=3,4"
            fifoPath = nil
        case .fifo:
            let number = Self.counter.add(1, ordering: .relaxed).newValue
            let path = "\(directory)/\(getpid())-\(number).fifo"
            _ = mkdir(directory, 0o755)
            // Inside the state directory, never through a link planted there.
            var status = stat()
            guard lstat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                throw JobserverError.notNamedPipe(path: directory)
            }
            unlink(path)
            let fd = mkfifo(path, 0o600) == 0 ? Glibc.open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC) : -1
            guard fd >= 0 else {
                let code = errno
                throw JobserverError.cannotOpen(path: path, errno: code)
            }
            readFD = fd
            writeFD = fd
            ownedFDs = [fd]
            descriptors = [:]
            authorization = "--jobserver-auth=fifo:\(path)"
            fifoPath = path
        }
        let stop = lender.listen { [weak self] in self?.wake() }
        stopListening.withLock { $0 = stop }
        if DedicatedThread.startReportingError({ self.pumpLoop() }) != nil {
            stop()
            Self.close(ownedFDs)
            if let fifoPath { unlink(fifoPath) }
            throw JobserverError.systemCall(what: "start a thread", errno: EAGAIN)
        }
    }

    func environment(adding environment: [String: String]) -> [String: String] {
        var result = environment
        let flags = " -j\(jobs) \(authorization)"
        for name in ["MAKEFLAGS", "CARGO_MAKEFLAGS"] {
            let base = environment[name].flatMap(MakeFlags.withoutJobOptions) ?? ""
            result[name] = base + flags
        }
        return result
    }

    func close() {
        state.withLock { $0.isClosed = true }
        wake()
    }

    private func wake() {
        wakePipe.wake()
    }

    /// Tokens in the pipe now (`FIONREAD`).
    private func pendingTokens() -> Int {
        var count: Int32 = 0
        return ioctl(readFD, UInt(FIONREAD), &count) == 0 ? Int(count) : 0
    }

    /// Reads up to `limit` tokens without waiting; how many it read.
    private func takeTokens(limit: Int) -> Int {
        var scratch = [UInt8](repeating: 0, count: max(1, min(limit, 4096)))
        var taken = 0
        while taken < limit {
            let count = scratch.withUnsafeMutableBytes { read(readFD, $0.baseAddress, min($0.count, limit - taken)) }
            if count > 0 {
                taken += count
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        return taken
    }

    private func pumpLoop() {
        while true {
            if state.withLock({ $0.isClosed }) { break }
            let pending = pendingTokens()
            let waiting = lender.hasWaitingWork
            var watchesPipe = false
            if waiting {
                if pending > 0 {
                    let taken = takeTokens(limit: pending)
                    state.withLock { $0.lent -= taken }
                    lender.giveBack(taken)
                    continue
                }
                // Wait for a command to give a token back.
                watchesPipe = state.withLock { $0.lent > 0 }
            } else if lender.lendOne() {
                var token = UInt8(ascii: "+")
                if write(writeFD, &token, 1) == 1 {
                    state.withLock { $0.lent += 1 }
                } else {
                    lender.giveBack(1)
                }
                continue
            }
            var descriptors = [
                pollfd(fd: wakePipe.readDescriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: watchesPipe ? readFD : -1, events: Int16(POLLIN), revents: 0),
            ]
            _ = poll(&descriptors, 2, -1)
            if descriptors[0].revents != 0 {
                wakePipe.drain()
            }
        }
        finish()
    }

    /// Every token back: those in the pipe are read, and every unit lent is returned, also for tokens a
    /// command kept. The wake-up pipe stays open until the lease is gone (``WakePipe``).
    private func finish() {
        _ = takeTokens(limit: Int.max)
        stopListening.withLock { $0 }?()
        let lent = state.withLock { state in
            defer { state.lent = 0 }
            return state.lent
        }
        lender.giveBack(lent)
        Self.close(ownedFDs)
        if let fifoPath { unlink(fifoPath) }
    }

    private static func close(_ descriptors: [Int32]) {
        for descriptor in descriptors { _ = Glibc.close(descriptor) }
    }
}
