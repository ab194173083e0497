/// Builds an action key: one `ContentDigest` over a sequence of typed fields.
///
/// Each field is written as a one-byte type tag, its length as 8 little-endian bytes, then its bytes, so
/// no two different field sequences produce the same byte stream: `("ab", "c")` and `("a", "bc")` differ,
/// a string never equals the same bytes added as a byte array, and the integer `1` never equals the string
/// `"1"`. The result is XXH3-128 of that byte stream. Fields are buffered, and a key of up to 64 KiB (almost
/// all of them) is hashed in one call by `finalize()`; past that, full buffers go through an XXH3 streaming
/// state, which gives the same digest without holding the stream: an aggregate step over 100,000 inputs
/// would otherwise buffer about 5 MB, and the buffer's growth twice that.
///
/// The `domain` passed to `init(domain:)` is the first field: it names the key scheme and its version, so
/// changing how keys are built (bump the domain) invalidates every recorded key at once.
///
/// ```swift
/// var hasher = ActionKeyHasher()
/// hasher.add("cc -c a.c -o a.o")
/// hasher.add(inputDigest)
/// let key = hasher.finalize()
/// ```
package struct ActionKeyHasher: Sendable {
    /// Bytes not yet passed to `stream`.
    private var bytes: [UInt8] = []
    /// The hash of everything before `bytes`; `nil` until the buffer first fills.
    private var stream: XXH3Stream?
    /// The buffer size at which its bytes go to `stream`.
    package static let bufferLimit = 64 * 1024

    /// Starts a key in the given scheme.
    ///
    /// - Parameter domain: names the key scheme; keys from different domains never collide by construction.
    package init(domain: String = "stask.action-key.v1") {
        bytes.reserveCapacity(256)
        add(domain)
    }

    /// Adds a string field (its UTF-8 bytes).
    package mutating func add(_ string: String) {
        var string = string
        string.withUTF8 { append(tag: .string, UnsafeRawBufferPointer($0)) }
    }

    /// Adds a byte-array field.
    package mutating func add(bytes field: [UInt8]) {
        field.withUnsafeBytes { append(tag: .bytes, $0) }
    }

    /// Adds a digest field.
    package mutating func add(_ digest: ContentDigest) {
        withUnsafeBytes(of: (digest.high.littleEndian, digest.low.littleEndian)) { append(tag: .digest, $0) }
    }

    /// Adds a signed integer field.
    package mutating func add(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { append(tag: .signed, $0) }
    }

    /// Adds a signed integer field (as `Int64`).
    package mutating func add(_ value: Int) {
        add(Int64(value))
    }

    /// Adds an unsigned integer field.
    package mutating func add(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { append(tag: .unsigned, $0) }
    }

    /// Adds a Boolean field.
    package mutating func add(_ value: Bool) {
        withUnsafeBytes(of: value ? UInt8(1) : UInt8(0)) { append(tag: .boolean, $0) }
    }

    /// The XXH3-128 digest of every field added so far. The hasher can keep growing afterwards.
    ///
    /// - Complexity: O(n) in the total size of the fields.
    package func finalize() -> ContentDigest {
        guard let stream else { return ContentHasher.digest(of: bytes) }
        let last = XXH3Stream(copying: stream)
        bytes.withUnsafeBytes { last.update($0) }
        return last.digest
    }

    private enum Tag: UInt8 {
        case string = 1, bytes, digest, signed, unsigned, boolean
    }

    private mutating func append(tag: Tag, _ field: UnsafeRawBufferPointer) {
        bytes.append(tag.rawValue)
        withUnsafeBytes(of: UInt64(field.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: field)
        if bytes.count >= Self.bufferLimit { flush() }
    }

    /// Passes the buffer to the streaming state (copied first when another hasher shares it).
    private mutating func flush() {
        if stream == nil {
            stream = XXH3Stream(.bits128)
        } else if !isKnownUniquelyReferenced(&stream!) {
            stream = XXH3Stream(copying: stream!)
        }
        bytes.withUnsafeBytes { stream!.update($0) }
        bytes.removeAll(keepingCapacity: true)
    }
}
