/// A problem with the remote cache that did not stop the build (the task ran locally instead).
///
/// StaskRemote's `HTTPRemoteCache` reports each ``Kind-swift.enum`` at most once per build (per cache instance):
/// a build of 5,000 tasks against a dead server prints one line, not 5,000.
package struct RemoteCacheWarning: Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for deduplication and for tests.
    package enum Kind: Sendable, Hashable, CaseIterable {
        /// The server could not be reached or stopped answering; the cache is off for the rest of the build.
        case unreachable
        /// The server answered with an unexpected status (401, 403, 500, …) or unreadable HTTP.
        case serverError
        /// An action cache entry could not be used (malformed, or listing other outputs than the task's).
        case badManifest
        /// A blob's size or SHA-256 does not match its digest: the server holds corrupt data.
        case corruptBlob
        /// A local file could not be read for upload or written after download.
        case localFiles
    }

    /// The kind of problem.
    package var kind: Kind
    /// The server, as `http://host:port/prefix` (never with credentials).
    package var endpoint: String
    /// What happened and what stask did about it.
    package var message: String

    /// Describes a warning.
    package init(kind: Kind, endpoint: String, message: String) {
        self.kind = kind
        self.endpoint = endpoint
        self.message = message
    }

    /// `remote cache http://cache:8080: cannot connect to cache:8080: Connection refused; …`.
    package var description: String {
        "remote cache \(endpoint): \(message)"
    }
}
