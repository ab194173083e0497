import Testing

@testable import StaskCore

@Suite struct UpToDateStampTests {
    static let key = ContentDigest(high: 7, low: 9)

    /// A file system and a stamp of it: a listed directory and a file graph construction examined, hashed
    /// files inside and outside the project, an absent path, a state file.
    static func sample() throws -> (InMemoryFileSystem, UpToDateStamp) {
        let fileSystem = InMemoryFileSystem(files: ["/p/src/a.txt": "a\n", "/p/src/b.txt": "b\n", "/q/c.txt": "c\n"])
        func observe(_ path: String, follows: Bool = true) throws -> FileObservation {
            FileObservation(
                path: path, followsLinks: follows,
                metadata: follows ? try fileSystem.metadata(atPath: path) : try fileSystem.linkMetadata(atPath: path))
        }
        func digest(_ path: String) throws -> ContentDigest {
            try ContentHasher.shared.digest(ofFileAtPath: path, in: fileSystem)
        }
        let stamp = UpToDateStamp(
            key: key, instanceIDs: ["copy[src/a.txt]", "copy[src/b.txt]", "é"],
            graphObservations: [try observe("/p/src", follows: false), try observe("/p/src/b.txt", follows: false)],
            examined: [
                try observe("/p/src/a.txt"), try observe("/p/src/b.txt"), try observe("/p/missing"),
                try observe("/q/c.txt"),
            ],
            examinedDigests: [try digest("/p/src/a.txt"), try digest("/p/src/b.txt"), nil, try digest("/q/c.txt")],
            stateFiles: [try observe("/p/.stask/state", follows: false)])
        return (fileSystem, stamp)
    }

    static func check(
        _ bytes: [UInt8], _ fileSystem: any FileSystem, key: ContentDigest = key, start: Int64 = .max
    ) -> UpToDateStamp.Verdict? {
        UpToDateStamp.check(
            bytes, key: key, fileSystem: fileSystem, projectDirectory: "/p", start: start, granularity: .zero)
    }

    static func ids(_ bytes: [UInt8], _ fileSystem: any FileSystem, key: ContentDigest = key) -> [String]? {
        check(bytes, fileSystem, key: key)?.instanceIDs
    }

    @Test func stampOfUnchangedPathsGivesItsIDsForItsKeyOnly() throws {
        let (fileSystem, stamp) = try Self.sample()
        let bytes = try #require(stamp.encoded())
        let verdict = try #require(Self.check(bytes, fileSystem))
        #expect(verdict.instanceIDs == stamp.instanceIDs)
        #expect(verdict.refreshed == nil)
        #expect(Self.ids(bytes, fileSystem, key: ContentDigest(high: 7, low: 8)) == nil)
        let empty = UpToDateStamp(key: Self.key, instanceIDs: [], examined: [], stateFiles: [])
        #expect(Self.ids(try #require(empty.encoded()), fileSystem) == [])
    }

