/// A 128-bit XXH3-128 content hash.
///
/// `high` and `low` are the two 64-bit halves of libxxhash's `XXH128_hash_t`. The textual form
/// (`description`, `init(hex:)`) is the canonical one `xxhsum -H2` prints: 32 lowercase hex digits, the high
/// half first, so digests can be checked against the command-line tool. Digests are plain values: compare
/// them, hash them, keep them in state files.
package struct ContentDigest: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The high 64 bits.
    package var high: UInt64
    /// The low 64 bits.
    package var low: UInt64

    /// Creates a digest from its two halves.
    package init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses 32 hex digits (either case), high half first, as printed by `xxhsum -H2`.
    ///
    /// Returns `nil` for any other length or a non-hex character.
    package init?(hex: some StringProtocol) {
        let digits = Array(hex.utf8)
        guard digits.count == 32 else { return nil }
        var halves: [UInt64] = [0, 0]
        for (index, digit) in digits.enumerated() {
            let value: UInt8
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = digit - UInt8(ascii: "A") + 10
            default: return nil
            }
            halves[index / 16] = halves[index / 16] << 4 | UInt64(value)
        }
        self.init(high: halves[0], low: halves[1])
    }

    /// 32 lowercase hex digits, high half first (the `xxhsum -H2` form).
    package var description: String {
        Self.hex(high) + Self.hex(low)
    }

    /// Orders by `high`, then `low` (the order of the hex form).
    package static func < (lhs: ContentDigest, rhs: ContentDigest) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    private static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
