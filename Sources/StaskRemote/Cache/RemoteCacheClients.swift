package import StaskCore
import StaskPosix

/// Makes the remote cache client a configuration's endpoint speaks: ``HTTPRemoteCache`` (on the hand-written
/// ``HTTPClient``, in this process) for `http://`, and for `https://` and `grpc://` a ``HelperRemoteCache``,
/// which has the `stask-remote` helper run the TLS (async-http-client) or gRPC client.
package enum RemoteCacheClients {
    /// The client for `configuration`, reporting through `warn`.
    ///
    /// - Parameter environment: This process's environment: where `STASK_REMOTE_HELPER` may point at the helper,
    ///   and the helper's environment.
    package static func make(
        _ configuration: RemoteCacheConfiguration, environment: [String: String],
        warn: @escaping @Sendable (RemoteCacheWarning) -> Void
    ) -> any RemoteCache {
        switch configuration.endpoint.scheme {
        case .http:
            return HTTPRemoteCache(configuration: configuration, warn: warn)
        case .https, .grpc:
            return HelperRemoteCache(
                configuration: configuration, helperPath: HelperLocation.path(environment: environment),
                environment: environment, warn: warn)
        }
    }
}

/// A cache that holds nothing and stores nothing: where a configured cache cannot be used at all.
package struct NoRemoteCache: RemoteCache {
    package init() {}
    package func restore(_ action: RemoteCacheAction) async -> RestoredOutputs? { nil }
    package func store(_ action: RemoteCacheAction, wallTime: Duration) async {}
    package var statistics: RemoteCacheStatistics { RemoteCacheStatistics() }
}
