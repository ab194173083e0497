// Why a hand-written HTTP client: stask's no-op build is measured in milliseconds, and swift-nio with
// async-http-client would add minutes to every clean build (hundreds of files, BoringSSL) and event-loop
// threads plus megabytes of code to every start-up, to talk to one host with three verbs. The remote cache
// needs GET, PUT and HEAD over HTTP/1.1 with Content-Length or chunked bodies, keep-alive, and timeouts:
// about four hundred lines over POSIX sockets. Only plain http:// is spoken here: https:// runs in the
// stask-remote helper on async-http-client (StaskHTTPS), and docs/remote-cache.md measures why http:// stays.
import Glibc
import StaskCore
import StaskPosix
import Synchronization

/// A minimal HTTP/1.1 client for one server (``RemoteCacheEndpoint``): `GET`, `PUT`, `HEAD`.
///
/// - Bodies: requests send `Content-Length`; responses may use `Content-Length`, chunked transfer coding,
///   or the end of the connection.
/// - Connections: kept alive and reused for the same server, up to ``maximumIdleConnections`` idle ones.
///   A reused connection that the server closed meanwhile (it failed before any response byte) is
///   replaced once by a fresh one; all three verbs are idempotent, so the retry is safe.
/// - Timeouts: ``connectTimeout`` bounds resolving plus connecting; ``ioTimeout`` bounds each wait for the
///   socket to accept or deliver bytes (an inactivity timeout, not a whole-transfer deadline).
/// - Credentials: the `Authorization` header from ``RemoteCacheCredentials`` goes on every request and
///   nowhere else (never in errors or descriptions).
///
/// **Threads.** `send(_:cancellation:)` blocks the calling thread: call it from a ``DedicatedThread`` (as
/// ``HTTPRemoteCache`` does), never from the cooperative pool. The `async` overload does exactly that.
/// All methods are thread-safe; concurrent requests use separate connections.
final class HTTPClient: Sendable {
    /// Idle connections kept for reuse.
    static let maximumIdleConnections = 8

    let endpoint: RemoteCacheEndpoint
    let connectTimeout: Duration
    let ioTimeout: Duration
    private let authorization: String?
    private let idle = Mutex<[HTTPConnection]>([])

    /// A client for `endpoint`.
    init(
        endpoint: RemoteCacheEndpoint, credentials: RemoteCacheCredentials = .none,
        connectTimeout: Duration = .seconds(5), ioTimeout: Duration = .seconds(30)
    ) {
        self.endpoint = endpoint
        self.connectTimeout = connectTimeout
        self.ioTimeout = ioTimeout
        self.authorization = credentials.authorizationHeader
    }

    deinit {
        closeIdleConnections()
    }

    /// Sends `request` (its target relative to the endpoint's path prefix) and reads the whole response,
    /// blocking the calling thread.
    ///
    /// - Throws: `HTTPClientError` when no complete response arrives; a response with any status is
    ///   returned, not thrown.
    func send(_ request: HTTPRequest, cancellation: IOCancellation? = nil) throws(HTTPClientError) -> HTTPResponse {
        if let connection = takeIdleConnection() {
            switch exchange(request, on: connection, cancellation: cancellation) {
            case .success(let response): return response
            case .failure(let failure) where !failure.isRetriable: throw failure.error
            case .failure: break
            }
        }
        let connection = try HTTPConnection.open(
            host: endpoint.host, port: endpoint.port, timeout: connectTimeout, cancellation: cancellation)
        return try exchange(request, on: connection, cancellation: cancellation).mapError(\.error).get()
    }

    /// Sends `request` from a dedicated thread; cancelling the task shuts the connection down at once.
    ///
    /// - Throws: `HTTPClientError` as `send(_:cancellation:)`; `.cancelled` when the task was cancelled.
    func send(_ request: HTTPRequest) async throws(HTTPClientError) -> HTTPResponse {
        let cancellation = IOCancellation()
        let result = await withTaskCancellationHandler {
            await DedicatedThread.run {
                Result { () throws(HTTPClientError) in try self.send(request, cancellation: cancellation) }
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try result.get()
    }

    /// Closes every idle connection (they would also be closed when the client goes away).
    func closeIdleConnections() {
        let connections = idle.withLock { idle in
            let taken = idle
            idle.removeAll()
            return taken
        }
        for connection in connections { connection.close() }
    }

    // MARK: - One exchange

    private struct ExchangeFailure: Error {
        var error: HTTPClientError
        /// The connection was reused and died before any response byte: a stale keep-alive connection.
        var isRetriable: Bool
    }

    private func exchange(
        _ request: HTTPRequest, on connection: HTTPConnection, cancellation: IOCancellation?
    ) -> Result<HTTPResponse, ExchangeFailure> {
        var connection = connection
        var parser = HTTPResponseParser(method: request.method, maximumBodySize: request.maximumResponseBodySize)
        do throws(HTTPClientError) {
            var target = request
            target.target = endpoint.pathPrefix + request.target
            let head = target.head(host: endpoint.hostHeader, authorization: authorization)
            if request.method == .put && request.body.count <= 16 * 1024 {
                try connection.send(head + request.body, timeout: ioTimeout, cancellation: cancellation)
            } else {
                try connection.send(head, timeout: ioTimeout, cancellation: cancellation)
                if request.method == .put {
                    try connection.send(request.body, timeout: ioTimeout, cancellation: cancellation)
                }
            }
            let (response, isReusable) = try connection.receive(
                into: &parser, timeout: ioTimeout, cancellation: cancellation)
            connection.exchangeCount += 1
            if isReusable {
                returnIdleConnection(connection)
            } else {
                connection.close()
            }
            return .success(response)
        } catch {
            connection.close()
            let isStale: Bool
            switch error {
            case .connectionClosed: isStale = true
            case .systemCall(_, let code): isStale = code == ECONNRESET || code == EPIPE
            default: isStale = false
            }
            return .failure(
                ExchangeFailure(
                    error: error, isRetriable: connection.exchangeCount > 0 && isStale && !parser.hasReceivedBytes))
        }
    }

    private func takeIdleConnection() -> HTTPConnection? {
        while let connection = idle.withLock({ $0.popLast() }) {
            if !connection.isClosedByPeer { return connection }
            connection.close()
        }
        return nil
    }

    private func returnIdleConnection(_ connection: HTTPConnection) {
        let isKept = idle.withLock { idle in
            guard idle.count < Self.maximumIdleConnections else { return false }
            idle.append(connection)
            return true
        }
        if !isKept { connection.close() }
    }
}
