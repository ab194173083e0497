import Testing

@testable import StaskCore

@Suite struct UpToDateStampTests {
    static let file = FileMetadata(
        kind: .regularFile, size: 12, device: 3, inode: 77, modificationTime: 1_000, changeTime: 1_500, mode: 0o640)

    static func sample() -> UpToDateStamp {
        UpToDateStamp(
            key: ContentDigest(high: 1, low: 2), instanceIDs: ["copy[src/a.txt]", "all", "é"],
            observations: [
                FileObservation(
                    path: "/p/src", followsLinks: false, metadata: FileMetadata(kind: .directory, size: 4096)),
                FileObservation(path: "/p/src/a.txt", followsLinks: true, metadata: file),
                FileObservation(path: "/p/missing", followsLinks: true, metadata: nil),
                FileObservation(
                    path: "/p/link", followsLinks: false, metadata: FileMetadata(kind: .symbolicLink, size: 5)),
                FileObservation(path: "/p/fifo", followsLinks: false, metadata: FileMetadata(kind: .other, size: 0)),
            ],
            stateFiles: [FileObservation(path: "/p/.stask/state", followsLinks: false, metadata: file)])
    }

    @Test func encodingRoundTrips() {
        let stamp = Self.sample()
        #expect(UpToDateStamp(decoding: stamp.encoded()) == stamp)
        let empty = UpToDateStamp(
            key: ContentDigest(high: 0, low: 0), instanceIDs: [], observations: [], stateFiles: [])
        #expect(UpToDateStamp(decoding: empty.encoded()) == empty)
    }

    @Test func anyDamageMakesTheStampUnreadable() {
        let bytes = Self.sample().encoded()
        #expect(UpToDateStamp(decoding: []) == nil)
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(UpToDateStamp(decoding: Array(bytes[..<length])) == nil, "truncated to \(length)")
        }
        for offset in bytes.indices {
            var flipped = bytes
            flipped[offset] ^= 0x10
            #expect(UpToDateStamp(decoding: flipped) == nil, "byte \(offset) flipped")
        }
        #expect(UpToDateStamp(decoding: bytes + [0]) == nil)
    }

    @Test func anotherVersionIsIgnored() {
        var bytes = Self.sample().encoded()
        bytes[UpToDateStamp.magic.count] = UpToDateStamp.version + 1
        #expect(UpToDateStamp(decoding: bytes) == nil)
    }

    @Test func onlyTimesOlderThanTheStartByMoreThanTheGranularityAreSettled() {
        let granularity = Duration.milliseconds(10)
        let start: Int64 = 100_000_000
        func metadata(_ mtime: Int64, _ ctime: Int64) -> FileMetadata {
            FileMetadata(kind: .regularFile, size: 1, modificationTime: mtime, changeTime: ctime)
        }
        #expect(UpToDateStamp.isSettled(nil, start: start, granularity: granularity))
        #expect(UpToDateStamp.isSettled(metadata(89_999_999, 89_999_999), start: start, granularity: granularity))
        #expect(!UpToDateStamp.isSettled(metadata(90_000_000, 1), start: start, granularity: granularity))
        #expect(!UpToDateStamp.isSettled(metadata(1, 90_000_000), start: start, granularity: granularity))
        #expect(!UpToDateStamp.isSettled(metadata(200_000_000, 1), start: start, granularity: granularity))
    }

    @Test func isCurrentOnlyWhileEveryPathKeepsItsMetadata() throws {
        let fileSystem = InMemoryFileSystem(files: ["/p/src/a.txt": "a\n"])
        func observe(_ path: String) throws -> FileObservation {
            FileObservation(path: path, followsLinks: true, metadata: try fileSystem.metadata(atPath: path))
        }
        func stamp() throws -> UpToDateStamp {
            UpToDateStamp(
                key: ContentDigest(high: 0, low: 0), instanceIDs: [],
                observations: [try observe("/p/src/a.txt"), try observe("/p/src/b.txt")],
                stateFiles: [try observe("/p/src")])
        }
        var current = try stamp()
        #expect(current.isCurrent(fileSystem: fileSystem, projectDirectory: "/p"))

        try fileSystem.writeFile(atPath: "/p/src/a.txt", contents: Array("a\n".utf8))  // same bytes, new times
        #expect(!current.isCurrent(fileSystem: fileSystem, projectDirectory: "/p"))
        current = try stamp()
        try fileSystem.writeFile(atPath: "/p/src/b.txt", contents: [])  // an absent path appears
        #expect(!current.isCurrent(fileSystem: fileSystem, projectDirectory: "/p"))
        current = try stamp()
        try fileSystem.removeItem(atPath: "/p/src/a.txt")
        #expect(!current.isCurrent(fileSystem: fileSystem, projectDirectory: "/p"))
        #expect(try stamp().isCurrent(fileSystem: fileSystem, projectDirectory: "/p"))
    }

    @Test func readingStraightFromTheBytesAgreesWithTheDecodedStamp() throws {
        let fileSystem = InMemoryFileSystem(files: ["/p/src/a.txt": "a\n", "/p/src/b.txt": "b\n"])
        func observe(_ path: String) throws -> FileObservation {
            FileObservation(path: path, followsLinks: true, metadata: try fileSystem.metadata(atPath: path))
        }
        let key = ContentDigest(high: 7, low: 9)
        let stamp = UpToDateStamp(
            key: key, instanceIDs: ["copy[src/a.txt]", "copy[src/b.txt]"],
            observations: [try observe("/p/src/a.txt"), try observe("/p/src/b.txt"), try observe("/p/c.txt")],
            stateFiles: [try observe("/p/src")])
        let bytes = stamp.encoded()
        func ids(_ bytes: [UInt8], key: ContentDigest = key) -> [String]? {
            UpToDateStamp.currentInstanceIDs(in: bytes, key: key, fileSystem: fileSystem, projectDirectory: "/p")
        }
        #expect(ids(bytes) == stamp.instanceIDs)
        #expect(ids(bytes, key: ContentDigest(high: 7, low: 8)) == nil)
        var damaged = bytes
        damaged[damaged.count - 3] ^= 4
        #expect(ids(damaged) == nil)
        #expect(ids(Array(bytes.dropLast())) == nil)

        try fileSystem.writeFile(atPath: "/p/c.txt", contents: [])
        #expect(ids(bytes) == nil)
        #expect(!stamp.isCurrent(fileSystem: fileSystem, projectDirectory: "/p"))
    }
}
