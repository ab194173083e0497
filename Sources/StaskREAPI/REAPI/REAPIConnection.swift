import GRPCCore
import GRPCNIOTransportHTTP2Posix
package import StaskCore

/// One gRPC channel to a Remote Execution API server, with the call options every request uses.
///
/// - Transport: plain-text HTTP/2 (grpc-swift-nio-transport over NIO's shared event loop group, which is
///   only created when the first connection is).
/// - Deadlines: every call has one (``callTimeout``, or longer for a large transfer); no call waits for a
///   server that is down to come up (`waitForReady` off), so a refused connection fails at once.
/// - Credentials: ``RemoteCacheCredentials`` as the `authorization` metadata of every call.
///
/// **Life cycle.** The connections run in a task this object owns, from `init` until it is released:
/// `deinit` begins a graceful shutdown and cancels that task. Thread-safe: calls may be made from any task.
package final class REAPIConnection: Sendable {
    /// The gRPC client; the generated service clients wrap it.
    let client: GRPCClient<HTTP2ClientTransport.Posix>
    /// The REAPI instance name every request names.
    package let instanceName: String
    /// Sent with every call.
    let metadata: Metadata
    /// The deadline of one call that moves little data.
    package let callTimeout: Duration
    /// The largest message the server may send (a batch read of many blobs).
    static let maximumResponseSize = 64 << 20
    private let connections: Task<Void, Never>

    /// A channel to `endpoint` (a `grpc://` endpoint): nothing is sent before the first call.
    ///
    /// - Parameters:
    ///   - connectTimeout: Added to every call's deadline, for the connection the call may have to wait for.
    ///   - ioTimeout: The time a call that moves little data may take once connected.
    ///   - instanceName: The REAPI instance; `nil` for the endpoint's path.
    /// - Throws: `RPCError` when the host cannot be turned into a target (never for a parsed endpoint).
    package init(
        endpoint: RemoteCacheEndpoint, instanceName: String? = nil, credentials: RemoteCacheCredentials,
        connectTimeout: Duration, ioTimeout: Duration
    ) throws {
        let target: any ResolvableTarget
        if endpoint.host.contains(":") {
            target = .ipv6(address: endpoint.host, port: endpoint.port)
        } else if endpoint.host.split(separator: ".").count == 4, endpoint.host.allSatisfy({ $0.isNumber || $0 == "." })
        {
            target = .ipv4(address: endpoint.host, port: endpoint.port)
        } else {
            target = .dns(host: endpoint.host, port: endpoint.port)
        }
        let transport = try HTTP2ClientTransport.Posix(target: target, transportSecurity: .plaintext)
        let client = GRPCClient(transport: transport)
        self.client = client
        self.instanceName = instanceName ?? endpoint.instanceName
        var metadata: Metadata = [:]
        if let authorization = credentials.authorizationHeader {
            metadata.addString(authorization, forKey: "authorization")
        }
        self.metadata = metadata
        self.callTimeout = connectTimeout + ioTimeout
        // Owned and cancelled by this object (deinit): the client's connections live as long as it does.
        self.connections = Task {
            try? await client.runConnections()
        }
    }

    deinit {
        client.beginGracefulShutdown()
        connections.cancel()
    }

    /// The options of one call: its deadline (``callTimeout`` plus `extra`), no waiting for a server that
    /// is down, room for large responses.
    func options(extra: Duration = .zero) -> CallOptions {
        var options = CallOptions.defaults
        options.timeout = callTimeout + extra
        options.waitForReady = false
        options.maxResponseMessageBytes = Self.maximumResponseSize
        return options
    }

    /// The extra time a transfer of `byteCount` bytes may take, at 1 MB/s at least.
    static func transferTime(_ byteCount: Int) -> Duration {
        .microseconds(byteCount)
    }
}
