import Glibc
import StaskTestSupport
import Testing

@testable import StaskCore
@testable import StaskPosix

@Suite struct BuildStateStoreTests {
    let fs = LocalFileSystem()

    @Test func freshDirectoryOpensEmptyWithoutWarnings() throws {
        let dir = try ScratchDirectory()
        let stateDirectory = dir.appending(".stask")
        let (store, warnings) = try BuildStateStore.open(directory: stateDirectory, fileSystem: fs)
        #expect(warnings.isEmpty)
        #expect(store.state == BuildState())
        #expect(store.record(for: "x") == nil)
        try store.close()
        try store.close()
        #expect(try fs.contentsOfDirectory(atPath: stateDirectory) == [BuildStateStore.journalFileName])
        #expect(try fs.readFile(atPath: store.journalPath) == Array("STASKJNL".utf8) + [2, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func discoveredInputsSurviveTheJournalTheSnapshotAndAnInvalidation() throws {
        let dir = try ScratchDirectory()
        let discovered = [
            DiscoveredInput(path: "/usr/include/stdio.h", digest: ContentHasher.digest(ofUTF8: "stdio")),
            DiscoveredInput(path: "inc/a b.h", digest: ContentHasher.digest(ofUTF8: "a")),
        ]
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        var run = StateSamples.run("a")
        run.discoveredInputs = discovered
        let a = try store.recordSuccess(run)
        try store.recordSuccess(StateSamples.run("b", seed: 2))
        #expect(a.discoveredInputs == discovered)
        try store.close()
        for threshold in [BuildStateStore.minimumCompactionSize, 0] {
            let (reopened, warnings) = try BuildStateStore.open(
                directory: dir.path, fileSystem: fs, minimumCompactionSize: threshold)
            #expect(warnings.isEmpty)
            #expect(reopened.record(for: "a")?.discoveredInputs == discovered)
            #expect(reopened.record(for: "b")?.discoveredInputs == [])
            try reopened.close()
        }
        let (last, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs, minimumCompactionSize: 0)
        try last.invalidate("a")
        try last.close()
        let (again, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(again.record(for: "a") == nil)
        #expect(again.state.records["a"]?.discoveredInputs == discovered)
        try again.close()
    }

    @Test func stateSurvivesCloseAndReopenIdentically() throws {
        let dir = try ScratchDirectory()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        let a = try store.recordSuccess(StateSamples.run("a"))
        try store.recordSuccess(StateSamples.run("b", seed: 2))
        try store.recordSuccess(
            SuccessfulRun(
                id: "empty", outputDigests: [:], wallTime: .zero, cpuTime: .zero,
                keyInputs: ActionKeyInputs(commands: [], directory: "")))
        try store.updateItemDurations(forTask: "test", ["t/a.sh": 1.5, "t/b b.sh": 0.25])
        try store.updateStatCache([
            "/p/src/a.c": StateSamples.statEntry("/p/src/a.c", inode: 7),
            "/p/ünï": StateSamples.statEntry("/p/ünï", inode: .max),
        ])
        let expected = store.state
        #expect(expected.records.count == 3)
        #expect(expected.statCache.count == 2)
        #expect(a.actionKey == StateSamples.run("a").keyInputs.actionKey)
        try store.close()
        #expect(try fs.contentsOfDirectory(atPath: dir.path) == [BuildStateStore.journalFileName])

        // Once from the journal, then (compacted) from the snapshot.
        for threshold in [BuildStateStore.minimumCompactionSize, 0] {
            let (reopened, warnings) = try BuildStateStore.open(
                directory: dir.path, fileSystem: fs, minimumCompactionSize: threshold)
            #expect(warnings.isEmpty)
            #expect(reopened.state == expected)
            #expect(reopened.record(for: "a") == a)
            #expect(reopened.record(for: "a")?.keyInputs == a.keyInputs)
            #expect(reopened.itemDurations(forTask: "test") == ["t/a.sh": 1.5, "t/b b.sh": 0.25])
            #expect(reopened.statCacheEntries == expected.statCache)
            try reopened.close()
        }
        #expect(try fs.metadata(atPath: dir.appending(BuildStateStore.snapshotFileName)) != nil)
        let (fromSnapshot, _) = BuildStateStore.load(directory: dir.path, fileSystem: fs)
        #expect(fromSnapshot == expected)
    }

    /// A run with `count` inputs: its record is large when `count` is in the thousands.
    static func aggregateRun(inputs count: Int) -> SuccessfulRun {
        var digests: [String: ContentDigest] = [:]
        for index in 0..<count {
            digests["out/f\(index).txt"] = ContentHasher.digest(of: Array("\(index)".utf8))
        }
        return SuccessfulRun(
            id: "all", outputDigests: ["all.txt": ContentHasher.digest(of: [1])], wallTime: .seconds(1),
            cpuTime: .zero,
            keyInputs: ActionKeyInputs(commands: ["cat"], directory: ".", inputDigests: digests))
    }

    @Test(arguments: [1, 5_000])
    func aRecordJournaledInTwoPartsIsTheSameEntry(inputs: Int) throws {
        let record = EncodedTaskRecord(Self.aggregateRun(inputs: inputs).record(after: nil))
        let whole = BuildStateJournal.encodeSuccess(record)
        #expect(BuildStateJournal.successHeader(for: record) + record.bytes == whole)
        #expect((record.bytes.count >= BuildStateJournal.separateWriteSize) == (inputs > 1))
    }

    @Test func aLargeRecordIsReplayedFromTheJournal() throws {
        let dir = try ScratchDirectory()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        let big = try store.recordSuccess(Self.aggregateRun(inputs: 5_000))
        let small = try store.recordSuccess(StateSamples.run("after"))
        try store.close()
        #expect(try fs.contentsOfDirectory(atPath: dir.path) == [BuildStateStore.journalFileName])
        let (reopened, warnings) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(warnings.isEmpty)
        #expect(reopened.record(for: "all") == big)
        #expect(reopened.record(for: "all")?.keyInputs == big.keyInputs)
        #expect(reopened.record(for: "after") == small)
        try reopened.close()
    }

    @Test func statCacheChangesAddReplaceAndRemoveEntries() throws {
        let dir = try ScratchDirectory()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        try store.updateStatCache([
            "/a": StateSamples.statEntry("/a", inode: 1), "/b": StateSamples.statEntry("/b", inode: 2),
        ])
        try store.updateStatCache(["/a": nil, "/b": StateSamples.statEntry("/b", inode: 3), "/c": nil])
        try store.updateStatCache([:])
        let expected = ["/b": StateSamples.statEntry("/b", inode: 3)]
        #expect(store.statCacheEntries == expected)
        #expect(BuildStateStore.load(directory: dir.path, fileSystem: fs).state.statCache == expected)
        try store.close()
    }

    @Test func largeStatCacheChangeSetsAreSplitAcrossJournalEntries() async throws {
        try await onOwnThread {
            let dir = try ScratchDirectory()
            let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
            var changes: [String: FileDigestCache.Entry?] = [:]
            for index in 0..<8_200 {
                changes["/p/f\(index)"] = StateSamples.statEntry("/p/f\(index)", inode: UInt64(index))
            }
            try store.updateStatCache(changes)
            let replay = BuildStateJournal.decode(try fs.readFile(atPath: store.journalPath))
            #expect(replay.entries.count == 3)
            #expect(BuildStateStore.load(directory: dir.path, fileSystem: fs).state.statCache.count == 8_200)
            try store.close()
        }
    }

    @Test func noOpBuildWritesNothing() throws {
        let dir = try ScratchDirectory()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs, minimumCompactionSize: 0)
        try store.recordSuccess(StateSamples.run("a"))
        try store.close()
        let snapshot = try #require(try fs.metadata(atPath: store.snapshotPath))
        let (build, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        let journal = try #require(try fs.metadata(atPath: store.journalPath))
        _ = build.record(for: "a")
        try build.close()
        #expect(try fs.metadata(atPath: store.snapshotPath) == snapshot)
        #expect(try fs.metadata(atPath: store.journalPath) == journal)
        #expect(
            try fs.contentsOfDirectory(atPath: dir.path) == [
                BuildStateStore.journalFileName, BuildStateStore.snapshotFileName,
            ])
    }

