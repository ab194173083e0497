/// A digest of a directory's listing: every entry's name and kind as the listing reports them, in any order.
///
/// What graph construction reads of a directory it lists for a glob is exactly this; a directory's times move
/// for much else (a file created and removed again, as a compiler does with its depfile; a save that renames a
/// temporary file over the original), so the no-op stamp compares this digest when they do, as it compares a
/// file's content digest when its times moved.
///
/// Order-independent: the sum of each entry's XXH3-128 digest, over the entry's kind code and name bytes,
/// and the entry count.
enum DirectoryListingDigest {
    static func digest(of entries: [DirectoryEntry]) -> ContentDigest {
        var high: UInt64 = UInt64(entries.count)
        var low: UInt64 = 0
        var scratch: [UInt8] = []
        for entry in entries {
            scratch.removeAll(keepingCapacity: true)
            scratch.append(entry.kind.map { StateSnapshot.code(of: $0) &+ 1 } ?? 0)
            scratch.append(contentsOf: entry.name.utf8)
            let digest = ContentHasher.digest(of: scratch)
            high = high &+ digest.high
            low = low &+ digest.low
        }
        return ContentDigest(high: high, low: low)
    }
}
