internal import CXXHash
import Synchronization

/// Computes XXH3-128 content digests of bytes and files with libxxhash.
///
/// Byte hashing is a static, allocation-free call. File hashing streams the file through XXH3's streaming
/// API with a reusable buffer (1 MiB by default, `read(2)` into it, then `XXH3_128bits_update`), so a file
/// of any size is hashed in constant memory at close to memory speed. Buffers and XXH3 states are kept in a
/// small pool, so concurrent calls from several threads each get their own and nothing is allocated per
/// file in the steady state.
///
/// Thread-safe: one instance (`ContentHasher.shared`) serves the whole process.
///
/// ```swift
/// let digest = try ContentHasher.shared.digest(ofFileAtPath: "/p/src/main.c", in: fileSystem)
/// assert(digest == ContentHasher.digest(of: try fileSystem.readFile(atPath: "/p/src/main.c")))
/// ```
package final class ContentHasher: Sendable {
    /// A process-wide hasher with the default buffer size.
    package static let shared = ContentHasher()

    /// The size of each read buffer, in bytes.
    package let bufferSize: Int

    /// At most this many idle scratch buffers are kept; more are freed when returned.
    private static let retainedScratchLimit = 8
    private let pool = Mutex<[HashingScratch]>([])

    /// Creates a hasher reading files through buffers of `bufferSize` bytes (default 1 MiB).
    ///
    /// - Parameter bufferSize: bytes read per `read(2)`; must be positive. Larger buffers mean fewer system
    ///   calls; past a few hundred KiB the gain is small.
    package init(bufferSize: Int = 1 << 20) {
        precondition(bufferSize > 0, "bufferSize must be positive")
        self.bufferSize = bufferSize
    }

    /// The XXH3-128 digest of `bytes` (one-shot `XXH3_128bits`).
    ///
    /// - Complexity: O(n) in the byte count.
    package static func digest(of bytes: UnsafeRawBufferPointer) -> ContentDigest {
        ContentDigest(XXH3_128bits(bytes.baseAddress, bytes.count))
    }

    /// The XXH3-128 digest of `bytes`.
    ///
    /// - Complexity: O(n) in the byte count.
    package static func digest(of bytes: [UInt8]) -> ContentDigest {
        bytes.withUnsafeBytes { digest(of: $0) }
    }

    /// The XXH3-128 digest of the UTF-8 encoding of `string`.
    ///
    /// - Complexity: O(n) in the UTF-8 length.
    package static func digest(ofUTF8 string: String) -> ContentDigest {
        var string = string
        return string.withUTF8 { digest(of: UnsafeRawBufferPointer($0)) }
    }

    /// The XXH3-128 digest of the contents of the regular file at `path`.
    ///
    /// The file is streamed through `fileSystem.readChunks(atPath:buffer:_:)`; its contents are never held
    /// in memory at once. The result equals `digest(of: readFile(atPath: path))`. A file changed while it is
    /// read yields the digest of whatever bytes were read; `FileDigestCache` guards against trusting that.
    /// - Throws: `FileSystemError.notFound` when nothing is there; `.systemCall` when it cannot be read
    ///   (for example `EISDIR` for a directory, `EACCES`).
    /// - Complexity: O(n) in the file size; no allocation in the steady state.
    /// - Parameter expectedSize: the size just observed, if known (see
    ///   `FileSystem.readChunks(atPath:buffer:expectedSize:_:)`).
    package func digest(
        ofFileAtPath path: String, in fileSystem: any FileSystem, expectedSize: UInt64? = nil
    ) throws(FileSystemError) -> ContentDigest {
        let scratch = pool.withLock { $0.popLast() } ?? HashingScratch(bufferSize: bufferSize)
        defer {
            pool.withLock { idle in
                if idle.count < Self.retainedScratchLimit { idle.append(scratch) }
            }
        }
        scratch.reset()
        try fileSystem.readChunks(atPath: path, buffer: scratch.buffer, expectedSize: expectedSize) { chunk in
            scratch.update(chunk)
        }
        return scratch.digest()
    }

    /// XXH3-64 of `bytes` with `seed`: the checksum of build-state files and journal entries.
    static func checksum(of bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        XXH3_64bits_withSeed(bytes.baseAddress, bytes.count, seed)
    }
}

extension ContentDigest {
    init(_ hash: XXH128_hash_t) {
        self.init(high: hash.high64, low: hash.low64)
    }
}
