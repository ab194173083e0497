import Glibc
import StaskCore
import StaskTestSupport
import Synchronization
import Testing

@testable import StaskPosix

/// A settable wall clock (nanoseconds since the epoch) for the racily-clean rule.
private final class TestWallClock: Sendable {
    let time: Mutex<Int64>

    init(_ start: Int64) {
        time = Mutex(start)
    }

    func set(_ value: Int64) {
        time.withLock { $0 = value }
    }

    var reading: @Sendable () -> Int64 {
        { self.time.withLock { $0 } }
    }
}

private let millisecond: Int64 = 1_000_000
private let second: Int64 = 1_000_000_000

@Suite struct FileDigestCacheTests {
    let memory = InMemoryFileSystem()
    let counting: ReadCountingFileSystem
    private let clock = TestWallClock(0)

    init() {
        counting = ReadCountingFileSystem(base: memory)
    }

    private func makeCache(entries: [String: FileDigestCache.Entry] = [:], granularity: Duration = .milliseconds(10))
        -> FileDigestCache
    {
        FileDigestCache(
            entries: entries, fileSystem: counting, timestampGranularity: granularity, now: clock.reading)
    }

    /// Writes `text` and returns the file's metadata.
    private func write(_ path: String, _ text: String) throws -> FileMetadata {
        try memory.writeFile(atPath: path, contents: Array(text.utf8))
        return try #require(try memory.metadata(atPath: path))
    }

    @Test func firstLookupHashesThenUnchangedMetadataIsTrustedWithoutReading() throws {
        let meta = try write("/p/a.c", "int a;")
        clock.set(meta.modificationTime + second)
        let cache = makeCache()
        #expect(try cache.digest(ofFileAtPath: "/p/a.c", metadata: meta) == ContentHasher.digest(ofUTF8: "int a;"))
        #expect(cache.statistics == FileDigestCache.Statistics(trusted: 0, hashed: 1))
        #expect(counting.readCount == 1)
        #expect(cache.isModified)

        let later = makeCache(entries: cache.entries)
        #expect(try later.digest(ofFileAtPath: "/p/a.c", metadata: meta) == ContentHasher.digest(ofUTF8: "int a;"))
        #expect(later.statistics == FileDigestCache.Statistics(trusted: 1, hashed: 0))
        #expect(counting.readCount == 1)
        #expect(!later.isModified)
    }

