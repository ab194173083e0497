/// Incremental SHA-256 over the system's `libcrypto` (see ``LibCrypto`` for why it is loaded at run time).
///
/// A non-copyable owner of one `EVP_MD_CTX`, freed when the hasher goes away. Not thread-safe: one hasher
/// per thread; create as many as needed.
///
/// ```swift
/// guard var hasher = SHA256Hasher() else { return }  // nil: no libcrypto on this machine
/// hasher.update(Array("abc".utf8))
/// let digest = hasher.finalize()  // ba7816bf…
/// ```
struct SHA256Hasher: ~Copyable {
    private let library: LibCrypto
    private let context: OpaquePointer

    /// Whether SHA-256 is available in this process (a `libcrypto` could be loaded).
    static var isAvailable: Bool { LibCrypto.shared != nil }

    /// Starts a digest; `nil` when `libcrypto` is unavailable or refuses to allocate a context.
    init?() {
        guard let library = LibCrypto.shared, let context = library.newContext() else { return nil }
        guard library.digestInit(context, library.sha256(), nil) == 1 else {
            library.freeContext(context)
            return nil
        }
        self.library = library
        self.context = context
    }

    deinit {
        library.freeContext(context)
    }

    /// The digest of `bytes` in one call; `nil` when SHA-256 is unavailable.
    static func digest(of bytes: [UInt8]) -> SHA256Digest? {
        guard var hasher = SHA256Hasher() else { return nil }
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Feeds more bytes.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        // EVP_DigestUpdate fails only on a corrupt context, which this type never creates.
        let status = library.digestUpdate(context, bytes.baseAddress, bytes.count)
        precondition(status == 1, "EVP_DigestUpdate failed")
    }

    /// Feeds more bytes.
    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of everything fed so far; ends the hasher.
    consuming func finalize() -> SHA256Digest {
        var output = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        let status = output.withUnsafeMutableBufferPointer { library.digestFinal(context, $0.baseAddress, &length) }
        precondition(status == 1 && length == 32, "EVP_DigestFinal_ex failed")
        return SHA256Digest(bytes: Array(output.prefix(32)))
    }
}
