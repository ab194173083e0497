import StaskCore

/// How ``HTTPRemoteCache`` exchanges one request with its server: the part of Bazel's HTTP cache protocol
/// below the protocol itself.
///
/// Two transports exist: ``HTTPClient`` (hand-written, plain `http://`, in `stask`) and, in the `stask-remote`
/// helper, StaskHTTPS's `AsyncHTTPClientTransport` (async-http-client with TLS, for `https://`). Everything
/// above them (keys, manifests, verification, warnings, turning the cache off) is ``HTTPRemoteCache``'s and
/// shared.
///
/// **Threads.** `send(_:cancellation:)` blocks the calling thread, which is a ``DedicatedThread``, never one of
/// the cooperative pool's. It is called from many threads at once.
package protocol HTTPCacheTransport: Sendable {
    /// Sends `request` (its target relative to the endpoint's path prefix, with the transport adding `Host`,
    /// `User-Agent`, `Content-Length` and `Authorization`) and reads the whole response, blocking.
    ///
    /// - Parameter cancellation: Cancels the exchange from another thread; the call then throws `.cancelled`.
    /// - Throws: `HTTPClientError` when no complete response arrives (`.responseTooLarge` past the request's
    ///   limit); a response with any status is returned, not thrown.
    func send(_ request: HTTPRequest, cancellation: IOCancellation?) throws(HTTPClientError) -> HTTPResponse
}

extension HTTPClient: HTTPCacheTransport {}
