import Glibc
import StaskTestSupport
import Testing

@testable import StaskCore
@testable import StaskPosix

@Suite struct LocalFileSystemTests {
    let fs = LocalFileSystem()

    @Test func missingPathHasNoMetadata() throws {
        let dir = try ScratchDirectory()
        #expect(try fs.metadata(atPath: dir.appending("nope")) == nil)
        #expect(try fs.metadata(atPath: dir.appending("nope/deeper")) == nil)
        #expect(try fs.linkMetadata(atPath: dir.appending("nope")) == nil)
    }

    @Test func metadataCarriesNanosecondTimesSizeAndIdentity() throws {
        let dir = try ScratchDirectory()
        let path = dir.appending("f")
        try fs.writeFile(atPath: path, contents: Array("hello".utf8))
        var times = [
            timespec(tv_sec: 1_700_000_000, tv_nsec: 123_456_789),
            timespec(tv_sec: 1_700_000_001, tv_nsec: 987_654_321),
        ]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        let meta = try #require(try fs.metadata(atPath: path))
        #expect(meta.kind == .regularFile)
        #expect(meta.size == 5)
        #expect(meta.modificationTime == 1_700_000_001_987_654_321)
        #expect(meta.changeTime > 1_700_000_001_987_654_321)
        #expect(meta.inode != 0)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(meta.inode == UInt64(info.st_ino))
        #expect(meta.device == UInt64(info.st_dev))
        #expect(try fs.metadata(atPath: dir.path)?.kind == .directory)
    }

    @Test func linkMetadataDescribesTheLinkAndMetadataFollowsIt() throws {
        let dir = try ScratchDirectory()
        try fs.writeFile(atPath: dir.appending("target"), contents: [1, 2, 3])
        #expect(symlink(dir.appending("target"), dir.appending("link")) == 0)
        #expect(try fs.linkMetadata(atPath: dir.appending("link"))?.kind == .symbolicLink)
        #expect(try fs.metadata(atPath: dir.appending("link"))?.kind == .regularFile)
        #expect(try fs.metadata(atPath: dir.appending("link"))?.size == 3)
    }

    @Test func listsDirectoryEntriesSortedBytewiseWithoutDotEntries() throws {
        let dir = try ScratchDirectory()
        for name in ["b", "a", "B", "é", "a b", ".hidden"] {
            try fs.writeFile(atPath: dir.appending(name), contents: [])
        }
        try fs.createDirectory(atPath: dir.appending("sub"))
        #expect(try fs.contentsOfDirectory(atPath: dir.path) == [".hidden", "B", "a", "a b", "b", "sub", "é"])
    }

