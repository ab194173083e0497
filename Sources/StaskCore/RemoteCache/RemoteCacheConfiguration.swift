import Glibc

/// How to use a remote cache: where it is, whether to upload, how to authenticate, how long to wait.
///
/// ```swift
/// var configuration = RemoteCacheConfiguration(
///     endpoint: try RemoteCacheEndpoint(parsing: "http://cache:9090"),
///     credentials: RemoteCacheCredentials(environment: environment))
/// configuration.isUploadEnabled = false  // --remote-cache-upload=false
/// ```
public struct RemoteCacheConfiguration: Sendable, Hashable {
    /// The server.
    public var endpoint: RemoteCacheEndpoint
    /// Whether successful tasks are uploaded (`false` for read-only clients such as laptops).
    public var isUploadEnabled: Bool
    /// The `Authorization` to send.
    public var credentials: RemoteCacheCredentials
    /// The limit on resolving and connecting; past it, the server counts as unreachable.
    public var connectTimeout: Duration
    /// The limit on each wait for the server to accept or deliver bytes (inactivity, not a whole transfer).
    public var ioTimeout: Duration
    /// Part of every cache key, so machines of different systems or architectures never share outputs
    /// (an object file built on Linux x86_64 is no use on macOS arm64). Defaults to ``currentPlatform``.
    public var platform: String

    /// Creates a configuration; timeouts default to 5 s to connect and 30 s per wait.
    public init(
        endpoint: RemoteCacheEndpoint, isUploadEnabled: Bool = true, credentials: RemoteCacheCredentials = .none,
        connectTimeout: Duration = .seconds(5), ioTimeout: Duration = .seconds(30),
        platform: String = RemoteCacheConfiguration.currentPlatform
    ) {
        self.endpoint = endpoint
        self.isUploadEnabled = isUploadEnabled
        self.credentials = credentials
        self.connectTimeout = connectTimeout
        self.ioTimeout = ioTimeout
        self.platform = platform
    }

    /// This machine's system and architecture as `uname` names them: `Linux x86_64`.
    public static let currentPlatform: String = {
        var names = utsname()
        guard uname(&names) == 0 else { return "unknown" }
        func text<Field>(_ field: Field) -> String {
            withUnsafeBytes(of: field) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        return text(names.sysname) + " " + text(names.machine)
    }()
}
