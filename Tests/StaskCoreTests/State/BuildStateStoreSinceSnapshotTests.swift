import StaskTestSupport
import Testing

@testable import StaskCore
@testable import StaskPosix

/// A large record whose inputs changed only in their digests since the snapshot's record of the same
/// instance is journaled as those changes, and comes back whole.
@Suite struct BuildStateStoreSinceSnapshotTests {
    let fs = LocalFileSystem()

    /// The aggregate of `count` inputs, with the digests of the inputs at `edited` changed.
    static func aggregateRun(inputs count: Int, edited: [Int] = [], command: String = "cat") -> SuccessfulRun {
        var run = BuildStateStoreTests.aggregateRun(inputs: count)
        var digests = run.keyInputs.inputDigests
        for index in edited { digests["out/f\(index).txt"] = ContentHasher.digest(ofUTF8: "edited \(index)") }
        run.keyInputs = ActionKeyInputs(commands: [command], directory: ".", inputDigests: digests)
        run.actionKey = run.keyInputs.actionKey
        return run
    }

    /// A state directory whose snapshot holds the aggregate of 5,000 inputs.
    func compactedState() throws -> ScratchDirectory {
        let dir = try ScratchDirectory()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs, minimumCompactionSize: 0)
        try store.recordSuccess(Self.aggregateRun(inputs: 5_000))
        try store.close()
        #expect(try fs.contentsOfDirectory(atPath: dir.path) == [BuildStateStore.snapshotFileName])
        return dir
    }

    @Test func changedDigestsAreJournaledAsChangesAndReplayedWhole() throws {
        let dir = try compactedState()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        let edited = try store.recordSuccess(Self.aggregateRun(inputs: 5_000, edited: [7, 4_321]))
        let journal = try fs.readFile(atPath: store.journalPath)
        try store.close()
        // The whole record is some 160 KB; the entry holds two digests and the record's other fields.
        #expect(journal.count < 400, "\(journal.count) bytes")
        let (reopened, warnings) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(warnings.isEmpty)
        #expect(reopened.record(for: "all") == edited)
        #expect(reopened.record(for: "all")?.keyInputs == edited.keyInputs)
        #expect(reopened.record(for: "all")?.successCount == 2)
        try reopened.close()
    }

    @Test func anEntryAgainstAnotherSnapshotIsDroppedAndTheSnapshotsRecordStays() throws {
        let dir = try compactedState()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        try store.recordSuccess(Self.aggregateRun(inputs: 5_000, edited: [1]))
        let journal = try fs.readFile(atPath: store.journalPath)
        try store.close()
        // Another snapshot: the same record built again with another command (journaled whole, which outgrows
        // a quarter of the snapshot), then compacted.
        let (other, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs, minimumCompactionSize: 0)
        let replaced = try other.recordSuccess(Self.aggregateRun(inputs: 5_000, edited: [2, 3], command: "cat -v"))
        try other.close()
        #expect(try fs.contentsOfDirectory(atPath: dir.path) == [BuildStateStore.snapshotFileName])
        // The first journal left behind, as by a crash between installing a snapshot and deleting it.
        try fs.writeFile(atPath: dir.appending(BuildStateStore.journalFileName), contents: journal)
        let (reopened, warnings) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(warnings.isEmpty)
        #expect(reopened.record(for: "all") == replaced)
        #expect(reopened.record(for: "all")?.keyInputs == replaced.keyInputs)
        try reopened.close()
    }

    @Test func anythingBesidesInputDigestsChangedIsJournaledWhole() throws {
        let dir = try compactedState()
        let (store, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        let changed = try store.recordSuccess(Self.aggregateRun(inputs: 5_000, edited: [1], command: "cat -v"))
        let fewer = try store.recordSuccess(Self.aggregateRun(inputs: 4_999))
        let journal = try fs.readFile(atPath: store.journalPath)
        try store.close()
        #expect(journal.count > 2 * 100_000, "two whole records")
        #expect(changed.keyInputs.commands == ["cat -v"])
        let (reopened, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(reopened.record(for: "all") == fewer)
        try reopened.close()
    }

    /// Changes that do not rebuild the record's action key (a position out of range, a wrong digest) drop
    /// the entry: the snapshot's record stays, and the step only runs again.
    @Test func changesThatDoNotGiveTheActionKeyAreDropped() throws {
        let dir = try compactedState()
        let bytes = try fs.readFile(atPath: dir.appending(BuildStateStore.snapshotFileName))
        let snapshot = try StateSnapshot.load(bytes).get()
        let state = LiveState(snapshot: snapshot)
        let original = try #require(state.record(for: "all"))
        let edited = Self.aggregateRun(inputs: 5_000, edited: [9]).record(after: original)
        let digest = try #require(edited.keyInputs.inputDigests["out/f9.txt"])
        let index = try #require(edited.keyInputs.inputDigests.keys.sorted().firstIndex(of: "out/f9.txt"))
        let right = [ActionKeyInputs.InputChange(index: index, digest: digest)]
        #expect(edited.keyInputs.inputChanges(since: original.keyInputs) == right)
        #expect(state.record(edited, since: snapshot.checksum, changes: right)?.keyInputs == edited.keyInputs)
        let wrong: [[ActionKeyInputs.InputChange]] = [
            [ActionKeyInputs.InputChange(index: 5_000, digest: digest)],
            [ActionKeyInputs.InputChange(index: index - 1, digest: digest)],
            [],
        ]
        for changes in wrong {
            #expect(state.record(edited, since: snapshot.checksum, changes: changes) == nil, "\(changes)")
        }
        #expect(state.record(edited, since: snapshot.checksum &+ 1, changes: right) == nil)
    }

    @Test func theEntryRoundTripsThroughTheJournalEncoding() throws {
        var record = Self.aggregateRun(inputs: 3).record(after: nil)
        record.keyInputs = ActionKeyInputs(commands: [], directory: "")
        let entry = BuildStateJournal.Entry.successSinceSnapshot(
            snapshot: 0xDEAD_BEEF, record: record,
            changes: [
                .init(index: 2, digest: ContentHasher.digest(ofUTF8: "x")),
                .init(index: 0, digest: .init(high: 1, low: 2)),
            ])
        var bytes = BuildStateJournal.header()
        bytes += BuildStateJournal.encode(entry)
        let replay = BuildStateJournal.decode(bytes)
        #expect(replay.damage == nil)
        #expect(replay.entries == [entry])
    }

    /// After `open` folded a journal into a new snapshot file while keeping the old snapshot in memory, a
    /// large record is journaled whole: an entry naming the old snapshot would be dropped at the next open.
    @Test func afterFoldingAtOpenRecordsAreJournaledWhole() throws {
        let dir = try compactedState()
        let (first, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        try first.recordSuccess(Self.aggregateRun(inputs: 5_000, edited: [1], command: "cat -v"))
        try first.close()
        // The journal (one whole record) outgrows a quarter of the snapshot: the next open folds it.
        let (second, _) = try BuildStateStore.open(directory: dir.path, fileSystem: fs, minimumCompactionSize: 0)
        // Differing from the old snapshot's record only in two digests, not from the new one's.
        let edited = try second.recordSuccess(Self.aggregateRun(inputs: 5_000, edited: [1, 2]))
        try second.close()
        let (reopened, warnings) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(warnings.isEmpty)
        #expect(reopened.record(for: "all") == edited)
        #expect(reopened.record(for: "all")?.keyInputs == edited.keyInputs)
        try reopened.close()
    }

    /// A journal of the previous version (every kind but 5) is still replayed.
    @Test func aVersionOneJournalIsReplayed() throws {
        let dir = try ScratchDirectory()
        let record = Self.aggregateRun(inputs: 3).record(after: nil)
        var header = BuildStateJournal.header()
        header[BuildStateJournal.magic.count] = 1
        let bytes = header + BuildStateJournal.encode(.success(record)) + BuildStateJournal.encode(.invalidate("x"))
        try fs.writeFile(atPath: dir.appending(BuildStateStore.journalFileName), contents: bytes)
        let (store, warnings) = try BuildStateStore.open(directory: dir.path, fileSystem: fs)
        #expect(warnings.isEmpty)
        #expect(store.record(for: "all") == record)
        try store.close()
    }
    /// Replaying a journal builds each record from its last success that holds only: whatever the mix of
    /// entries (changes that hold or are dropped, whole records, invalidations, durations), the state is the
    /// one applying them one after another gives.
    @Test func replayingGivesTheStateApplyingEachEntryGives() throws {
        let dir = try compactedState()
        let snapshot = try StateSnapshot.load(
            try fs.readFile(atPath: dir.appending(BuildStateStore.snapshotFileName))
        ).get()
        let base = LiveState(snapshot: snapshot)
        let original = try #require(base.record(for: "all"))
        let sorted = original.keyInputs.inputDigests.keys.sorted()
        var random = SplitMix64(seed: 0x5EED_1234)
        var replayedDeltas = 0
        for round in 0..<60 {
            var entries: [BuildStateJournal.Entry] = []
            for step in 0..<Int.random(in: 1...6, using: &random) {
                let edited = Int.random(in: 0..<5_000, using: &random)
                let run = Self.aggregateRun(inputs: 5_000, edited: [edited]).record(after: original)
                let path = "out/f\(edited).txt"
                let change = ActionKeyInputs.InputChange(
                    index: try #require(sorted.firstIndex(of: path)),
                    digest: try #require(run.keyInputs.inputDigests[path]))
                var stripped = run
                stripped.keyInputs = ActionKeyInputs(commands: [], directory: "")
                switch Int.random(in: 0..<6, using: &random) {
                case 0, 1:
                    entries.append(
                        .successSinceSnapshot(snapshot: snapshot.checksum, record: stripped, changes: [change]))
                    replayedDeltas += 1
                case 2:
                    entries.append(
                        .successSinceSnapshot(snapshot: snapshot.checksum &+ 1, record: stripped, changes: [change]))
                case 3:
                    entries.append(.success(Self.aggregateRun(inputs: 3, edited: [step % 3]).record(after: nil)))
                case 4:
                    entries.append(.invalidate("all"))
                default:
                    entries.append(.itemDurations(task: "all", durations: ["x": Double(round * 10 + step)]))
                }
            }
            var oneByOne = base
            for entry in entries { oneByOne.apply(entry) }
            var replayed = base
            replayed.replay(entries)
            #expect(replayed.materialized() == oneByOne.materialized(), "round \(round): \(entries.count) entries")
        }
        #expect(replayedDeltas > 30)
    }
}
