/// Why an `https://` cache's transport cannot be set up: reported as one warning, and the build runs without
/// the cache.
package enum HTTPSTransportError: Error, Sendable, CustomStringConvertible {
    /// The PEM file `STASK_REMOTE_CACHE_CA_FILE` names cannot be read, or holds no certificate (`underlying`
    /// is `nil` then).
    case unreadableCAFile(path: String, underlying: (any Error)?)

    /// `STASK_REMOTE_CACHE_CA_FILE '/etc/ca.pem': cannot read certificates: …`.
    package var description: String {
        switch self {
        case .unreadableCAFile(let path, let underlying?):
            "\(AsyncHTTPClientTransport.caFileVariable) '\(path)': cannot read PEM certificates: \(underlying)"
        case .unreadableCAFile(let path, nil):
            "\(AsyncHTTPClientTransport.caFileVariable) '\(path)': holds no PEM certificate"
        }
    }
}
