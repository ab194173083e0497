import Testing

@testable import StaskCore

@Suite struct StatCacheChangesTests {
    static func entry(_ inode: UInt64) -> FileDigestCache.Entry {
        FileDigestCache.Entry(
            metadata: FileMetadata(kind: .regularFile, size: 1, inode: inode),
            digest: ContentDigest(high: inode, low: 1), recordedTime: 5)
    }

    @Test func setReplaceAndRemoveAreTheDictionarysSemantics() {
        var changes = StatCacheChanges()
        #expect(changes.isEmpty && changes["a"] == nil)
        changes.set(Self.entry(1), forPath: "a")
        changes.set(nil, forPath: "b")
        changes.set(Self.entry(2), forPath: "a")
        #expect(changes.count == 2)
        #expect(changes["a"] == .some(Self.entry(2)))
        #expect(changes["b"] == .some(nil))  // removed, which is a change
        #expect(changes["c"] == nil)  // unchanged
        let expected: [String: FileDigestCache.Entry?] = ["a": Self.entry(2), "b": nil]
        #expect(changes.dictionary == expected)
        #expect(Set(changes.paths) == ["a", "b"])
    }

    @Test func mergeAppliesTheOtherChangesOnTop() {
        var base = StatCacheChanges(["a": Self.entry(1), "b": Self.entry(2)])
        let later: [String: FileDigestCache.Entry?] = ["b": nil, "c": Self.entry(3)]
        base.merge(StatCacheChanges(later))
        let expected: [String: FileDigestCache.Entry?] = ["a": Self.entry(1), "b": nil, "c": Self.entry(3)]
        #expect(base.dictionary == expected)
    }

    @Test func manyPathsRoundTripThroughTheDictionaryForm() {
        var dictionary: [String: FileDigestCache.Entry?] = [:]
        for index in 0..<5_000 { dictionary["src/f\(index).c"] = index % 7 == 0 ? nil : Self.entry(UInt64(index)) }
        var changes = StatCacheChanges()
        changes.reserveCapacity(10)  // grows past what was reserved
        for (path, entry) in dictionary { changes.set(entry, forPath: path) }
        #expect(changes.count == 5_000)
        #expect(changes.dictionary == dictionary)
        var visited = 0
        changes.forEach { path, entry in
            visited += 1
            #expect(dictionary[path] == .some(entry))
        }
        #expect(visited == 5_000)
    }
}
