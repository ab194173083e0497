import Testing

@testable import StaskCore

@Suite struct HashedIndexTests {
    /// Entries laid out as the snapshot does: varint length, then a text key (varint length, bytes).
    private func layout(_ keys: [String]) -> (bytes: [UInt8], offsets: [Int]) {
        var writer = StateBinaryWriter()
        var offsets: [Int] = []
        for key in keys {
            offsets.append(writer.bytes.count)
            var entry = StateBinaryWriter()
            entry.inlineString(key)
            writer.varint(entry.bytes.count)
            writer.append(entry.bytes)
        }
        return (writer.bytes, offsets)
    }

    private func check(keys: [String], hash: @escaping @Sendable (UnsafeRawBufferPointer) -> UInt64) {
        let (bytes, offsets) = layout(keys)
        bytes.withUnsafeBytes { raw in
            let keyAt = { (offset: Int) in try? StateBinaryReader.keyOfEntry(in: raw, at: offset) }
            var index = HashedIndex(capacity: keys.count, hash: hash)
            for offset in offsets {
                index.insert(key: keyAt(offset)!, offset: offset, keyAt: keyAt)
            }
            #expect(index.count == keys.count)
            for (key, offset) in zip(keys, offsets) {
                #expect(index.offset(of: key, keyAt: keyAt) == offset, "\(key)")
            }
            #expect(index.offset(of: "missing", keyAt: keyAt) == nil)
            #expect(Set(index.allOffsets) == Set(offsets))
        }
    }

    @Test func findsEveryKeyWithTheRealHash() {
        check(keys: (0..<500).map { "compile[src/f\($0).c]" } + ["", "ü"]) { ContentHasher.checksum(of: $0) }
    }

    @Test func collidingHashesNeverReturnTheWrongEntry() {
        check(keys: ["a", "b", "c", "compile[x]", ""]) { _ in 42 }
        check(keys: (0..<50).map { "k\($0)" }) { UInt64($0.count) }
    }

    @Test func growsPastTheCapacityItWasGiven() {
        let (bytes, offsets) = layout((0..<300).map { "k\($0)" })
        bytes.withUnsafeBytes { raw in
            let keyAt = { (offset: Int) in try? StateBinaryReader.keyOfEntry(in: raw, at: offset) }
            var index = HashedIndex(capacity: 1)
            for offset in offsets { index.insert(key: keyAt(offset)!, offset: offset, keyAt: keyAt) }
            #expect(index.count == 300)
            for (number, offset) in offsets.enumerated() {
                #expect(index.offset(of: "k\(number)", keyAt: keyAt) == offset)
            }
        }
    }

    @Test func aRepeatedKeyReplacesItsEntry() {
        let (bytes, offsets) = layout(["same", "other", "same"])
        bytes.withUnsafeBytes { raw in
            let keyAt = { (offset: Int) in try? StateBinaryReader.keyOfEntry(in: raw, at: offset) }
            var index = HashedIndex(capacity: 3) { _ in 7 }
            for offset in offsets { index.insert(key: keyAt(offset)!, offset: offset, keyAt: keyAt) }
            #expect(index.count == 2)
            #expect(index.offset(of: "same", keyAt: keyAt) == offsets[2])
            #expect(index.offset(of: "other", keyAt: keyAt) == offsets[1])
        }
    }
}
