/// Counters of one build's remote cache traffic.
///
/// `hits + misses` is the number of lookups; a lookup that failed (server error, corrupt blob) counts as a
/// miss *and* an error. Bytes count response and request bodies only (manifests included), not headers.
package struct RemoteCacheStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Tasks restored from the cache.
    package var hits = 0
    /// Lookups that did not restore the task.
    package var misses = 0
    /// Body bytes received (manifests and blobs).
    package var bytesDownloaded = 0
    /// Body bytes sent (blobs and manifests).
    package var bytesUploaded = 0
    /// Failed requests and rejected entries (including those not warned about, after the first of a kind).
    package var errors = 0
    /// Manifests stored (tasks uploaded completely).
    package var uploads = 0

    /// All zero.
    package init() {}

    /// The build summary's line: `3 from remote cache, 1.2 MB down, 0.0 MB up` (MB = 10^6 bytes).
    package var description: String {
        "\(hits) from remote cache, \(Self.megabytes(bytesDownloaded)) MB down, \(Self.megabytes(bytesUploaded)) MB up"
    }

    /// `bytes` in MB with one decimal, rounded half up.
    static func megabytes(_ bytes: Int) -> String {
        let tenths = (bytes + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}
