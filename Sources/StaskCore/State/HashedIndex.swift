import Glibc

/// Finds length-prefixed entries in a snapshot by their string key without creating a `String` per entry.
///
/// Keys are indexed by their XXH3-64, so loading 100,000 entries costs one hash and one integer-keyed insert
/// each. A hit is confirmed by comparing the key stored in the entry, so a hash collision can never return
/// the wrong entry; a key whose hash is already taken by a different key goes into a small exact map.
struct HashedIndex: Sendable {
    private var offsets: [UInt64: Int] = [:]
    private var collisions: [String: Int] = [:]
    /// XXH3-64, or a weaker function in tests that exercise collisions.
    private let hash: @Sendable (UnsafeRawBufferPointer) -> UInt64

    init(
        capacity: Int,
        hash: @escaping @Sendable (UnsafeRawBufferPointer) -> UInt64 = { ContentHasher.checksum(of: $0) }
    ) {
        offsets.reserveCapacity(capacity)
        self.hash = hash
    }

    /// The number of distinct keys.
    private(set) var count = 0

    /// Adds the entry at `offset` whose key has the UTF-8 bytes `key`. `keyAt(offset)` reads the key
    /// stored at an earlier offset (only needed on a hash collision). A repeated key replaces the entry.
    mutating func insert(key: UnsafeRawBufferPointer, offset: Int, keyAt: (Int) -> UnsafeRawBufferPointer?) {
        let hash = hash(key)
        guard let existing = offsets[hash] else {
            offsets[hash] = offset
            count += 1
            return
        }
        if let existingKey = keyAt(existing), Self.equal(existingKey, key) {
            offsets[hash] = offset
            return
        }
        let string = String(decoding: key.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
        if collisions.updateValue(offset, forKey: string) == nil { count += 1 }
    }

    /// The offset of the entry whose key is `key`, if any; `keyAt` confirms the hit.
    func offset(of key: String, keyAt: (Int) -> UnsafeRawBufferPointer?) -> Int? {
        if !collisions.isEmpty, let offset = collisions[key] { return offset }
        var key = key
        return key.withUTF8 { utf8 -> Int? in
            let bytes = UnsafeRawBufferPointer(utf8)
            guard let offset = offsets[hash(bytes)],
                let stored = keyAt(offset), Self.equal(stored, bytes)
            else { return nil }
            return offset
        }
    }

    private static func equal(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        lhs.count == rhs.count && (lhs.isEmpty || memcmp(lhs.baseAddress!, rhs.baseAddress!, lhs.count) == 0)
    }

    /// Every entry offset, in no particular order.
    var allOffsets: [Int] {
        Array(offsets.values) + Array(collisions.values)
    }
}