    @Test func listingAMissingDirectoryIsNotFoundAndAFileIsASystemCallError() throws {
        let dir = try ScratchDirectory()
        #expect(throws: FileSystemError.notFound(path: dir.appending("x"))) {
            try fs.contentsOfDirectory(atPath: dir.appending("x"))
        }
        try fs.writeFile(atPath: dir.appending("f"), contents: [])
        #expect(throws: FileSystemError.systemCall(path: dir.appending("f"), operation: "opendir", errno: ENOTDIR)) {
            try fs.contentsOfDirectory(atPath: dir.appending("f"))
        }
    }

    @Test(arguments: [0, 1, 4095, 4096, 65_537, (1 << 20) + 17])
    func readsBackWhatWasWritten(size: Int) throws {
        let dir = try ScratchDirectory()
        let block = (0..<4093).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        var bytes: [UInt8] = []
        while bytes.count < size { bytes += block.prefix(size - bytes.count) }
        try fs.writeFile(atPath: dir.appending("f"), contents: bytes)
        #expect(try fs.readFile(atPath: dir.appending("f")) == bytes)
    }

    @Test func readingMissingOrDirectoryFails() throws {
        let dir = try ScratchDirectory()
        #expect(throws: FileSystemError.notFound(path: dir.appending("x"))) {
            try fs.readFile(atPath: dir.appending("x"))
        }
        #expect(throws: FileSystemError.systemCall(path: dir.path, operation: "read", errno: EISDIR)) {
            try fs.readFile(atPath: dir.path)
        }
    }

    @Test func writeReplacesAtomicallyCreatingParentsAndLeavingNoTemporaryFiles() throws {
        let dir = try ScratchDirectory()
        let path = dir.appending("a/b/c.txt")
        try fs.writeFile(atPath: path, contents: Array("old".utf8))
        let before = try #require(try fs.metadata(atPath: path))
        try fs.writeFile(atPath: path, contents: Array("new!".utf8))
        let after = try #require(try fs.metadata(atPath: path))
        #expect(try fs.readFile(atPath: path) == Array("new!".utf8))
        // A rename installs a new inode; an in-place rewrite would keep the old one.
        #expect(after.inode != before.inode)
        #expect(try fs.contentsOfDirectory(atPath: dir.appending("a/b")) == ["c.txt"])
    }

    @Test func aCacheFileIsReplacedAtomicallyAsWell() throws {
        let dir = try ScratchDirectory()
        let path = dir.appending("a/b/cache")
        try fs.writeCacheFile(atPath: path, contents: Array("old".utf8))
        let before = try #require(try fs.metadata(atPath: path))
        try fs.writeCacheFile(atPath: path, contents: Array("new!".utf8))
        let after = try #require(try fs.metadata(atPath: path))
        #expect(try fs.readFile(atPath: path) == Array("new!".utf8))
        #expect(after.inode != before.inode)
        #expect(try fs.contentsOfDirectory(atPath: dir.appending("a/b")) == ["cache"])
    }

    @Test func writeUnderAFileFails() throws {
        let dir = try ScratchDirectory()
        try fs.writeFile(atPath: dir.appending("f"), contents: [])
        #expect(throws: FileSystemError.wrongKind(path: dir.appending("f"), expected: "a directory")) {
            try fs.writeFile(atPath: dir.appending("f/g"), contents: [])
        }
    }

    @Test func writeIntoAReadOnlyDirectoryFailsWithTheSystemCall() throws {
        let dir = try ScratchDirectory()
        let sub = dir.appending("ro")
        try fs.createDirectory(atPath: sub)
        #expect(chmod(sub, 0o555) == 0)
        defer { _ = chmod(sub, 0o755) }
        if ScratchDirectory.isRoot {
            try fs.writeFile(atPath: sub + "/f", contents: [1])  // root ignores permissions
        } else {
            #expect(throws: FileSystemError.systemCall(path: sub + "/f", operation: "open", errno: EACCES)) {
                try fs.writeFile(atPath: sub + "/f", contents: [1])
            }
        }
    }

    @Test func createDirectoryMakesParentsAndIsIdempotent() throws {
        let dir = try ScratchDirectory()
        try fs.createDirectory(atPath: dir.appending("x/y/z"))
        try fs.createDirectory(atPath: dir.appending("x/y/z"))
        #expect(try fs.metadata(atPath: dir.appending("x/y/z"))?.kind == .directory)
        try fs.writeFile(atPath: dir.appending("file"), contents: [])
        #expect(throws: FileSystemError.wrongKind(path: dir.appending("file"), expected: "a directory")) {
            try fs.createDirectory(atPath: dir.appending("file"))
        }
    }

    @Test func removeItemRemovesTreesButNotSymlinkTargets() throws {
        let dir = try ScratchDirectory()
        try fs.writeFile(atPath: dir.appending("keep/target"), contents: [1])
        try fs.writeFile(atPath: dir.appending("tree/a/b/file"), contents: [2])
        #expect(symlink(dir.appending("keep"), dir.appending("tree/link")) == 0)
        try fs.removeItem(atPath: dir.appending("tree"))
        #expect(try fs.linkMetadata(atPath: dir.appending("tree")) == nil)
        #expect(try fs.readFile(atPath: dir.appending("keep/target")) == [1])
        try fs.removeItem(atPath: dir.appending("never-there"))
        try fs.removeItem(atPath: dir.appending("keep/target"))
        #expect(try fs.contentsOfDirectory(atPath: dir.appending("keep")).isEmpty)
    }

    @Test func readChunksStreamsTheWholeFileInBufferSizedPieces() throws {
        let dir = try ScratchDirectory()
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
        try fs.writeFile(atPath: dir.appending("f"), contents: bytes)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
        defer { buffer.deallocate() }
        var seen: [UInt8] = []
        var chunkSizes: [Int] = []
        try fs.readChunks(atPath: dir.appending("f"), buffer: buffer) { chunk in
            seen += chunk
            chunkSizes.append(chunk.count)
        }
        #expect(seen == bytes)
        #expect(chunkSizes.allSatisfy { $0 <= 64 })
        #expect(chunkSizes.count == 16)
        var calls = 0
        try fs.writeFile(atPath: dir.appending("empty"), contents: [])
        try fs.readChunks(atPath: dir.appending("empty"), buffer: buffer) { _ in calls += 1 }
        #expect(calls == 0)
    }

    @Test(arguments: [nil, 0, 100, 999, 1000, 1001, 5000] as [UInt64?])
    func readChunksReadsTheWholeFileWhateverSizeWasExpected(_ expected: UInt64?) throws {
        // 100 and 999: the file grew since it was observed; 1001 and 5000: it shrank.
        let dir = try ScratchDirectory()
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try fs.writeFile(atPath: dir.appending("f"), contents: bytes)
        for bufferSize in [64, 1000, 4096] {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 8)
            defer { buffer.deallocate() }
            var seen: [UInt8] = []
            try fs.readChunks(atPath: dir.appending("f"), buffer: buffer, expectedSize: expected) { seen += $0 }
            #expect(seen == bytes, "buffer \(bufferSize), expected \(String(describing: expected))")
        }
    }

    @Test func createDirectoryAcceptsAnExistingDirectoryAndRefusesAFile() throws {
        let dir = try ScratchDirectory()
        try fs.createDirectory(atPath: dir.appending("a/b/c"))
        try fs.createDirectory(atPath: dir.appending("a/b"))
        #expect(try fs.metadata(atPath: dir.appending("a/b/c"))?.kind == .directory)
        try fs.writeFile(atPath: dir.appending("file"), contents: [1])
        #expect(throws: FileSystemError.self) { try fs.createDirectory(atPath: dir.appending("file")) }
        #expect(throws: FileSystemError.self) { try fs.createDirectory(atPath: dir.appending("file/sub")) }
    }

    @Test func appendableFileAppendsTruncatesAndReopensAtTheEnd() throws {
        let dir = try ScratchDirectory()
        let path = dir.appending("journal")
        let file = try fs.openForAppending(atPath: path)
        try file.append(Array("abc".utf8))
        try file.append(Array("def".utf8))
        try file.truncate(toSize: 4)
        try file.append(Array("XY".utf8))
        try file.synchronize()
        file.close()
        file.close()
        #expect(try fs.readFile(atPath: path) == Array("abcdXY".utf8))
        let again = try fs.openForAppending(atPath: path)
        try again.append(Array("!".utf8))
        again.close()
        #expect(try fs.readFile(atPath: path) == Array("abcdXY!".utf8))
        #expect(file.path == path)
    }

    @Test func openForAppendingInAMissingDirectoryFails() throws {
        let dir = try ScratchDirectory()
        #expect(throws: FileSystemError.systemCall(path: dir.appending("no/j"), operation: "open", errno: ENOENT)) {
            try fs.openForAppending(atPath: dir.appending("no/j"))
        }
    }
}

