import Crypto

/// Incremental SHA-256 (swift-crypto).
///
/// Not thread-safe: one hasher per thread; create as many as needed.
///
/// ```swift
/// var hasher = SHA256Hasher()
/// hasher.update(Array("abc".utf8))
/// let digest = hasher.finalize()  // ba7816bf…
/// ```
package struct SHA256Hasher {
    private var state = SHA256()

    /// Starts a digest.
    package init() {}

    /// The digest of `bytes` in one call.
    package static func digest(of bytes: [UInt8]) -> SHA256Digest {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Feeds more bytes.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        state.update(bufferPointer: bytes)
    }

    /// Feeds more bytes.
    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of everything fed so far.
    package consuming func finalize() -> SHA256Digest {
        SHA256Digest(bytes: Array(state.finalize()))
    }
}
