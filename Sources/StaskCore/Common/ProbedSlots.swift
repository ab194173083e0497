/// An open-addressing hash table (linear probing) of 8-byte slots, each holding 32 bits of a key's hash and
/// a position: where the key and its value live is the caller's business (an array it owns, an offset in a
/// file). The table never reads a key itself; the caller's `matches` confirms a candidate.
///
/// Why: a `[String: Int]` pays 24 bytes in every bucket at a load of at most 3/4, so 100,000 keys take
/// 262,144 buckets and 6 MB. These slots take 8 bytes at the same load (1 MB), and the keys, already held
/// elsewhere, are not copied. The hash bits in the slot decide where it sits, so the table grows without
/// hashing a key again.
struct ProbedSlots: Sendable {
    /// `tag << 32 | (position + 1)`; 0 is an empty slot.
    private var slots: [UInt64]
    /// The number of positions held.
    private(set) var count = 0

    /// How many positions fit before the table grows.
    var capacity: Int { slots.count * 3 / 4 }

    init(capacity: Int = 0) {
        var slots = 16
        while slots * 3 < capacity * 4 { slots *= 2 }
        self.slots = Array(repeating: 0, count: slots)
    }

    /// The position whose key has hash bits `tag` and `matches` it; `nil` when none.
    func find(tag: UInt32, matches: (Int) -> Bool) -> Int? {
        var index = Self.start(of: tag, in: slots.count)
        while slots[index] != 0 {
            let slot = slots[index]
            if UInt32(slot >> 32) == tag, matches(Self.position(in: slot)) { return Self.position(in: slot) }
            index = (index + 1) & (slots.count - 1)
        }
        return nil
    }

    /// Adds `position` for a key with hash bits `tag`; when a position already `matches` the key, it is
    /// replaced instead, and returned.
    ///
    /// - Precondition: `0 <= position < UInt32.max - 1`.
    @discardableResult
    mutating func insert(tag: UInt32, position: Int, matches: (Int) -> Bool) -> Int? {
        precondition(position >= 0 && position < Int(UInt32.max) - 1, "position out of range")
        let slot = UInt64(tag) << 32 | UInt64(position + 1)
        var index = Self.start(of: tag, in: slots.count)
        while slots[index] != 0 {
            let existing = slots[index]
            if UInt32(existing >> 32) == tag, matches(Self.position(in: existing)) {
                slots[index] = slot
                return Self.position(in: existing)
            }
            index = (index + 1) & (slots.count - 1)
        }
        slots[index] = slot
        count += 1
        if count * 4 > slots.count * 3 { grow() }
        return nil
    }

    /// Every position held, in no particular order.
    var positions: [Int] {
        slots.lazy.filter { $0 != 0 }.map(Self.position(in:))
    }

    /// Where probing for `tag` starts: its bits mixed (Fibonacci hashing), so that a weak hash spreads.
    private static func start(of tag: UInt32, in count: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(tag) &* 0x9E37_79B9_7F4A_7C15) >> 32) & (count - 1)
    }

    private static func position(in slot: UInt64) -> Int { Int(slot & 0xFFFF_FFFF) - 1 }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        for slot in old where slot != 0 {
            var index = Self.start(of: UInt32(slot >> 32), in: slots.count)
            while slots[index] != 0 { index = (index + 1) & (slots.count - 1) }
            slots[index] = slot
        }
    }

    /// 32 bits of a string's hash (the standard library's seeded hash).
    static func tag(of key: String) -> UInt32 {
        UInt32(truncatingIfNeeded: UInt(bitPattern: key.hashValue) >> (UInt.bitWidth - 32))
    }
}
