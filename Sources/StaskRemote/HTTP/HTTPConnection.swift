import Glibc
import StaskCore
import StaskPosix

/// One TCP connection to the cache server: a non-blocking, close-on-exec socket whose every wait is a
/// `poll` bounded by a timeout and interruptible through ``IOCancellation``.
///
/// A plain value holding the descriptor: exactly one owner at a time (the request using it, or the
/// client's idle list), which `close()`s it once.
struct HTTPConnection: Sendable {
    let descriptor: Int32
    /// How many exchanges completed on this connection (0 for a fresh one).
    var exchangeCount = 0

    /// Resolves `host` (``BoundedAddressLookup``: the lookup counts against the timeout too) and connects to
    /// its first address that answers, within `timeout` overall.
    ///
    /// - Throws: `HTTPClientError.cannotResolve`, `.cannotConnect` (the last address's `errno`),
    ///   `.timedOut`, `.cancelled`, `.systemCall`.
    static func open(
        host: String, port: Int, timeout: Duration, cancellation: IOCancellation?,
        lookup: @escaping BoundedAddressLookup.Lookup = BoundedAddressLookup.system
    ) throws(HTTPClientError) -> HTTPConnection {
        let deadline = SystemCalls.monotonicNanoseconds() + SystemCalls.nanoseconds(timeout)
        let outcome = try BoundedAddressLookup.resolve(
            host, port: port, deadline: deadline, cancellation: cancellation, lookup: lookup)
        guard outcome.status == 0, let addresses = outcome.list else {
            let reason =
                outcome.status == EAI_SYSTEM
                ? SystemCalls.errorMessage(outcome.systemError) : String(cString: gai_strerror(outcome.status))
            throw .cannotResolve(host: host, reason: reason)
        }
        let first = addresses.first
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var lastError: Int32 = ECONNREFUSED
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            entry = current.pointee.ai_next
            let descriptor = socket(
                current.pointee.ai_family,
                Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue),
                current.pointee.ai_protocol)
            guard descriptor >= 0 else {
                lastError = errno
                continue
            }
            let connection = HTTPConnection(descriptor: descriptor)
            do throws(HTTPClientError) {
                try connection.connect(
                    current.pointee, deadline: deadline, address: address, cancellation: cancellation)
                var one: Int32 = 1
                // The head and body are written separately; without this, Nagle would hold the body back.
                _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return connection
            } catch .cannotConnect(_, let code) {
                connection.close()
                lastError = code
            } catch {
                connection.close()
                throw error
            }
        }
        throw .cannotConnect(address: address, errno: lastError)
    }

    private func connect(
        _ info: addrinfo, deadline: Int64, address: String, cancellation: IOCancellation?
    ) throws(HTTPClientError) {
        if Glibc.connect(descriptor, info.ai_addr, info.ai_addrlen) == 0 { return }
        guard errno == EINPROGRESS || errno == EINTR else { throw .cannotConnect(address: address, errno: errno) }
        guard try wait(for: Int16(POLLOUT), until: deadline, cancellation: cancellation) else {
            throw .timedOut(operation: "connecting to \(address)")
        }
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else {
            throw .systemCall(operation: "getsockopt", errno: errno)
        }
        if code != 0 { throw .cannotConnect(address: address, errno: code) }
    }

    /// Writes all of `bytes`, waiting at most `timeout` each time the socket is not writable.
    ///
    /// - Throws: `HTTPClientError.timedOut`, `.connectionClosed` (`EPIPE`, `ECONNRESET`), `.cancelled`,
    ///   `.systemCall`.
    func send(_ bytes: [UInt8], timeout: Duration, cancellation: IOCancellation?) throws(HTTPClientError) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if count >= 0 {
                offset += count
                continue
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                let deadline = SystemCalls.monotonicNanoseconds() + SystemCalls.nanoseconds(timeout)
                guard try wait(for: Int16(POLLOUT), until: deadline, cancellation: cancellation) else {
                    throw .timedOut(operation: "sending the request")
                }
            case EPIPE, ECONNRESET:
                if cancellation?.isCancelled == true { throw .cancelled }
                throw .connectionClosed
            case let code:
                throw .systemCall(operation: "send", errno: code)
            }
        }
    }

    /// Reads until `parser` has a complete response, waiting at most `timeout` for each read.
    ///
    /// - Throws: what the parser throws, `HTTPClientError.timedOut`, `.connectionClosed`, `.cancelled`,
    ///   `.systemCall`.
    func receive(
        into parser: inout HTTPResponseParser, timeout: Duration, cancellation: IOCancellation?
    ) throws(HTTPClientError) -> (response: HTTPResponse, isReusable: Bool) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            let step: HTTPResponseParser.Step
            if count > 0 {
                step = try parser.consume(buffer[..<count])
            } else if count == 0 {
                if cancellation?.isCancelled == true { throw .cancelled }
                step = try parser.endOfStream()
            } else {
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK:
                    let deadline = SystemCalls.monotonicNanoseconds() + SystemCalls.nanoseconds(timeout)
                    guard try wait(for: Int16(POLLIN), until: deadline, cancellation: cancellation) else {
                        throw .timedOut(operation: "waiting for the response")
                    }
                    continue
                case ECONNRESET:
                    if cancellation?.isCancelled == true { throw .cancelled }
                    throw .connectionClosed
                case let code:
                    throw .systemCall(operation: "read", errno: code)
                }
            }
            if case .complete(let response, let isReusable) = step { return (response, isReusable) }
        }
    }

    /// Whether the server closed (or wrote to) an idle connection: then it must not carry a new request.
    var isClosedByPeer: Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) != 0
    }

    /// Closes the socket.
    func close() {
        SystemCalls.closeDescriptor(descriptor)
    }

    /// Waits until the socket is ready for `events`; `false` when `deadline` passed first.
    /// Waits until the descriptor is readable; `false` when the deadline passes first.
    func waitUntilReadable(until deadline: Int64, cancellation: IOCancellation?) throws(HTTPClientError) -> Bool {
        try wait(for: Int16(POLLIN), until: deadline, cancellation: cancellation)
    }

    private func wait(
        for events: Int16, until deadline: Int64, cancellation: IOCancellation?
    ) throws(HTTPClientError) -> Bool {
        if let cancellation {
            guard cancellation.attach(descriptor) else { throw .cancelled }
        }
        defer { cancellation?.detach() }
        while true {
            let remaining = deadline - SystemCalls.monotonicNanoseconds()
            if remaining <= 0 { return false }
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let milliseconds = Int32(clamping: (remaining + 999_999) / 1_000_000)
            let status = poll(&entry, 1, milliseconds)
            if cancellation?.isCancelled == true { throw .cancelled }
            if status > 0 { return true }
            if status < 0 && errno != EINTR { throw .systemCall(operation: "poll", errno: errno) }
        }
    }
}