    @Test func smallChangesAppendToTheJournalInsteadOfRewritingTheSnapshot() throws {
        let dir = try ScratchDirectory()
        let (first, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs, minimumCompactionSize: 0)
        for index in 0..<20 { try first.recordSuccess(StateSamples.run("t\(index)")) }
        try first.close()
        let snapshot = try #require(try fs.metadata(atPath: first.snapshotPath))
        for round in 0..<3 {
            let (build, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
            try build.recordSuccess(StateSamples.run("t\(round)", seed: round + 1))
            try build.close()
        }
        #expect(try fs.metadata(atPath: first.snapshotPath) == snapshot)
        let (state, warnings) = BuildStateStore.load(directory: dir.path, fileSystem: fs)
        #expect(warnings.isEmpty)
        #expect(state.validRecord(for: "t2")?.successCount == 2)
        #expect(state.records.count == 20)
    }

    @Test func journalIsCompactedOnceItOutgrowsTheThreshold() throws {
        let dir = try ScratchDirectory()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs, minimumCompactionSize: 4096)
        try store.recordSuccess(StateSamples.run("a"))
        let small = store.state
        try store.close()
        #expect(try fs.metadata(atPath: store.snapshotPath) == nil)
        let (bigger, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs, minimumCompactionSize: 4096)
        #expect(bigger.state == small)
        for index in 0..<40 { try bigger.recordSuccess(StateSamples.run("b\(index)")) }
        let expected = bigger.state
        try bigger.close()
        #expect(try fs.contentsOfDirectory(atPath: dir.path) == [BuildStateStore.snapshotFileName])
        #expect(BuildStateStore.load(directory: dir.path, fileSystem: fs).state == expected)
    }

