import CStaskShims
import Foundation
import StaskTestSupport
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback TCP server whose every connection runs a test's script on its own thread: for the HTTP
/// behaviours nginx will not show on demand (chunked bodies split anywhere, a server that never answers,
/// a keep-alive connection closed under the client).
final class ScriptedHTTPServer: Sendable {
    let port: Int32
    private let listener: Int32
    private let isAccepting: Bool
    private let shared = Shared()

    private final class Shared: Sendable {
        struct State {
            var acceptedConnections = 0
            var isStopped = false
        }

        let state = Mutex(State())
    }

    /// Listens on a free loopback port. With `isAccepting` false, connections complete in the kernel's
    /// backlog but nobody ever reads them: requests wait forever (for timeout tests).
    init(isAccepting: Bool = true, script: @escaping @Sendable (ScriptedConnection) -> Void = { _ in }) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw HarnessError("socket: errno \(errno)") }
        var address = NginxServer.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw HarnessError("bind/listen: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        self.port = Int32(UInt16(bigEndian: address.sin_port))
        self.isAccepting = isAccepting
        guard isAccepting else { return }
        let shared = shared
        Thread {
            while true {
                let connection = acceptClosingOnExec(listener)
                if connection < 0, errno == EINTR || errno == ECONNABORTED {
                    if shared.state.withLock({ !$0.isStopped }) { continue }
                }
                guard connection >= 0 else {
                    // stop() shut the listener down; only this thread closes it, so the number is not reused
                    // under a pending accept.
                    close(listener)
                    return
                }
                let isStopped = shared.state.withLock { state in
                    state.acceptedConnections += 1
                    return state.isStopped
                }
                if isStopped {
                    close(connection)
                    return
                }
                // A script's reads and writes wait 30 s at most: its thread ends even if the client never
                // closes the connection.
                var limit = timeval(tv_sec: 30, tv_usec: 0)
                for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
                    setsockopt(connection, SOL_SOCKET, option, &limit, socklen_t(MemoryLayout<timeval>.size))
                }
                Thread {
                    script(ScriptedConnection(descriptor: connection))
                    close(connection)
                }.start()
            }
        }.start()
    }

    deinit {
        stop()
        if !isAccepting { close(listener) }
    }

    /// `http://127.0.0.1:PORT`.
    var url: String { "http://127.0.0.1:\(port)" }

    /// How many connections were accepted so far.
    var acceptedConnections: Int { shared.state.withLock { $0.acceptedConnections } }

    /// Stops accepting (idempotent): new connections are refused.
    func stop() {
        let wasStopped = shared.state.withLock { state in
            defer { state.isStopped = true }
            return state.isStopped
        }
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
    }
}

/// `accept4(listener, nil, nil, SOCK_CLOEXEC)`: the connection is close-on-exec from its creation, so a
/// process another test spawns at that moment cannot inherit it (and keep it open after the script closes
/// it, so that the client never sees the close).
/// (Swift's `Glibc` module does not declare `accept4`; `CStaskShims` does.)
private func acceptClosingOnExec(_ listener: Int32) -> Int32 {
    stask_accept_cloexec(listener)
}

/// One accepted connection, driven by a test script (blocking calls; it runs on its own thread).
struct ScriptedConnection: Sendable {
    let descriptor: Int32

    /// Reads one request head (through the blank line) and its `Content-Length` body; `nil` at EOF.
    func readRequest() -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while !bytes.ends(with: Array("\r\n\r\n".utf8)) {
            guard read(descriptor, &byte, 1) == 1 else { return nil }
            bytes.append(byte)
        }
        let head = String(decoding: bytes, as: UTF8.self)
        let lengthLine = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
        var remaining =
            lengthLine.flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        while remaining > 0, read(descriptor, &byte, 1) == 1 { remaining -= 1 }
        return head
    }

    /// Writes `text` as UTF-8 (`MSG_NOSIGNAL`: a client that has hung up gets no `SIGPIPE` raised here).
    func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Blocks until the peer closes the connection.
    func waitForClose() {
        var byte: UInt8 = 0
        while read(descriptor, &byte, 1) == 1 {}
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
