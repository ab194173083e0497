import Glibc

/// Finds length-prefixed entries in a snapshot by their string key without creating a `String` per entry.
///
/// Keys are indexed by their XXH3-64 in an open-addressing table (linear probing) of 8-byte slots, each
/// holding 32 bits of the key's hash and the entry's offset: at 100,000 records and 200,000 stat-cache
/// entries that is about 6 MB, where dictionaries of offsets took twice as much. A hit is confirmed by
/// comparing the key stored in the entry, so a hash collision can never return the wrong entry. The slot's
/// position comes from the stored hash bits, so the table grows without reading a key again. An offset too
/// large for 32 bits (a snapshot over 4 GiB) goes into a small exact map.
struct HashedIndex: Sendable {
    /// `hash bits << 32 | (offset + 1)`; 0 is an empty slot.
    private var slots: [UInt64]
    private var large: [String: Int] = [:]
    /// XXH3-64, or a weaker function in tests that exercise collisions.
    private let hash: @Sendable (UnsafeRawBufferPointer) -> UInt64

    init(
        capacity: Int,
        hash: @escaping @Sendable (UnsafeRawBufferPointer) -> UInt64 = { ContentHasher.checksum(of: $0) }
    ) {
        slots = Array(repeating: 0, count: Self.slotCount(for: capacity))
        self.hash = hash
    }

    /// The number of distinct keys.
    private(set) var count = 0

    /// Adds the entry at `offset` whose key has the UTF-8 bytes `key`. `keyAt(offset)` reads the key
    /// stored at an earlier offset. A repeated key replaces the entry.
    mutating func insert(key: UnsafeRawBufferPointer, offset: Int, keyAt: (Int) -> UnsafeRawBufferPointer?) {
        guard offset < Int(UInt32.max) else {
            let string = String(decoding: key.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
            if large.updateValue(offset, forKey: string) == nil { count += 1 }
            return
        }
        let tag = Self.tag(hash(key))
        let slot = tag << 32 | UInt64(offset + 1)
        var position = Self.position(of: tag, in: slots.count)
        while slots[position] != 0 {
            let existing = slots[position]
            if existing >> 32 == tag, let stored = keyAt(Self.offset(in: existing)), Self.equal(stored, key) {
                slots[position] = slot
                return
            }
            position = (position + 1) & (slots.count - 1)
        }
        slots[position] = slot
        count += 1
        if count * 4 > slots.count * 3 { grow() }
    }

    /// The offset of the entry whose key is `key`, if any; `keyAt` confirms the hit.
    func offset(of key: String, keyAt: (Int) -> UnsafeRawBufferPointer?) -> Int? {
        if !large.isEmpty, let offset = large[key] { return offset }
        var key = key
        return key.withUTF8 { utf8 -> Int? in
            let bytes = UnsafeRawBufferPointer(utf8)
            let tag = Self.tag(hash(bytes))
            var position = Self.position(of: tag, in: slots.count)
            while slots[position] != 0 {
                let slot = slots[position]
                if slot >> 32 == tag, let stored = keyAt(Self.offset(in: slot)), Self.equal(stored, bytes) {
                    return Self.offset(in: slot)
                }
                position = (position + 1) & (slots.count - 1)
            }
            return nil
        }
    }

    /// Every entry offset, in no particular order.
    var allOffsets: [Int] {
        slots.filter { $0 != 0 }.map(Self.offset(in:)) + Array(large.values)
    }

    // MARK: - The table

    /// A power of two with room for `count` keys at a load of at most 3/4.
    private static func slotCount(for count: Int) -> Int {
        var slots = 16
        while slots * 3 < count * 4 { slots *= 2 }
        return slots
    }

    private static func tag(_ hash: UInt64) -> UInt64 { hash >> 32 }

    /// Where probing for `tag` starts: its bits mixed (Fibonacci hashing), so that a weak test hash spreads.
    private static func position(of tag: UInt64, in count: Int) -> Int {
        Int(truncatingIfNeeded: (tag &* 0x9E37_79B9_7F4A_7C15) >> 32) & (count - 1)
    }

    private static func offset(in slot: UInt64) -> Int { Int(slot & 0xFFFF_FFFF) - 1 }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        for slot in old where slot != 0 {
            var position = Self.position(of: slot >> 32, in: slots.count)
            while slots[position] != 0 { position = (position + 1) & (slots.count - 1) }
            slots[position] = slot
        }
    }

    private static func equal(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        lhs.count == rhs.count && (lhs.isEmpty || memcmp(lhs.baseAddress!, rhs.baseAddress!, lhs.count) == 0)
    }
}