/// `writeFile(atPath:producing:)`: chunks streamed to disk, the header written over the start at the end, and
/// all of it atomic.
@Suite struct LocalFileSystemStreamedWriteTests {
    let fs = LocalFileSystem()

    /// Hands `chunk` to `append` (through memory of its own: `withUnsafeBytes` cannot throw a typed error).
    private func send(
        _ chunk: [UInt8], to append: (UnsafeRawBufferPointer) throws(FileSystemError) -> Void
    ) throws(FileSystemError) {
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk.count, alignment: 1)
        defer { raw.deallocate() }
        raw.copyBytes(from: chunk)
        try append(UnsafeRawBufferPointer(raw))
    }

    @Test func chunksAreWrittenInOrderAndTheHeaderReplacesTheStart() throws {
        let dir = try ScratchDirectory()
        let path = dir.appending("sub/file")
        let size = try fs.writeFile(atPath: path) { (append) throws(FileSystemError) in
            for chunk in [[UInt8](repeating: 0, count: 4), [1, 2, 3], [], [4]] { try send(chunk, to: append) }
            return [9, 9]
        }
        #expect(size == 8)
        #expect(try fs.readFile(atPath: path) == [9, 9, 0, 0, 1, 2, 3, 4])
        #expect(try fs.contentsOfDirectory(atPath: dir.appending("sub")) == ["file"])
    }

    @Test func aFailureWhileProducingLeavesTheOldFileAndNoTemporaryFile() throws {
        let dir = try ScratchDirectory()
        let path = dir.appending("file")
        try fs.writeFile(atPath: path, contents: Array("old".utf8))
        #expect(throws: FileSystemError.self) {
            _ = try fs.writeFile(atPath: path) { (append) throws(FileSystemError) in
                try send([UInt8](repeating: 1, count: 10), to: append)
                throw .notFound(path: "produce")
            }
        }
        #expect(try fs.readFile(atPath: path) == Array("old".utf8))
        #expect(try fs.contentsOfDirectory(atPath: dir.path) == ["file"])
    }
}