    @Test func anyDamageMakesTheStampUnusable() throws {
        let (fileSystem, stamp) = try Self.sample()
        let bytes = try #require(stamp.encoded())
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
        var bytes = try #require(stamp.encoded())
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

    @Test(arguments: 0..<7)
    func anyChangeToWhatAnObservedPathStandsForMakesTheStampStale(change: Int) throws {
        let (fileSystem, stamp) = try Self.sample()
        let bytes = try #require(stamp.encoded())
        switch change {
        case 0: try fileSystem.writeFile(atPath: "/p/src/a.txt", contents: Array("A\n".utf8))  // new contents
        case 1: try fileSystem.writeFile(atPath: "/p/missing", contents: [])  // an absent path appears
        case 2: try fileSystem.removeItem(atPath: "/p/src/b.txt")
        case 3: try fileSystem.writeFile(atPath: "/q/c.txt", contents: [])  // outside the project directory
        case 4: try fileSystem.writeFile(atPath: "/p/.stask/state", contents: [])  // a state file appears
        case 5: try fileSystem.writeFile(atPath: "/p/src/new.txt", contents: [])  // the listed directory changes
        default:  // a file graph construction examined becomes a directory
            try fileSystem.removeItem(atPath: "/p/src/b.txt")
            try fileSystem.createDirectory(atPath: "/p/src/b.txt")
        }
        #expect(Self.ids(bytes, fileSystem) == nil)
    }

    @Test func aGraphObservationThePrePassRepeatedIsLeftOutAndItsFileStillChecked() throws {
        let (fileSystem, stamp) = try Self.sample()
        var covered = stamp
        covered.graphCovered = [false, true]  // src/b.txt, which the pre-pass hashed
        let bytes = try #require(covered.encoded())
        #expect(bytes.count < (try #require(stamp.encoded())).count)
        #expect(UpToDateStamp.decoded(bytes)?.graphObservations.map(\.path) == ["/p/src"])
        #expect(Self.ids(bytes, fileSystem) == stamp.instanceIDs)
        try fileSystem.removeItem(atPath: "/p/src/b.txt")
        try fileSystem.createDirectory(atPath: "/p/src/b.txt")
        #expect(Self.ids(bytes, fileSystem) == nil)
    }

    @Test func changedContentsAreNamedWhenTheStampHasAGraph() throws {
        var (fileSystem, stamp) = try Self.sample()
        stamp.graphIdentity = ContentDigest(high: 1, low: 2)
        let bytes = try #require(stamp.encoded())
        try fileSystem.writeFile(atPath: "/p/src/a.txt", contents: Array("A\n".utf8))
        try fileSystem.writeFile(atPath: "/q/c.txt", contents: Array("C\n".utf8))
        let verdict = try #require(Self.check(bytes, fileSystem))
        #expect(verdict.changedFiles == ["/p/src/a.txt", "/q/c.txt"])
        #expect(verdict.graphIdentity == stamp.graphIdentity && verdict.refreshed == nil)
        // Anything else changed as well: no verdict at all.
        try fileSystem.writeFile(atPath: "/p/src/new.txt", contents: [])
        #expect(Self.check(bytes, fileSystem) == nil)
        let decoded = try #require(UpToDateStamp.decoded(bytes))
        #expect(decoded.examined == stamp.examined && decoded.examinedDigests == stamp.examinedDigests)
        #expect(decoded.graphObservations == stamp.graphObservations && decoded.stateFiles == stamp.stateFiles)
        #expect(decoded.instanceIDs == stamp.instanceIDs && decoded.graphIdentity == stamp.graphIdentity)
    }

    @Test func aTouchedFileIsHashedAgainAndTheStampRefreshedSoTheNextCheckTrustsIt() throws {
        let (fileSystem, stamp) = try Self.sample()
        let bytes = try #require(stamp.encoded())
        try fileSystem.touch(atPath: "/p/src/b.txt")  // examined by graph construction and hashed
        try fileSystem.writeFile(atPath: "/q/c.txt", contents: Array("c\n".utf8))  // rewritten, same bytes
        let verdict = try #require(Self.check(bytes, fileSystem))
        #expect(verdict.instanceIDs == stamp.instanceIDs)
        let refreshed = try #require(verdict.refreshed)
        #expect(refreshed.count == bytes.count)

        let hashed = HashLog()
        let examiner = Self.examiner(fileSystem, hashed: hashed)
        let again = try #require(
            UpToDateStamp.check(refreshed, key: Self.key, examiner: examiner, start: .max, granularity: .zero))
        #expect(again.instanceIDs == stamp.instanceIDs)
        #expect(again.refreshed == nil)
        #expect(hashed.paths.isEmpty)
        // The old stamp still holds, at the price of hashing both files again.
        _ = UpToDateStamp.check(bytes, key: Self.key, examiner: examiner, start: .max, granularity: .zero)
        #expect(hashed.paths.sorted() == ["/p/src/b.txt", "/q/c.txt"])
    }

    @Test func aHashedFileTooRecentToTrustIsHashedOnEveryCheck() throws {
        let (fileSystem, stamp) = try Self.sample()
        // Every time in the sample is within the granularity of this start: the hashed files are marked to be
        // hashed again, and the listed directory cannot be trusted at all.
        let start: Int64 = 1_000_000_000 + 100 * 1_000_000
        #expect(stamp.encoded(start: start, granularity: .seconds(1)) == nil)
        var withoutListing = stamp
        withoutListing.graphObservations.removeFirst()
        let bytes = try #require(withoutListing.encoded(start: start, granularity: .seconds(1)))
        let hashed = HashLog()
        let examiner = Self.examiner(fileSystem, hashed: hashed)
        for _ in 0..<2 {
            let verdict = UpToDateStamp.check(
                bytes, key: Self.key, examiner: examiner, start: start, granularity: .zero)
            #expect(verdict?.instanceIDs == stamp.instanceIDs)
        }
        #expect(
            hashed.paths.sorted() == [
                "/p/src/a.txt", "/p/src/a.txt", "/p/src/b.txt", "/p/src/b.txt", "/q/c.txt", "/q/c.txt",
            ])
        // Checked long after, it is trusted by its metadata again once refreshed.
        let verdict = try #require(
            UpToDateStamp.check(bytes, key: Self.key, examiner: examiner, start: .max, granularity: .zero))
        let refreshed = try #require(verdict.refreshed)
        hashed.paths = []
        _ = UpToDateStamp.check(refreshed, key: Self.key, examiner: examiner, start: .max, granularity: .zero)
        #expect(hashed.paths.isEmpty)
    }

    /// An examiner of `fileSystem` below `/p` that notes each path it hashes.
    fileprivate static func examiner(_ fileSystem: InMemoryFileSystem, hashed: HashLog) -> UpToDateStamp.Examiner {
        UpToDateStamp.Examiner(
            metadata: { raw, follows in
                let path = ProjectPath.absolute(String(decoding: raw, as: UTF8.self), project: "/p")
                return try? follows ? fileSystem.metadata(atPath: path) : fileSystem.linkMetadata(atPath: path)
            },
            digest: { raw in
                let path = String(decoding: raw, as: UTF8.self)
                hashed.paths.append(path)
                return try? ContentHasher.shared.digest(
                    ofFileAtPath: ProjectPath.absolute(path, project: "/p"), in: fileSystem)
            })
    }
}

/// The paths a test's examiner hashed, in order.
private final class HashLog {
    var paths: [String] = []
}