    @Test func recordsAfterACrashAreReplayedFromTheJournal() throws {
        let dir = try ScratchDirectory()
        do {
            let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
            try store.recordSuccess(StateSamples.run("kept"))
            try store.close()
        }
        var expected = BuildState()
        do {
            // No close(): the process "dies" with its journal on disk.
            let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
            try store.recordSuccess(StateSamples.run("a"))
            try store.recordSuccess(StateSamples.run("a", seed: 1, wall: .milliseconds(20)))
            try store.invalidate("kept")
            try store.updateItemDurations(forTask: "test", ["x": 2])
            expected = store.state
        }
        let (reopened, warnings) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(warnings.isEmpty)
        #expect(reopened.state.records == expected.records)
        #expect(reopened.state.itemDurations == expected.itemDurations)
        #expect(reopened.record(for: "a")?.successCount == 2)
        #expect(reopened.record(for: "kept") == nil)
        try reopened.close()
    }

    @Test func replayingAJournalTheSnapshotAlreadyContainsChangesNothing() throws {
        let dir = try ScratchDirectory()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs, minimumCompactionSize: 0)
        try store.recordSuccess(StateSamples.run("a"))
        try store.invalidate("a")
        try store.recordSuccess(StateSamples.run("b"))
        try store.updateItemDurations(forTask: "t", ["i": 1])
        let journal = try fs.readFile(atPath: store.journalPath)
        let expected = store.state
        try store.close()
        // A crash between installing the snapshot and deleting the journal leaves both behind.
        try fs.writeFile(atPath: store.journalPath, contents: journal)
        let (reopened, warnings) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(warnings.isEmpty)
        #expect(reopened.state == expected)
        try reopened.close()
    }

    @Test func successUpdatesTheMovingAverageAndCount() throws {
        let dir = try ScratchDirectory()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        let first = try store.recordSuccess(StateSamples.run("a", wall: .seconds(10)))
        #expect(first.estimatedDuration == .seconds(10))
        #expect(first.successCount == 1)
        let second = try store.recordSuccess(StateSamples.run("a", wall: .seconds(20)))
        #expect(second.estimatedDuration == .seconds(13))
        #expect(second.successCount == 2)
        #expect(second.wallTime == .seconds(20))
        #expect(store.estimatedDuration(for: "a") == .seconds(13))
        try store.close()
    }

    @Test func invalidatedRecordIsNeverUpToDateButKeepsItsEstimate() throws {
        let dir = try ScratchDirectory()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        try store.recordSuccess(StateSamples.run("a", wall: .seconds(4)))
        try store.invalidate("a")
        #expect(store.record(for: "a") == nil)
        #expect(store.estimatedDuration(for: "a") == .seconds(4))
        #expect(store.state.records["a"]?.isInvalidated == true)
        try store.close()

        let (reopened, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(reopened.record(for: "a") == nil)
        let again = try reopened.recordSuccess(StateSamples.run("a", wall: .seconds(4)))
        #expect(!again.isInvalidated)
        #expect(again.successCount == 2)
        #expect(reopened.record(for: "a") == again)
        try reopened.close()
    }

    @Test func invalidatingASnapshotRecordSurvivesACrash() throws {
        let dir = try ScratchDirectory()
        let (first, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs, minimumCompactionSize: 0)
        try first.recordSuccess(StateSamples.run("a"))
        try first.close()
        do {
            let (second, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
            #expect(second.record(for: "a") != nil)
            try second.invalidate("a")
            try second.invalidate("a")
            #expect(second.record(for: "a") == nil)
        }
        let (third, warnings) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(warnings.isEmpty)
        #expect(third.record(for: "a") == nil)
        #expect(third.estimatedDuration(for: "a") == .milliseconds(120))
        try third.close()
    }

    @Test func digestCacheFromTheStoreTrustsSavedEntriesAndSavesItsChanges() throws {
        let memory = InMemoryFileSystem()
        try memory.writeFile(atPath: "/p/a.c", contents: Array("a".utf8))
        try memory.writeFile(atPath: "/p/b.c", contents: Array("b".utf8))
        let later: @Sendable () -> Int64 = { 1_000_000_000_000 }
        do {
            let (store, _) = try BuildStateStore.open(
                directory: "/p/.stask", fileSystem: memory, minimumCompactionSize: 0)
            let cache = store.makeDigestCache(fileSystem: memory, now: later)
            _ = try cache.digest(ofFileAtPath: "/p/a.c")
            _ = try cache.digest(ofFileAtPath: "/p/b.c")
            try store.updateStatCache(cache.changedEntries)
            try store.close()
        }
        let (store, _) = try BuildStateStore.open(directory: "/p/.stask", fileSystem: memory)
        let cache = store.makeDigestCache(fileSystem: memory, now: later)
        #expect(try cache.digest(ofFileAtPath: "/p/a.c") == ContentHasher.digest(ofUTF8: "a"))
        #expect(cache.statistics == FileDigestCache.Statistics(trusted: 1, hashed: 0))
        #expect(cache.changedEntries.isEmpty)
        cache.removeEntry(forPath: "/p/b.c")
        #expect(Set(cache.entries.keys) == ["/p/a.c"])
        try store.updateStatCache(cache.changedEntries)
        try store.close()
        #expect(
            Set(BuildStateStore.load(directory: "/p/.stask", fileSystem: memory).state.statCache.keys) == ["/p/a.c"])
    }

    @Test func invalidatingAnUnknownTaskWritesNothing() throws {
        let dir = try ScratchDirectory()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        try store.invalidate("never-built")
        try store.close()
        #expect(try fs.metadata(atPath: store.journalPath)?.size == UInt64(BuildStateJournal.headerSize))
    }

    @Test func itemDurationsMergeAndCleanBadValues() throws {
        let dir = try ScratchDirectory()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        try store.updateItemDurations(forTask: "t", ["a": 1, "b": 2])
        try store.updateItemDurations(forTask: "t", ["b": 3, "c": -1, "d": .nan])
        #expect(store.itemDurations(forTask: "t") == ["a": 1, "b": 3, "c": 0, "d": 0])
        #expect(store.itemDurations(forTask: "other").isEmpty)
        try store.close()
    }

    @Test(.timeLimit(.minutes(1)))
    func concurrentRecordsAllReachTheJournal() async throws {
        let dir = try ScratchDirectory()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask { try store.recordSuccess(StateSamples.run("task\(index)", seed: index)) }
            }
            try await group.waitForAll()
        }
        let expected = store.state
        // Read the journal as a crash would leave it.
        let (loaded, warnings) = BuildStateStore.load(directory: dir.path, fileSystem: fs)
        #expect(warnings.isEmpty)
        #expect(loaded == expected)
        #expect(loaded.records.count == 200)
        try store.close()
    }

    @Test func loadReadsWithoutCreatingOrWritingAnything() throws {
        let dir = try ScratchDirectory()
        let missing = dir.appending("nothing/.stask")
        let (empty, warnings) = BuildStateStore.load(directory: missing, fileSystem: fs)
        #expect(empty == BuildState() && warnings.isEmpty)
        #expect(try fs.metadata(atPath: dir.appending("nothing")) == nil)

        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        try store.recordSuccess(StateSamples.run("a"))
        try store.close()
        let before = try fs.contentsOfDirectory(atPath: dir.path)
        let (loaded, _) = BuildStateStore.load(directory: dir.path, fileSystem: fs)
        #expect(loaded.validRecord(for: "a") != nil)
        #expect(try fs.contentsOfDirectory(atPath: dir.path) == before)
    }

    @Test func worksOverTheInMemoryFileSystem() throws {
        let memory = InMemoryFileSystem()
        let (store, _) = try BuildStateStore.open(directory: "/p/.stask", fileSystem: memory)
        try store.recordSuccess(StateSamples.run("a"))
        let crashed = BuildStateStore.load(directory: "/p/.stask", fileSystem: memory).state
        #expect(crashed.validRecord(for: "a") != nil)
        try store.close()
        let (reopened, warnings) = try BuildStateStore.open(directory: "/p/.stask", fileSystem: memory)
        #expect(warnings.isEmpty)
        #expect(reopened.state == store.state)
        try reopened.close()
    }

    /// The snapshot is written in chunks (`StateSnapshot.encode(_:emit:)`); one several chunks long must
    /// read back, byte for byte the file the one-array encoding makes, on disk and in memory.
    @Test func snapshotOfManyChunksIsStreamedAndReadsBack() async throws {
        try await onOwnThread {
            let dir = try ScratchDirectory()
            let memory = InMemoryFileSystem()
            for fileSystem in [fs as any FileSystem, memory] {
                let directory = fileSystem is LocalFileSystem ? dir.path : "/state"
                let (store, _) = try BuildStateStore.open(directory: directory, fileSystem: fileSystem)
                var cache: [String: FileDigestCache.Entry?] = [:]
                for index in 0..<12_000 {
                    try store.recordSuccess(StateSamples.run("compile[src/f\(index).c]", seed: index))
                    cache["src/f\(index).c"] = StateSamples.statEntry("src/f\(index).c", inode: UInt64(index))
                }
                try store.updateStatCache(cache)
                let expected = store.state
                try store.close()
                let bytes = try fileSystem.readFile(atPath: directory + "/" + BuildStateStore.snapshotFileName)
                #expect(bytes.count > 2 * StateSnapshot.chunkSize)
                #expect(bytes == StateSnapshot.encode(expected))
                let (loaded, warnings) = BuildStateStore.load(directory: directory, fileSystem: fileSystem)
                #expect(warnings.isEmpty)
                #expect(loaded == expected)
            }
        }
    }

    @Test func thousandsOfRecordsRoundTripThroughACompaction() async throws {
        try await onOwnThread {
            let dir = try ScratchDirectory()
            let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
            var cache: [String: FileDigestCache.Entry?] = [:]
            for index in 0..<2_000 {
                try store.recordSuccess(StateSamples.run("compile[src/f\(index).c]", seed: index))
                cache["/p/src/f\(index).c"] = StateSamples.statEntry("/p/src/f\(index).c", inode: UInt64(index))
            }
            try store.updateStatCache(cache)
            let expected = store.state
            try store.close()
            #expect(try fs.contentsOfDirectory(atPath: dir.path) == [BuildStateStore.snapshotFileName])
            let (loaded, warnings) = BuildStateStore.load(directory: dir.path, fileSystem: fs)
            #expect(warnings.isEmpty)
            #expect(loaded == expected)
        }
    }
}