    @Test func anEntryIsKeptUnderTheKeyGivenAndTheFileReadAtItsPath() throws {
        let meta = try write("/p/src/a.c", "int a;")
        clock.set(meta.modificationTime + second)
        let cache = makeCache()
        let digest = try cache.digest(ofFileAtPath: "/p/src/a.c", metadata: meta, key: "src/a.c")
        #expect(digest == ContentHasher.digest(ofUTF8: "int a;"))
        #expect(Array(cache.entries.keys) == ["src/a.c"])
        #expect(try cache.digest(ofFileAtPath: "/p/src/a.c", metadata: meta, key: "src/a.c") == digest)
        #expect(cache.statistics == FileDigestCache.Statistics(trusted: 1, hashed: 1))
        // A failed read drops the entry under its key.
        try memory.removeItem(atPath: "/p/src/a.c")
        #expect(throws: FileSystemError.self) {
            _ = try cache.digest(
                ofFileAtPath: "/p/src/a.c", metadata: FileMetadata(kind: .regularFile, size: 9), key: "src/a.c")
        }
        #expect(cache.entries.isEmpty)
    }

    @Test func fileModifiedWithinTheGranularityOfItsHashingIsRehashedOnceThenTrusted() throws {
        let meta = try write("/p/a.c", "v1")
        clock.set(meta.modificationTime + 4 * millisecond)  // hashed 4 ms after the write: racily clean
        let first = makeCache()
        _ = try first.digest(ofFileAtPath: "/p/a.c", metadata: meta)
        let entry = try #require(first.entries["/p/a.c"])
        #expect(entry.isRacilyClean(granularity: .milliseconds(10)))
        #expect(entry.recordedTime == meta.modificationTime + 4 * millisecond)

        clock.set(meta.modificationTime + 10 * second)
        let secondBuild = makeCache(entries: first.entries)
        _ = try secondBuild.digest(ofFileAtPath: "/p/a.c", metadata: meta)
        #expect(secondBuild.statistics == FileDigestCache.Statistics(trusted: 0, hashed: 1, racilyClean: 1))

        let third = makeCache(entries: secondBuild.entries)
        _ = try third.digest(ofFileAtPath: "/p/a.c", metadata: meta)
        #expect(third.statistics == FileDigestCache.Statistics(trusted: 1, hashed: 0))
    }

    @Test func racilyCleanEntryWithStaleDigestIsCaught() throws {
        // The file was rewritten in the same timestamp tick: same size, same times, new contents.
        let meta = try write("/p/a.c", "new")
        let stale = FileDigestCache.Entry(
            metadata: meta, digest: ContentHasher.digest(ofUTF8: "old"),
            recordedTime: meta.modificationTime + millisecond)
        clock.set(meta.modificationTime + second)
        let cache = makeCache(entries: ["/p/a.c": stale])
        #expect(try cache.digest(ofFileAtPath: "/p/a.c", metadata: meta) == ContentHasher.digest(ofUTF8: "new"))
        #expect(cache.statistics.racilyClean == 1)
    }

    @Test func granularityIsAParameter() throws {
        let meta = try write("/p/a.c", "x")
        let entry = FileDigestCache.Entry(
            metadata: meta, digest: ContentHasher.digest(ofUTF8: "x"), recordedTime: meta.changeTime + 5 * millisecond)
        clock.set(meta.modificationTime + second)
        let lenient = makeCache(entries: ["/p/a.c": entry], granularity: .milliseconds(4))
        _ = try lenient.digest(ofFileAtPath: "/p/a.c", metadata: meta)
        #expect(lenient.statistics.trusted == 1)
        let strict = makeCache(entries: ["/p/a.c": entry], granularity: .milliseconds(10))
        _ = try strict.digest(ofFileAtPath: "/p/a.c", metadata: meta)
        #expect(strict.statistics.hashed == 1)
        #expect(FileDigestCache(fileSystem: memory).timestampGranularity == .milliseconds(10))
    }

    @Test(arguments: ["size", "inode", "device", "mtime", "ctime"])
    func anyIdentityChangeRehashes(field: String) throws {
        let meta = try write("/p/a.c", "same")
        let old = FileDigestCache.Entry(
            metadata: meta, digest: ContentHasher.digest(ofUTF8: "stale"), recordedTime: meta.changeTime + second)
        var current = meta
        switch field {
        case "size": current.size += 1
        case "inode": current.inode += 1
        case "device": current.device += 1
        case "mtime": current.modificationTime -= 1
        default: current.changeTime += 1
        }
        #expect(!old.hasSameIdentity(as: current))
        #expect(old.hasSameIdentity(as: meta))
        clock.set(meta.changeTime + 2 * second)
        let cache = makeCache(entries: ["/p/a.c": old])
        #expect(cache.trustedDigest(ofFileAtPath: "/p/a.c", metadata: current) == nil)
        #expect(try cache.digest(ofFileAtPath: "/p/a.c", metadata: current) == ContentHasher.digest(ofUTF8: "same"))
        #expect(cache.statistics == FileDigestCache.Statistics(trusted: 0, hashed: 1))
    }

    @Test func kindIsPartOfTheIdentity() throws {
        let meta = try write("/p/a.c", "same")
        let entry = FileDigestCache.Entry(metadata: meta, digest: ContentHasher.digest(ofUTF8: "same"), recordedTime: 0)
        var link = meta
        link.kind = .symbolicLink
        #expect(!entry.hasSameIdentity(as: link))
    }

    @Test func permissionBitsAloneDoNotRehash() throws {
        let meta = try write("/p/a.c", "x")
        clock.set(meta.modificationTime + second)
        let cache = makeCache()
        _ = try cache.digest(ofFileAtPath: "/p/a.c", metadata: meta)
        var chmodded = meta
        chmodded.mode = 0o755
        _ = try cache.digest(ofFileAtPath: "/p/a.c", metadata: chmodded)
        #expect(cache.statistics == FileDigestCache.Statistics(trusted: 1, hashed: 1))
    }

    @Test func fileTimesInTheFutureAreNeverTrusted() throws {
        var meta = try write("/p/a.c", "x")
        meta.modificationTime += 3600 * second
        clock.set(meta.changeTime + second)
        let cache = makeCache()
        _ = try cache.digest(ofFileAtPath: "/p/a.c", metadata: meta)
        clock.set(meta.changeTime + 2 * second)
        _ = try cache.digest(ofFileAtPath: "/p/a.c", metadata: meta)
        #expect(cache.statistics.hashed == 2)
    }

    @Test func trustedDigestAnswersWithoutReadingOrCounting() throws {
        let meta = try write("/p/a.c", "x")
        clock.set(meta.modificationTime + second)
        let cache = makeCache()
        #expect(cache.trustedDigest(ofFileAtPath: "/p/a.c", metadata: meta) == nil)
        _ = try cache.digest(ofFileAtPath: "/p/a.c", metadata: meta)
        #expect(cache.trustedDigest(ofFileAtPath: "/p/a.c", metadata: meta) == ContentHasher.digest(ofUTF8: "x"))
        #expect(cache.statistics == FileDigestCache.Statistics(trusted: 0, hashed: 1))
        #expect(counting.readCount == 1)
    }

    @Test func deletedFileThrowsAndDropsItsEntry() throws {
        let meta = try write("/p/a.c", "x")
        clock.set(meta.modificationTime + second)
        let cache = makeCache()
        _ = try cache.digest(ofFileAtPath: "/p/a.c", metadata: meta)
        try memory.removeItem(atPath: "/p/a.c")
        var changed = meta
        changed.size = 99
        #expect(throws: FileSystemError.notFound(path: "/p/a.c")) {
            try cache.digest(ofFileAtPath: "/p/a.c", metadata: changed)
        }
        #expect(cache.entries["/p/a.c"] == nil)
        #expect(throws: FileSystemError.notFound(path: "/p/a.c")) { try cache.digest(ofFileAtPath: "/p/a.c") }
    }

    @Test func directoriesAreRefused() throws {
        try memory.createDirectory(atPath: "/p/dir")
        let meta = try #require(try memory.metadata(atPath: "/p/dir"))
        #expect(throws: FileSystemError.wrongKind(path: "/p/dir", expected: "a regular file")) {
            try makeCache().digest(ofFileAtPath: "/p/dir", metadata: meta)
        }
    }

    @Test func removeEntryForgetsAndMarksModified() throws {
        let meta = try write("/p/a.c", "x")
        clock.set(meta.modificationTime + second)
        let seeded = makeCache()
        _ = try seeded.digest(ofFileAtPath: "/p/a.c", metadata: meta)
        let cache = makeCache(entries: seeded.entries)
        cache.removeEntry(forPath: "/nothing")
        #expect(!cache.isModified)
        cache.removeEntry(forPath: "/p/a.c")
        #expect(cache.isModified)
        #expect(cache.entries.isEmpty)
    }

    @Test(.timeLimit(.minutes(1)))
    func hashesIndependentFilesConcurrently() async throws {
        var expected: [String: ContentDigest] = [:]
        for index in 0..<64 {
            _ = try write("/p/f\(index)", String(repeating: "\(index),", count: index + 1))
            expected["/p/f\(index)"] = ContentHasher.digest(ofUTF8: String(repeating: "\(index),", count: index + 1))
        }
        clock.set(100 * second)
        let cache = makeCache()
        let paths = Array(expected.keys)
        for round in 0..<2 {
            let results = try await withThrowingTaskGroup(of: (String, ContentDigest).self) { group in
                for path in paths {
                    group.addTask { (path, try cache.digest(ofFileAtPath: path)) }
                }
                var results: [String: ContentDigest] = [:]
                for try await (path, digest) in group { results[path] = digest }
                return results
            }
            #expect(results == expected, "round \(round)")
        }
        #expect(cache.statistics == FileDigestCache.Statistics(trusted: 64, hashed: 64))
    }

    @Test func realFilesAreTrustedOnceTheirEntryIsOldEnough() throws {
        let dir = try ScratchDirectory()
        let fs = LocalFileSystem()
        let path = dir.appending("real")
        try fs.writeFile(atPath: path, contents: Array("content".utf8))
        let meta = try #require(try fs.metadata(atPath: path))
        let now = FileDigestCache.wallClockNanoseconds()
        #expect(abs(now - meta.changeTime) < 3600 * second)  // file times and our clock agree
        // A later build (clock one minute ahead) re-hashes a racy entry, the one after trusts it.
        let first = FileDigestCache(fileSystem: fs)
        #expect(try first.digest(ofFileAtPath: path, metadata: meta) == ContentHasher.digest(ofUTF8: "content"))
        let secondBuild = FileDigestCache(entries: first.entries, fileSystem: fs, now: { now + 60 * second })
        _ = try secondBuild.digest(ofFileAtPath: path, metadata: meta)
        let third = FileDigestCache(entries: secondBuild.entries, fileSystem: fs, now: { now + 120 * second })
        #expect(try third.digest(ofFileAtPath: path) == ContentHasher.digest(ofUTF8: "content"))
        #expect(third.statistics == FileDigestCache.Statistics(trusted: 1, hashed: 0))

        try fs.writeFile(atPath: path, contents: Array("changed".utf8))
        #expect(try third.digest(ofFileAtPath: path) == ContentHasher.digest(ofUTF8: "changed"))
        #expect(third.statistics.hashed == 1)
    }
}