/// `withPathExaminer(below:_:)`, the no-op stamp's check on the real file system, must answer exactly as
/// one `stat`/`lstat` a path would.
@Suite struct LocalFileSystemPathExaminerTests {
    let fs = LocalFileSystem()

    func observe(_ path: String, follows: Bool = true) throws -> FileObservation {
        FileObservation(
            path: path, followsLinks: follows,
            metadata: follows ? try fs.metadata(atPath: path) : try fs.linkMetadata(atPath: path))
    }

    /// Whether every observation still holds, as the examiner sees it from `directory`.
    func areUnchanged(_ observations: [FileObservation], below directory: String) -> Bool {
        fs.withPathExaminer(below: directory) { examine in
            observations.allSatisfy { observation in
                Array(observation.path.utf8).withUnsafeBytes { path in
                    examine(path, observation.followsLinks) == .some(observation.metadata)
                }
            }
        }
    }

    @Test func answersAsOneStatAPathWouldInsideAndOutsideTheDirectory() throws {
        let project = try ScratchDirectory()
        let outside = try ScratchDirectory()
        try fs.writeFile(atPath: project.appending("src/a.txt"), contents: Array("a".utf8))
        try fs.writeFile(atPath: outside.appending("b.txt"), contents: Array("b".utf8))
        #expect(symlink(project.appending("src/a.txt"), project.appending("link")) == 0)
        let observations = [
            try observe(project.appending("src/a.txt")),
            try observe(project.appending("src")),
            try observe(outside.appending("b.txt")),
            try observe(project.appending("missing")),
            try observe(project.appending("src/a.txt/not-a-directory")),
            try observe(project.appending("link"), follows: false),
            try observe(project.appending("link")),
        ]
        #expect(observations[3].metadata == nil && observations[4].metadata == nil)
        #expect(observations[5].metadata?.kind == .symbolicLink && observations[6].metadata?.kind == .regularFile)
        #expect(areUnchanged(observations, below: project.path))
        #expect(areUnchanged(observations, below: "/nonexistent-stask-directory"))  // every path absolute

        let changes: [() throws -> Void] = [
            { try fs.writeFile(atPath: project.appending("src/a.txt"), contents: Array("A".utf8)) },
            { try fs.writeFile(atPath: project.appending("src/new.txt"), contents: []) },
            { try fs.writeFile(atPath: outside.appending("b.txt"), contents: Array("bb".utf8)) },
            { try fs.writeFile(atPath: project.appending("missing"), contents: []) },
        ]
        for index in changes.indices {
            let before = try observations.map { try observe($0.path, follows: $0.followsLinks) }
            #expect(areUnchanged(before, below: project.path))
            try changes[index]()
            #expect(!areUnchanged(before, below: project.path), "change \(index)")
        }
    }

