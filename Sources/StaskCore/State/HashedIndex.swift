/// Finds length-prefixed entries in a snapshot by their string key without creating a `String` per entry.
///
/// Keys are indexed by their XXH3-64 in ``ProbedSlots`` (32 hash bits and the entry's offset in 8 bytes):
/// at 100,000 records and 200,000 stat-cache entries about 6 MB, where dictionaries of offsets took twice as
/// much. A hit is confirmed by comparing the key stored in the entry, so a hash collision can never return
/// the wrong entry. An offset too large for 32 bits (a snapshot over 4 GiB) goes into a small exact map.
struct HashedIndex: Sendable {
    private var slots: ProbedSlots
    private var large: [String: Int] = [:]
    /// XXH3-64, or a weaker function in tests that exercise collisions.
    private let hash: @Sendable (UnsafeRawBufferPointer) -> UInt64

    init(
        capacity: Int,
        hash: @escaping @Sendable (UnsafeRawBufferPointer) -> UInt64 = { ContentHasher.checksum(of: $0) }
    ) {
        slots = ProbedSlots(capacity: capacity)
        self.hash = hash
    }

    /// The number of distinct keys.
    var count: Int { slots.count + large.count }

    /// Adds the entry at `offset` whose key has the UTF-8 bytes `key`. `keyAt(offset)` reads the key
    /// stored at an earlier offset. A repeated key replaces the entry.
    mutating func insert(key: UnsafeRawBufferPointer, offset: Int, keyAt: (Int) -> UnsafeRawBufferPointer?) {
        guard offset < Int(UInt32.max) - 1 else {
            large[String(decoding: key.assumingMemoryBound(to: UInt8.self), as: UTF8.self)] = offset
            return
        }
        slots.insert(tag: Self.tag(hash(key)), position: offset) { keyAt($0).map { Self.equal($0, key) } ?? false }
    }

    /// The offset of the entry whose key is `key`, if any; `keyAt` confirms the hit.
    func offset(of key: String, keyAt: (Int) -> UnsafeRawBufferPointer?) -> Int? {
        if !large.isEmpty, let offset = large[key] { return offset }
        var key = key
        return key.withUTF8 { utf8 -> Int? in
            let bytes = UnsafeRawBufferPointer(utf8)
            return slots.find(tag: Self.tag(hash(bytes))) { keyAt($0).map { Self.equal($0, bytes) } ?? false }
        }
    }

    /// Every entry offset, in no particular order.
    var allOffsets: [Int] {
        slots.positions + Array(large.values)
    }

    private static func tag(_ hash: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: hash >> 32) }

    private static func equal(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        guard lhs.count == rhs.count else { return false }
        // Eight bytes at a time, then the tail: keys are paths of some tens of bytes.
        var offset = 0
        while offset + 8 <= lhs.count {
            let left = lhs.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            let right = rhs.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            if left != right { return false }
            offset += 8
        }
        while offset < lhs.count {
            if lhs[offset] != rhs[offset] { return false }
            offset += 1
        }
        return true
    }
}
