import StaskCore
import StaskRemote

/// The Remote Execution API's `Digest` for blobs stask hashes with SHA-256 (the digest function stask
/// asks for).
extension Build_Bazel_Remote_Execution_V2_Digest {
    /// The digest of `bytes`.
    init(of bytes: [UInt8]) {
        self.init(SHA256Hasher.digest(of: bytes), size: bytes.count)
    }

    /// The digest of a blob whose SHA-256 and size are known.
    init(_ hash: SHA256Digest, size: Int) {
        self.init()
        self.hash = hash.description
        self.sizeBytes = Int64(size)
    }

    /// The `{hash}/{size}` part of a ByteStream resource name.
    var resourcePath: String {
        "\(hash)/\(sizeBytes)"
    }
}
