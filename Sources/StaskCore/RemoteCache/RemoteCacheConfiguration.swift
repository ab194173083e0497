/// How to use a remote cache: where it is, whether to upload, how to authenticate, how long to wait.
///
/// ```swift
/// var configuration = RemoteCacheConfiguration(
///     endpoint: try RemoteCacheEndpoint(parsing: "http://cache:9090"),
///     credentials: RemoteCacheCredentials(environment: environment))
/// configuration.isUploadEnabled = false  // --remote-cache-upload=false
/// ```
package struct RemoteCacheConfiguration: Sendable, Hashable {
    /// The server.
    package var endpoint: RemoteCacheEndpoint
    /// Whether successful tasks are uploaded (`false` for read-only clients such as laptops).
    package var isUploadEnabled: Bool
    /// The `Authorization` to send.
    package var credentials: RemoteCacheCredentials
    /// The limit on resolving and connecting; past it, the server counts as unreachable.
    package var connectTimeout: Duration
    /// The limit on each wait for the server to accept or deliver bytes (inactivity, not a whole transfer).
    package var ioTimeout: Duration
    /// Part of every cache key, so machines of different systems or architectures never share outputs
    /// (an object file built on Linux x86_64 is no use on macOS arm64). `nil` for the machine the cache
    /// runs on, as `uname` names it (`Linux x86_64`).
    package var platform: String?

    /// Creates a configuration; timeouts default to 5 s to connect and 30 s per wait.
    package init(
        endpoint: RemoteCacheEndpoint, isUploadEnabled: Bool = true, credentials: RemoteCacheCredentials = .none,
        connectTimeout: Duration = .seconds(5), ioTimeout: Duration = .seconds(30),
        platform: String? = nil
    ) {
        self.endpoint = endpoint
        self.isUploadEnabled = isUploadEnabled
        self.credentials = credentials
        self.connectTimeout = connectTimeout
        self.ioTimeout = ioTimeout
        self.platform = platform
    }

}
