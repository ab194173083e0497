import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOSSL
package import StaskCore
package import StaskRemote

/// Bazel's HTTP cache protocol over async-http-client: the transport of `https://` caches (TLS by
/// swift-nio-ssl), which StaskRemote's ``HTTPRemoteCache`` drives in the `stask-remote` helper.
///
/// - TLS: the server's certificate is checked against the system's trust roots, plus the certificates of the
///   PEM bundle ``caFileVariable`` names (a private CA: tests, corporate caches). Verification is never off.
/// - Timeouts: ``RemoteCacheConfiguration/connectTimeout`` bounds connecting (TLS handshake included);
///   ``RemoteCacheConfiguration/ioTimeout`` bounds each wait for the server to read or send bytes.
///   A failed connection is not retried: the cache reports it and turns itself off.
/// - Credentials: the `Authorization` header from ``RemoteCacheCredentials`` on every request, never in the URL.
/// - Redirects are not followed; responses are not decompressed (as the hand-written client).
///
/// **Threads.** ``send(_:cancellation:)`` blocks its thread (a `DedicatedThread`) until the request, run on
/// async-http-client's event loops, completes; cancelling it cancels the request. Call ``shutdown()`` once no
/// request is in flight any more.
///
/// ```swift
/// let transport = try AsyncHTTPClientTransport(configuration: configuration, environment: environment)
/// let cache = HTTPRemoteCache(configuration: configuration, transport: transport, warn: warn)
/// // … serve the build …
/// await transport.shutdown()
/// ```
package final class AsyncHTTPClientTransport: HTTPCacheTransport {
    /// The variable naming a PEM file of extra CA certificates to trust.
    package static let caFileVariable = "STASK_REMOTE_CACHE_CA_FILE"

    private let client: HTTPClient
    /// `https://host:port/prefix`, before each request's target.
    private let base: String
    /// `host:port`, for messages.
    private let server: String
    private let authorization: String?
    private let caFile: String?

    /// A transport for `configuration`'s endpoint (`https://`, or `http://`).
    ///
    /// - Parameter environment: Where ``caFileVariable`` may name extra trust roots.
    /// - Throws: `HTTPSTransportError.unreadableCAFile` when that file cannot be read or holds no certificate.
    package init(configuration: RemoteCacheConfiguration, environment: [String: String]) throws(HTTPSTransportError) {
        let endpoint = configuration.endpoint
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        let caFile = environment[Self.caFileVariable].flatMap { $0.isEmpty ? nil : $0 }
        if let caFile {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw .unreadableCAFile(path: caFile, underlying: error)
            }
            guard !certificates.isEmpty else { throw .unreadableCAFile(path: caFile, underlying: nil) }
            tls.additionalTrustRoots = [.certificates(certificates)]
        }
        var pool = HTTPClient.Configuration.ConnectionPool()
        // One failure to connect is reported at once (and turns the cache off), not retried until a deadline.
        pool.retryConnectionEstablishment = false
        let settings = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(
                connect: Self.timeAmount(configuration.connectTimeout), read: Self.timeAmount(configuration.ioTimeout),
                write: Self.timeAmount(configuration.ioTimeout)),
            connectionPool: pool, proxy: nil, ignoreUncleanSSLShutdown: false, decompression: .disabled)
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
        self.base = endpoint.scheme.rawValue + "://" + endpoint.hostHeader + endpoint.pathPrefix
        let host = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
        self.server = "\(host):\(endpoint.port)"
        self.authorization = configuration.credentials.authorizationHeader
        self.caFile = caFile
    }

    /// Closes the connections; no request may be sent afterwards.
    package func shutdown() async {
        try? await client.shutdown()
    }

    /// See ``HTTPCacheTransport/send(_:cancellation:)``.
    package func send(
        _ request: HTTPRequest, cancellation: IOCancellation?
    ) throws(StaskRemote.HTTPClientError) -> HTTPResponse {
        var headers = HTTPHeaders([("User-Agent", "stask")])
        if let authorization { headers.add(name: "Authorization", value: authorization) }
        for header in request.headers { headers.add(name: header.name, value: header.value) }
        let outgoing: HTTPClient.Request
        do {
            outgoing = try HTTPClient.Request(
                url: base + request.target, method: HTTPMethod(rawValue: request.method.rawValue), headers: headers,
                body: request.method == .put ? .bytes(request.body) : nil)
        } catch {
            throw .transportFailed(reason: "cannot make a request for '\(base + request.target)': \(error)")
        }
        // ByteBuffer holds at most 4 GiB; the cache never asks for more.
        let limit = min(request.maximumResponseBodySize, Int(UInt32.max))
        let task = client.execute(
            request: outgoing, delegate: ResponseAccumulator(request: outgoing, maxBodySize: limit))
        if let cancellation {
            if !cancellation.attach(onCancel: { task.cancel() }) { task.cancel() }
        }
        defer { cancellation?.detach() }
        let response: HTTPClient.Response
        do {
            response = try task.futureResult.wait()
        } catch {
            if cancellation?.isCancelled == true { throw .cancelled }
            throw translated(error, limit: limit)
        }
        return HTTPResponse(
            status: Int(response.status.code), reason: response.status.reasonPhrase,
            headers: response.headers.map { HTTPHeader(name: $0.name, value: $0.value) },
            body: response.body.map { Array($0.readableBytesView) } ?? [])
    }

    // MARK: - Errors

    /// The StaskRemote `HTTPClientError` that says what `error`, from async-http-client, NIO or swift-nio-ssl, means.
    private func translated(_ error: any Error, limit: Int) -> StaskRemote.HTTPClientError {
        if error is ResponseAccumulator.ResponseTooBigError { return .responseTooLarge(limit: limit) }
        if let failure = error as? AsyncHTTPClient.HTTPClientError {
            switch failure {
            case .connectTimeout: return .timedOut(operation: "connecting to \(server)")
            case .tlsHandshakeTimeout: return .timedOut(operation: "in the TLS handshake with \(server)")
            case .readTimeout, .deadlineExceeded: return .timedOut(operation: "waiting for the response")
            case .writeTimeout: return .timedOut(operation: "sending the request")
            case .remoteConnectionClosed: return .connectionClosed
            case .cancelled: return .cancelled
            default: return .transportFailed(reason: "\(server): \(failure)")
            }
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            let hint =
                caFile.map { "; is its CA among the certificates of \(Self.caFileVariable) (\($0))?" }
                ?? "; if a private CA signed its certificate, set \(Self.caFileVariable) to a PEM file holding that CA"
            return .tlsHandshakeFailed(reason: "\(server): \(error)\(hint)")
        }
        if let failure = error as? IOError {
            return .cannotConnect(address: server, errno: failure.errnoCode)
        }
        return .transportFailed(reason: "cannot reach \(server): \(error)")
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
