import Glibc
import StaskCore
import StaskPosix
import Synchronization

/// `getaddrinfo` bounded by a deadline and by cancellation.
///
/// `getaddrinfo` takes no timeout: with an unreachable DNS server it blocks for the resolver's own
/// timeouts (5 s per attempt by default), which would stall the build's first cache lookup far past the
/// connect timeout. So the lookup runs on a thread of its own and signals a socket pair when it is done;
/// the caller waits on that socket like on any other, up to the deadline and cancellable
/// (``IOCancellation`` shuts the socket down). A lookup abandoned at the deadline finishes on its thread
/// and frees its own result.
final class BoundedAddressLookup: Sendable {
    /// A resolved address list, freed with it.
    // @unchecked Sendable: the list is owned by this object alone, never mutated after creation, and freed
    // once in deinit.
    final class Addresses: @unchecked Sendable {
        let first: UnsafeMutablePointer<addrinfo>

        init(_ first: UnsafeMutablePointer<addrinfo>) {
            self.first = first
        }

        deinit { freeaddrinfo(first) }
    }

    /// A lookup function with `getaddrinfo`'s contract (tests pass a slow one).
    typealias Lookup = @Sendable (_ host: String, _ service: String) -> Outcome

    /// What a lookup gave: `getaddrinfo`'s status, the `errno` behind `EAI_SYSTEM`, and the addresses.
    struct Outcome: Sendable {
        var status: Int32
        var systemError: Int32 = 0
        var list: Addresses?
    }

    /// `getaddrinfo` for TCP streams with a numeric service.
    static let system: Lookup = { host, service in
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, service, &hints, &list)
        return Outcome(status: status, systemError: status == EAI_SYSTEM ? errno : 0, list: list.map(Addresses.init))
    }

    private let outcome = Mutex<Outcome?>(nil)

    private init() {}

    /// The addresses of `host`, or the `getaddrinfo` status (and `errno`) that says why there are none.
    ///
    /// - Throws: `HTTPClientError.timedOut` ("resolving HOST") when the deadline passes first,
    ///   `.cancelled`, `.systemCall`.
    static func resolve(
        _ host: String, port: Int, deadline: Int64, cancellation: IOCancellation?, lookup: @escaping Lookup = system
    ) throws(HTTPClientError) -> Outcome {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw .systemCall(operation: "socketpair", errno: errno)
        }
        let (waiting, signalling) = (pair[0], pair[1])
        let shared = BoundedAddressLookup()
        let service = String(port)
        let started = DedicatedThread.start {
            let result = lookup(host, service)
            shared.outcome.withLock { $0 = result }
            var byte: UInt8 = 1
            // MSG_NOSIGNAL: the waiter may have given up and closed its end.
            _ = send(signalling, &byte, 1, Int32(MSG_NOSIGNAL))
            SystemCalls.closeDescriptor(signalling)
        }
        defer { SystemCalls.closeDescriptor(waiting) }
        guard started else {
            // No thread to spare: look up on this one, unbounded, as plain getaddrinfo would.
            SystemCalls.closeDescriptor(signalling)
            return lookup(host, service)
        }
        let connection = HTTPConnection(descriptor: waiting)
        guard try connection.waitUntilReadable(until: deadline, cancellation: cancellation),
            let result = shared.outcome.withLock({ $0 })
        else { throw .timedOut(operation: "resolving \(host)") }
        return result
    }
}
