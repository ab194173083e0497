package import StaskCore

/// Makes the remote cache client a configuration's endpoint speaks: ``HTTPRemoteCache`` for `http://`,
/// ``GRPCRemoteCache`` for `grpc://`.
package enum RemoteCacheClients {
    /// The client for `configuration`, reporting through `warn`.
    ///
    /// A gRPC client that cannot be created (a host that cannot be made a gRPC target) is reported as an
    /// unreachable server, and the build goes on without a cache.
    package static func make(
        _ configuration: RemoteCacheConfiguration, warn: @escaping @Sendable (RemoteCacheWarning) -> Void
    ) -> any RemoteCache {
        switch configuration.endpoint.scheme {
        case .http:
            return HTTPRemoteCache(configuration: configuration, warn: warn)
        case .grpc:
            do {
                return try GRPCRemoteCache(configuration: configuration, warn: warn)
            } catch {
                warn(
                    RemoteCacheWarning(
                        kind: .unreachable, endpoint: configuration.endpoint.description,
                        message: "\(error); continuing without the remote cache for this build"))
                return NoRemoteCache()
            }
        }
    }
}

/// A cache that holds nothing and stores nothing: where a configured cache cannot be used at all.
struct NoRemoteCache: RemoteCache {
    func restore(_ action: RemoteCacheAction) async -> RestoredOutputs? { nil }
    func store(_ action: RemoteCacheAction, wallTime: Duration) async {}
    var statistics: RemoteCacheStatistics { RemoteCacheStatistics() }
}