    @Test func relativePathsAreRelativeToTheDirectoryNotTheWorkingDirectory() throws {
        let project = try ScratchDirectory()
        try fs.writeFile(atPath: project.appending("src/a.txt"), contents: Array("a".utf8))
        let absolute = [try observe(project.appending("src/a.txt")), try observe(project.appending("src"))]
        let relative = [
            FileObservation(path: "src/a.txt", followsLinks: true, metadata: absolute[0].metadata),
            FileObservation(path: "src", followsLinks: true, metadata: absolute[1].metadata),
            FileObservation(path: "missing", followsLinks: false, metadata: nil),
        ]
        #expect(String(cString: getcwd(nil, 0)) != project.path)
        #expect(areUnchanged(relative, below: project.path))
        // Without the directory a relative path cannot be examined, which counts as a change.
        #expect(!areUnchanged([relative[0]], below: "/nonexistent-stask-directory"))
        try fs.writeFile(atPath: project.appending("missing"), contents: [])
        #expect(!areUnchanged([relative[2]], below: project.path))
    }

    @Test func retargetedLinkIsSeenOnlyThroughTheFollowingObservation() throws {
        let project = try ScratchDirectory()
        try fs.writeFile(atPath: project.appending("one"), contents: Array("1".utf8))
        try fs.writeFile(atPath: project.appending("two"), contents: Array("22".utf8))
        #expect(symlink("one", project.appending("link")) == 0)
        let followed = [try observe(project.appending("link"))]
        #expect(areUnchanged(followed, below: project.path))
        #expect(unlink(project.appending("link")) == 0 && symlink("two", project.appending("link")) == 0)
        #expect(!areUnchanged(followed, below: project.path))
    }

    @Test func pathLongerThanTheScratchBufferCannotBeExaminedAndCountsAsChanged() throws {
        let project = try ScratchDirectory()
        let long = project.appending(String(repeating: "d/", count: 2500) + "f")  // past PATH_MAX
        let answer = fs.withPathExaminer(below: project.path) { examine in
            Array(long.utf8).withUnsafeBytes { examine($0, true) }
        }
        #expect(answer == nil)
        #expect(!areUnchanged([FileObservation(path: long, followsLinks: true, metadata: nil)], below: project.path))
    }

    /// Thousands of paths at once (enough for several slices): each answer is the one the examiner gives
    /// that path alone, in order, whatever mix of present, absent, relative, absolute and linked paths.
    @Test func examiningManyPathsAtOnceAnswersAsEachAloneInOrder() throws {
        let project = try ScratchDirectory()
        let outside = try ScratchDirectory()
        try fs.writeFile(atPath: outside.appending("b.txt"), contents: Array("b".utf8))
        var words: [(String, Bool)] = []
        for index in 0..<10_000 {
            switch index % 5 {
            case 0:
                try fs.writeFile(atPath: project.appending("src/f\(index)"), contents: Array("\(index)".utf8))
                words.append(("src/f\(index)", true))
            case 1: words.append(("missing/\(index)", false))
            case 2: words.append((outside.appending("b.txt"), index % 2 == 0))
            case 3:
                #expect(symlink("src/f\(index - 3)", project.appending("link\(index)")) == 0)
                words.append(("link\(index)", index % 2 == 0))
            default: words.append((project.appending("src"), true))
            }
        }
        // Every path in one buffer, as the stamp holds them.
        var buffer: [UInt8] = []
        var ranges: [Range<Int>] = []
        for word in words {
            ranges.append(buffer.count..<(buffer.count + word.0.utf8.count))
            buffer += word.0.utf8
        }
        let (together, alone) = buffer.withUnsafeBytes { raw in
            let paths = zip(ranges, words).map { (UnsafeRawBufferPointer(rebasing: raw[$0.0]), $0.1.1) }
            let together = fs.examineAll(paths, below: project.path)
            let alone = fs.withPathExaminer(below: project.path) { examine in paths.map { examine($0.0, $0.1) } }
            return (together, alone)
        }
        #expect(together.count == words.count)
        #expect(together == alone)
        #expect(together[1] == .some(nil) && together[3]??.kind == .symbolicLink && together[8]??.kind == .regularFile)
    }
}
