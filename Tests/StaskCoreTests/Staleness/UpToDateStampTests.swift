import Testing

@testable import StaskCore

@Suite struct UpToDateStampTests {
    static let key = ContentDigest(high: 7, low: 9)

    /// A file system and a stamp of it: present files of each kind, an absent path, a directory.
    static func sample() throws -> (InMemoryFileSystem, UpToDateStamp) {
        let fileSystem = InMemoryFileSystem(files: ["/p/src/a.txt": "a\n", "/p/src/b.txt": "b\n", "/q/c.txt": "c\n"])
        func observe(_ path: String, follows: Bool = true) throws -> FileObservation {
            FileObservation(
                path: path, followsLinks: follows,
                metadata: follows ? try fileSystem.metadata(atPath: path) : try fileSystem.linkMetadata(atPath: path))
        }
        let stamp = UpToDateStamp(
            key: key, instanceIDs: ["copy[src/a.txt]", "copy[src/b.txt]", "é"],
            observations: [
                try observe("/p/src", follows: false), try observe("/p/src/a.txt"), try observe("/p/src/b.txt"),
                try observe("/p/missing"), try observe("/q/c.txt"),
            ],
            stateFiles: [try observe("/p/.stask/state", follows: false)])
        return (fileSystem, stamp)
    }

    static func ids(_ bytes: [UInt8], _ fileSystem: any FileSystem, key: ContentDigest = key) -> [String]? {
        UpToDateStamp.currentInstanceIDs(in: bytes, key: key, fileSystem: fileSystem, projectDirectory: "/p")
    }

    @Test func stampOfUnchangedPathsGivesItsIDsForItsKeyOnly() throws {
        let (fileSystem, stamp) = try Self.sample()
        let bytes = stamp.encoded()
        #expect(Self.ids(bytes, fileSystem) == stamp.instanceIDs)
        #expect(Self.ids(bytes, fileSystem, key: ContentDigest(high: 7, low: 8)) == nil)
        let empty = UpToDateStamp(key: Self.key, instanceIDs: [], observations: [], stateFiles: [])
        #expect(Self.ids(empty.encoded(), fileSystem) == [])
    }

    @Test func anyDamageMakesTheStampUnusable() throws {
        let (fileSystem, stamp) = try Self.sample()
        let bytes = stamp.encoded()
        #expect(Self.ids([], fileSystem) == nil)
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(Self.ids(Array(bytes[..<length]), fileSystem) == nil, "truncated to \(length)")
        }
        for offset in bytes.indices {
            var flipped = bytes
            flipped[offset] ^= 0x10
            #expect(Self.ids(flipped, fileSystem) == nil, "byte \(offset) flipped")
        }
        #expect(Self.ids(bytes + [0], fileSystem) == nil)
    }

    @Test func anotherVersionIsIgnored() throws {
        let (fileSystem, stamp) = try Self.sample()
        var bytes = stamp.encoded()
        bytes[UpToDateStamp.magic.count] = UpToDateStamp.version + 1
        #expect(Self.ids(bytes, fileSystem) == nil)
    }

    @Test func onlyTimesOlderThanTheStartByMoreThanTheGranularityAreSettled() {
        let granularity = Duration.milliseconds(10)
        let start: Int64 = 100_000_000
        func metadata(_ mtime: Int64, _ ctime: Int64) -> FileMetadata {
            FileMetadata(kind: .regularFile, size: 1, modificationTime: mtime, changeTime: ctime)
        }
        func settled(_ metadata: FileMetadata?) -> Bool {
            FileObservation(path: "/p/f", followsLinks: true, metadata: metadata)
                .isSettled(at: start, granularity: granularity)
        }
        #expect(settled(nil))
        #expect(settled(metadata(89_999_999, 89_999_999)))
        #expect(!settled(metadata(90_000_000, 1)))
        #expect(!settled(metadata(1, 90_000_000)))
        #expect(!settled(metadata(200_000_000, 1)))
    }

    @Test(arguments: 0..<5)
    func anyChangeToAnObservedPathMakesTheStampStale(change: Int) throws {
        let (fileSystem, stamp) = try Self.sample()
        let bytes = stamp.encoded()
        switch change {
        case 0: try fileSystem.writeFile(atPath: "/p/src/a.txt", contents: Array("a\n".utf8))  // same bytes, new times
        case 1: try fileSystem.writeFile(atPath: "/p/missing", contents: [])  // an absent path appears
        case 2: try fileSystem.removeItem(atPath: "/p/src/b.txt")
        case 3: try fileSystem.writeFile(atPath: "/q/c.txt", contents: [])  // outside the project directory
        default: try fileSystem.writeFile(atPath: "/p/.stask/state", contents: [])  // a state file appears
        }
        #expect(Self.ids(bytes, fileSystem) == nil)
    }
}
