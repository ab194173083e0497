import StaskCore
import StaskPosix

/// Why an HTTP exchange with the remote cache failed before a complete response arrived.
///
/// A response with any status (404, 500) is not an error at this level: it is returned.
package enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `getaddrinfo` could not resolve the host.
    case cannotResolve(host: String, reason: String)
    /// No address of the host accepted a connection (`errno` of the last attempt, e.g. `ECONNREFUSED`).
    case cannotConnect(address: String, errno: Int32)
    /// An operation exceeded its timeout: `"connecting to host:port"`, `"sending the request"`,
    /// `"waiting for the response"`.
    case timedOut(operation: String)
    /// The server closed the connection before the response was complete.
    case connectionClosed
    /// The server's bytes are not an HTTP/1.x response we can read.
    case malformedResponse(reason: String)
    /// The response body is larger than the caller allowed.
    case responseTooLarge(limit: Int)
    /// A socket call failed (`operation` names it).
    case systemCall(operation: String, errno: Int32)
    /// The waiting task was cancelled; the connection was shut down.
    case cancelled
    /// The TLS handshake failed: most often a server certificate that the trust roots do not vouch for
    /// (`reason` says what failed and what to do).
    case tlsHandshakeFailed(reason: String)
    /// The HTTP library of another transport failed in a way none of the other cases names (`reason` is
    /// its message): counted as unreachable.
    case transportFailed(reason: String)

    /// Whether the failure says the server is unreachable or unresponsive (as opposed to speaking badly):
    /// such failures turn the remote cache off for the rest of the build.
    package var isUnreachable: Bool {
        switch self {
        case .cannotResolve, .cannotConnect, .timedOut, .connectionClosed, .systemCall, .tlsHandshakeFailed,
            .transportFailed:
            true
        case .malformedResponse, .responseTooLarge, .cancelled: false
        }
    }

    package var description: String {
        switch self {
        case .cannotResolve(let host, let reason): "cannot resolve '\(host)': \(reason)"
        case .cannotConnect(let address, let code): "cannot connect to \(address): \(SystemCalls.errorMessage(code))"
        case .timedOut(let operation): "timed out \(operation)"
        case .connectionClosed: "the server closed the connection before the response was complete"
        case .malformedResponse(let reason): "malformed HTTP response: \(reason)"
        case .responseTooLarge(let limit): "the response is larger than the \(limit) bytes expected"
        case .systemCall(let operation, let code): "\(operation) failed: \(SystemCalls.errorMessage(code))"
        case .cancelled: "cancelled"
        case .tlsHandshakeFailed(let reason): "TLS handshake failed: \(reason)"
        case .transportFailed(let reason): reason
        }
    }
}
