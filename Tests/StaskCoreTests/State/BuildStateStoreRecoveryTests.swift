import Glibc
import StaskTestSupport
import Synchronization
import Testing

@testable import StaskCore
@testable import StaskPosix

/// Damaged, foreign and unwritable state: warnings and rebuilds, never crashes; errors before any task runs.
@Suite struct BuildStateStoreRecoveryTests {
    let fs = LocalFileSystem()

    /// Writes a snapshot holding records `a` and `b`, and returns its path.
    private func writeSnapshot(in dir: ScratchDirectory) throws -> String {
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs, minimumCompactionSize: 0)
        try store.recordSuccess(StateSamples.run("a"))
        try store.recordSuccess(StateSamples.run("b"))
        try store.close()
        return store.snapshotPath
    }

    /// Leaves a journal with records `r0`…`r(count-1)` behind, as a crash would, and returns its path.
    private func writeJournal(in dir: ScratchDirectory, count: Int) throws -> String {
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        for index in 0..<count { try store.recordSuccess(StateSamples.run("r\(index)")) }
        return store.journalPath
    }

    /// Opens the state, expecting exactly one warning, and checks that the next close repairs the files.
    private func openExpectingOneWarning(_ dir: ScratchDirectory) throws -> (BuildState, BuildStateWarning) {
        let (store, warnings) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(warnings.count == 1)
        let warning = try #require(warnings.first)
        let state = store.state
        try store.close()
        let (_, afterRepair) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(afterRepair.isEmpty, "the damaged file is rewritten by close()")
        return (state, warning)
    }

    @Test func bitFlipInTheSnapshotIsAWarningAndAFullRebuild() throws {
        let dir = try ScratchDirectory()
        let path = try writeSnapshot(in: dir)
        var bytes = try fs.readFile(atPath: path)
        bytes[bytes.count / 2] ^= 0x10
        try fs.writeFile(atPath: path, contents: bytes)
        let (state, warning) = try openExpectingOneWarning(dir)
        #expect(warning == BuildStateWarning(path: path, reason: .checksumMismatch))
        #expect(state == BuildState())
        #expect(
            warning.description
                == "\(path): warning: build state is corrupt (checksum mismatch); every task will run again")
    }

    @Test func futureVersionIsAWarning() throws {
        let dir = try ScratchDirectory()
        let path = try writeSnapshot(in: dir)
        var bytes = try fs.readFile(atPath: path)
        bytes[8] = 2
        try fs.writeFile(atPath: path, contents: bytes)
        let (state, warning) = try openExpectingOneWarning(dir)
        #expect(warning.reason == .unsupportedVersion(found: 2, supported: 1))
        #expect(state.records.isEmpty)
        #expect(warning.description.contains("format version 2, this stask reads version 1"))
    }

    @Test(arguments: [
        ("empty", [UInt8](), BuildStateWarning.Reason.empty),
        ("garbage", Array("hello, I am not a state file at all".utf8), .badMagic),
        ("short", Array("STASKSNP\u{1}".utf8), .truncated),
    ])
    func foreignSnapshotsAreWarnings(name: String, contents: [UInt8], reason: BuildStateWarning.Reason) throws {
        let dir = try ScratchDirectory()
        let path = dir.appending(BuildStateStore.snapshotFileName)
        try fs.writeFile(atPath: path, contents: contents)
        let (state, warning) = try openExpectingOneWarning(dir)
        #expect(warning == BuildStateWarning(path: path, reason: reason))
        #expect(state == BuildState())
    }

    @Test func truncatedSnapshotIsAWarning() throws {
        let dir = try ScratchDirectory()
        let path = try writeSnapshot(in: dir)
        let bytes = try fs.readFile(atPath: path)
        try fs.writeFile(atPath: path, contents: Array(bytes.dropLast(10)))
        let (_, warning) = try openExpectingOneWarning(dir)
        #expect(warning.reason == .truncated)
    }

    @Test func trailingBytesAfterTheSnapshotAreAWarning() throws {
        let dir = try ScratchDirectory()
        let path = try writeSnapshot(in: dir)
        try fs.writeFile(atPath: path, contents: try fs.readFile(atPath: path) + [0])
        let (_, warning) = try openExpectingOneWarning(dir)
        #expect(warning.reason == .malformed("1 trailing bytes"))
    }

    @Test func unreadableSnapshotIsAWarningAndIsReplaced() throws {
        let dir = try ScratchDirectory()
        let path = try writeSnapshot(in: dir)
        let expectedError: FileSystemError
        if ScratchDirectory.isRoot {
            // chmod 000 does not stop root; a directory in the file's place is unreadable for everyone.
            try fs.removeItem(atPath: path)
            try fs.createDirectory(atPath: path + "/inside")
            expectedError = .systemCall(path: path, operation: "read", errno: EISDIR)
        } else {
            #expect(chmod(path, 0) == 0)
            expectedError = .systemCall(path: path, operation: "open", errno: EACCES)
        }
        let (state, warning) = try openExpectingOneWarning(dir)
        #expect(warning == BuildStateWarning(path: path, reason: .unreadable(expectedError)))
        #expect(state == BuildState())
        #expect(try fs.metadata(atPath: path)?.kind == .regularFile)
    }

    @Test func tornJournalTailKeepsEarlierEntriesWithAWarning() throws {
        let dir = try ScratchDirectory()
        let path = try writeJournal(in: dir, count: 3)
        let bytes = try fs.readFile(atPath: path)
        let cut = 7
        try fs.writeFile(atPath: path, contents: Array(bytes.dropLast(cut)))
        let (store, warnings) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        let lastEntrySize = bytes.count - (try journalSize(records: 2))
        #expect(
            warnings == [
                BuildStateWarning(
                    path: path, reason: .damagedJournalTail(keptEntries: 2, ignoredBytes: lastEntrySize - cut))
            ])
        #expect(Set(store.state.records.keys) == ["r0", "r1"])
        try store.close()
    }

    @Test func corruptJournalEntryDropsItAndEverythingAfter() throws {
        let dir = try ScratchDirectory()
        let path = try writeJournal(in: dir, count: 3)
        var bytes = try fs.readFile(atPath: path)
        let secondEntry = try journalSize(records: 1)
        bytes[secondEntry + 20] ^= 1
        try fs.writeFile(atPath: path, contents: bytes)
        let (store, warnings) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(
            warnings == [
                BuildStateWarning(
                    path: path, reason: .damagedJournalTail(keptEntries: 1, ignoredBytes: bytes.count - secondEntry))
            ])
        #expect(Array(store.state.records.keys) == ["r0"])
        try store.close()
    }

    /// The size of a journal holding `records` entries `r0`…, measured by writing one.
    private func journalSize(records: Int) throws -> Int {
        let dir = try ScratchDirectory()
        return try fs.readFile(atPath: writeJournal(in: dir, count: records)).count
    }

    @Test(arguments: [
        ("garbage", Array("not a journal".utf8), BuildStateWarning.Reason.badMagic),
        ("future", Array("STASKJNL".utf8) + [9, 0, 0, 0, 0, 0, 0, 0], .unsupportedVersion(found: 9, supported: 2)),
        ("short header", Array("STASKJNL".utf8) + [1], .truncated),
    ])
    func foreignJournalsAreIgnoredWithAWarning(name: String, contents: [UInt8], reason: BuildStateWarning.Reason)
        throws
    {
        let dir = try ScratchDirectory()
        let snapshot = try writeSnapshot(in: dir)
        let journal = dir.appending(BuildStateStore.journalFileName)
        try fs.writeFile(atPath: journal, contents: contents)
        let (store, warnings) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(warnings == [BuildStateWarning(path: journal, reason: reason)])
        #expect(Set(store.state.records.keys) == ["a", "b"])
        try store.close()
        #expect(try fs.metadata(atPath: snapshot) != nil)
    }

    @Test func emptyJournalIsNoDamage() throws {
        let dir = try ScratchDirectory()
        try fs.writeFile(atPath: dir.appending(BuildStateStore.journalFileName), contents: [])
        let (store, warnings) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(warnings.isEmpty)
        try store.close()
    }

    @Test func unreadableJournalIsAWarningAndReplaced() throws {
        let dir = try ScratchDirectory()
        let journal = dir.appending(BuildStateStore.journalFileName)
        try fs.createDirectory(atPath: journal + "/x")
        let (store, warnings) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(
            warnings == [
                BuildStateWarning(
                    path: journal, reason: .unreadable(.systemCall(path: journal, operation: "read", errno: EISDIR)))
            ])
        try store.recordSuccess(StateSamples.run("a"))
        #expect(BuildStateStore.load(directory: dir.path, fileSystem: fs).state.validRecord(for: "a") != nil)
        try store.close()
    }

    @Test func readOnlyStateDirectoryIsAnErrorBeforeAnythingRuns() throws {
        let dir = try ScratchDirectory()
        let stateDirectory = dir.appending(".stask")
        try fs.createDirectory(atPath: stateDirectory)
        if ScratchDirectory.isRoot {
            // Root writes through chmod; inject the EROFS a read-only mount gives.
            let readOnly = FaultInjectingFileSystem(base: fs, faults: .init(openForAppending: EROFS))
            let journal = stateDirectory + "/" + BuildStateStore.journalFileName
            #expect(
                throws: BuildStateError.notWritable(
                    path: journal, underlying: .systemCall(path: journal, operation: "open", errno: EROFS))
            ) {
                try BuildStateStore.open(directory: stateDirectory, fileSystem: readOnly)
            }
        } else {
            #expect(chmod(stateDirectory, 0o555) == 0)
            defer { _ = chmod(stateDirectory, 0o755) }
            #expect {
                try BuildStateStore.open(directory: stateDirectory, fileSystem: fs)
            } throws: { error in
                guard case .notWritable(let path, .systemCall(_, _, EACCES))? = error as? BuildStateError else {
                    return false
                }
                return path.hasPrefix(stateDirectory)
            }
        }
    }

    @Test func existingStateInAReadOnlyDirectoryIsAnErrorBeforeAnythingRuns() throws {
        let dir = try ScratchDirectory()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        try store.recordSuccess(StateSamples.run("a"))
        try store.close()
        // The journal is reused, so the probe file is what finds the directory unwritable.
        let readOnly = FaultInjectingFileSystem(base: fs, faults: .init(openForAppending: EROFS))
        #expect {
            try BuildStateStore.open(directory: dir.path, fileSystem: readOnly)
        } throws: { error in
            guard case .notWritable(dir.path, .systemCall(_, "open", EROFS))? = error as? BuildStateError else {
                return false
            }
            return true
        }
    }

    @Test func stateDirectoryThatIsAFileIsAnError() throws {
        let dir = try ScratchDirectory()
        let stateDirectory = dir.appending(".stask")
        try fs.writeFile(atPath: stateDirectory, contents: [])
        #expect(
            throws: BuildStateError.notWritable(
                path: stateDirectory, underlying: .wrongKind(path: stateDirectory, expected: "a directory"))
        ) {
            try BuildStateStore.open(directory: stateDirectory, fileSystem: fs)
        }
        let error = BuildStateError.notWritable(
            path: stateDirectory, underlying: .wrongKind(path: stateDirectory, expected: "a directory"))
        #expect(error.description.hasPrefix("\(stateDirectory): cannot write build state"))
    }

    @Test func journalWriteFailureIsReportedAndLosesNothingOnceClosed() throws {
        let dir = try ScratchDirectory()
        let faulty = FaultInjectingFileSystem(base: fs, faults: .init(appendFailsAfter: 2))
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: faulty)  // append 1: header
        try store.recordSuccess(StateSamples.run("a"))  // append 2
        #expect(throws: BuildStateError.self) { try store.recordSuccess(StateSamples.run("b")) }
        // The torn half entry was cut off: the journal still replays cleanly.
        let (crashed, warnings) = BuildStateStore.load(directory: dir.path, fileSystem: fs)
        #expect(warnings.isEmpty)
        #expect(Set(crashed.records.keys) == ["a"])
        try store.close()
        let (closed, _) = BuildStateStore.load(directory: dir.path, fileSystem: fs)
        #expect(Set(closed.records.keys) == ["a", "b"])
    }

    @Test func aLargeRecordWhoseSecondWriteFailsIsCutOffAndSavedAtClose() throws {
        let dir = try ScratchDirectory()
        let faulty = FaultInjectingFileSystem(base: fs, faults: .init(appendFailsAfter: 2))
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: faulty)  // append 1: header
        // Append 2 is the large record's entry header, append 3 (failing) its body.
        #expect(throws: BuildStateError.self) {
            try store.recordSuccess(BuildStateStoreTests.aggregateRun(inputs: 5_000))
        }
        let (crashed, warnings) = BuildStateStore.load(directory: dir.path, fileSystem: fs)
        #expect(warnings.isEmpty)  // the lone header was cut off again
        #expect(crashed.records.isEmpty)
        try store.close()
        let (closed, _) = BuildStateStore.load(directory: dir.path, fileSystem: fs)
        #expect(closed.records["all"]?.keyInputs.inputDigests.count == 5_000)
    }

    /// Regression (fault suite, full disk): every task after the first failed append used to fail its own
    /// append and print its own warning.
    @Test func failedAppendStopsJournalingSoAFullDiskIsOneErrorAndCloseSavesEverything() throws {
        let dir = try ScratchDirectory()
        let faulty = FaultInjectingFileSystem(base: fs, faults: .init(appendFailsAfter: 2))
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: faulty)  // append 1: header
        try store.recordSuccess(StateSamples.run("a"))  // append 2
        #expect(throws: BuildStateError.self) { try store.recordSuccess(StateSamples.run("b")) }
        try store.recordSuccess(StateSamples.run("c"))
        try store.invalidate("a")
        try store.close()
        let (closed, warnings) = BuildStateStore.load(directory: dir.path, fileSystem: fs)
        #expect(warnings.isEmpty)
        #expect(Set(closed.records.keys) == ["a", "b", "c"])
        #expect(closed.records["a"]?.isInvalidated == true)
    }

    @Test func snapshotWriteFailureKeepsTheJournalForTheNextBuild() throws {
        let dir = try ScratchDirectory()
        let faulty = FaultInjectingFileSystem(base: fs)
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: faulty, minimumCompactionSize: 0)
        try store.recordSuccess(StateSamples.run("a"))
        faulty.faults.withLock { $0.writeFile = ENOSPC }
        #expect(
            throws: BuildStateError.writeFailed(
                path: store.snapshotPath,
                underlying: .systemCall(path: store.snapshotPath, operation: "write", errno: ENOSPC))
        ) {
            try store.close()
        }
        let (reopened, warnings) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(warnings.isEmpty)
        #expect(reopened.record(for: "a") != nil)
        try reopened.close()
    }
}
