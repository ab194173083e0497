/// A remote cache configuration that cannot be used: a usage error, reported before the build starts.
///
/// Problems met *during* a build (the server is down, a blob is corrupt) are never errors: they are
/// ``RemoteCacheWarning``s, and the task runs locally.
package enum RemoteCacheError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The cache URL is malformed or uses something stask does not speak; `url` has any credentials hidden.
    case invalidURL(url: String, reason: String)

    /// `remote cache URL 'grpcs://cache:8980': grpcs is not supported; …`.
    package var description: String {
        switch self {
        case .invalidURL(let url, let reason): "remote cache URL '\(url)': \(reason)"
        }
    }
}
