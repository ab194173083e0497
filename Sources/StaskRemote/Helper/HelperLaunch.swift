import StaskCore
import StaskPosix

/// Starts the `stask-remote` helper for a remote cache or executor: the one place that turns a located (or
/// missing) helper, its arguments and the credentials into a running ``HelperChannel``.
enum HelperLaunch {
    /// Starts the helper at `path` with `arguments`, its environment `environment` with exactly `credentials`.
    ///
    /// - Returns: The channel, or why it could not start (``HelperChannelFailure/notLocated(_:)`` when `path`
    ///   is `nil`).
    static func start(
        path: String?, arguments: [String], environment: [String: String], credentials: RemoteCacheCredentials,
        onMessage: @escaping @Sendable ([UInt8]) -> Void
    ) -> Result<HelperChannel, HelperChannelFailure> {
        guard let path else { return .failure(.notLocated(HelperLocation.remoteHelperName)) }
        do {
            return .success(
                try HelperChannel.start(
                    executable: path, arguments: arguments,
                    environment: HelperRemoteCache.helperEnvironment(environment, credentials: credentials),
                    onMessage: onMessage))
        } catch {
            return .failure(error)
        }
    }
}
