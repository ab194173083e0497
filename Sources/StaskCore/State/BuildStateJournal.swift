/// The journal file `.stask/journal`, format version 2: changes since the last snapshot, one entry per
/// finished task, appended as the build runs.
///
/// ```
/// header (16 bytes):  magic "STASKJNL", format version (UInt32) = 2, reserved UInt32 0
/// entry:              UInt32 payload length n, UInt64 XXH3-64 of the payload seeded with n, n payload bytes
/// payload:            UInt8 kind, then
///                     1 success:        a `TaskRecord` with strings written in place (varint length, UTF-8)
///                     2 invalidate:     the task instance id (in place)
///                     3 item durations: task name, varint count, per item: name, Float64 seconds
///                     4 stat cache:     varint count, per path: path, UInt8 0 (removed) or 1 followed by
///                                       the entry as in the snapshot
///                     5 success since the snapshot: UInt64 checksum of the snapshot, varint count, per
///                                       changed input: varint position among the inputs sorted by path,
///                                       its digest; then a `TaskRecord` as in 1 whose key inputs are empty
/// ```
///
/// Entries 1 to 4 are blind writes (the complete new record, a flag, or item values), so replaying them on
/// top of a snapshot that already contains them gives the same state. Kind 5 is how a record with many
/// inputs (an aggregate step's, megabytes) is journaled when only some input digests changed since the
/// snapshot's record of the same instance: its key inputs are that record's with the listed digests
/// replaced. It applies only onto the snapshot it names, and only when the key inputs so rebuilt give the
/// record's action key; otherwise replay skips it, silently, and goes on. So a journal replayed onto a newer
/// snapshot (a crash between installing the snapshot and deleting the journal) may leave an instance with an
/// older record or invalidated: that instance only runs again. Every entry states a fact that was true when
/// written ("key K produced outputs D"), so no replay can make stask trust what it should not.
///
/// Replay stops at the first entry that is incomplete, fails its checksum or does not decode (a torn or
/// corrupt tail, after a crash or power loss); the entries before it are used, the rest is reported as
/// `BuildStateWarning.Reason.damagedJournalTail` and ignored, which again can only make stask redo work. A
/// wrong magic or an unknown version makes the whole journal a warning and ignored. Version 2 added kind 5;
/// version 1 journals (the same entries without it) are read too, and a stask that reads only version 1
/// ignores a version 2 journal as a whole, with that warning, rather than taking kind 5 for damage.
enum BuildStateJournal {
    static let magic: [UInt8] = Array("STASKJNL".utf8)
    static let version: UInt32 = 2
    /// Versions replay reads: 1 had every kind but 5.
    static let readableVersions: ClosedRange<UInt32> = 1...2
    static let headerSize = 16
    /// Larger entries are treated as corruption (a record is at most a few MiB even for huge tasks).
    static let maximumEntrySize = 1 << 28

    /// One change to the state.
    enum Entry: Equatable {
        case success(TaskRecord)
        /// A successful run whose key inputs are those of the named snapshot's record of the same instance
        /// with `changes` applied (the record carries empty key inputs).
        case successSinceSnapshot(snapshot: UInt64, record: TaskRecord, changes: [ActionKeyInputs.InputChange])
        case invalidate(String)
        case itemDurations(task: String, durations: [String: Double])
        case statCache([String: FileDigestCache.Entry?])
    }

    /// What replaying a journal file produced.
    struct Replay {
        var entries: [Entry] = []
        /// Why (part of) the file was ignored, if it was.
        var damage: BuildStateWarning.Reason?
    }

    static func header() -> [UInt8] {
        var writer = StateBinaryWriter(capacity: headerSize)
        writer.append(magic)
        writer.uint32(version)
        writer.uint32(0)
        return writer.bytes
    }

    /// The framed bytes of one entry, ready to append.
    static func encode(_ entry: Entry) -> [UInt8] {
        var payload = StateBinaryWriter(capacity: 256)
        payload.bytes.append(contentsOf: repeatElement(0, count: frameSize))
        switch entry {
        case .success(let record):
            return encodeSuccess(EncodedTaskRecord(record))
        case .successSinceSnapshot(let snapshot, var record, let changes):
            record.keyInputs = ActionKeyInputs(commands: [], directory: "")
            payload.byte(5)
            payload.uint64(snapshot)
            payload.varint(changes.count)
            for change in changes {
                payload.varint(change.index)
                payload.digest(change.digest)
            }
            payload.append(EncodedTaskRecord(record).bytes)
        case .invalidate(let id):
            payload.byte(2)
            payload.inlineString(id)
        case .itemDurations(let task, let durations):
            payload.byte(3)
            payload.inlineString(task)
            payload.varint(durations.count)
            for item in durations.keys.sorted() {
                payload.inlineString(item)
                payload.float64(durations[item]!)
            }
        case .statCache(let changes):
            payload.byte(4)
            payload.varint(changes.count)
            for path in changes.keys.sorted() {
                payload.inlineString(path)
                if let entry = changes[path]! {
                    payload.byte(1)
                    StateSnapshot.encode(entry, to: &payload)
                } else {
                    payload.byte(0)
                }
            }
        }
        return framed(consume payload)
    }

    /// The journal entry of a successful run, from the record's encoding (which is the entry's payload after
    /// its kind byte).
    static func encodeSuccess(_ record: EncodedTaskRecord) -> [UInt8] {
        var payload = StateBinaryWriter(capacity: frameSize + 1 + record.bytes.count)
        payload.bytes.append(contentsOf: repeatElement(0, count: frameSize))
        payload.byte(1)
        payload.append(record.bytes)
        return framed(consume payload)
    }

    /// The first bytes of the journal entry of a successful run, up to the record's encoding: with
    /// `record.bytes` written right after them, byte for byte ``encodeSuccess(_:)``.
    ///
    /// For large records (an aggregate's, with one digest per input, is megabytes): the entry is then
    /// written in two parts, and the record's bytes are never copied behind a frame. A crash between the
    /// two writes leaves a torn last entry, which replay drops by its checksum as any other.
    static func successHeader(for record: EncodedTaskRecord) -> [UInt8] {
        let kind: UInt8 = 1
        let length = 1 + record.bytes.count
        precondition(length <= maximumEntrySize, "journal entry too large")
        let stream = XXH3Stream(.bits64)
        stream.reset(seed: UInt64(length))
        withUnsafeBytes(of: kind) { stream.update($0) }
        record.bytes.withUnsafeBytes { stream.update($0) }
        var header = [UInt8](repeating: 0, count: frameSize + 1)
        header.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(length).littleEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: stream.checksum.littleEndian, toByteOffset: 4, as: UInt64.self)
        }
        header[frameSize] = kind
        return header
    }

    /// Records from this size up are journaled against the snapshot's record of the same instance when only
    /// input digests changed since it (``Entry/successSinceSnapshot(snapshot:record:changes:)``).
    static let sinceSnapshotSize = 4 << 10

    /// Records from this size up are journaled in two writes (``successHeader(for:)``).
    static let separateWriteSize = 64 << 10

    /// The length and checksum in front of each entry's payload.
    private static let frameSize = 12

    /// Fills in the frame at the start of `entry` (``frameSize`` bytes reserved before the payload): the
    /// entry is built in one buffer, never copied behind its frame (an aggregate step's record can be
    /// megabytes).
    private static func framed(_ writer: consuming StateBinaryWriter) -> [UInt8] {
        var entry = writer.bytes
        writer = StateBinaryWriter()  // the buffer has one owner left, so filling in the frame copies nothing
        let length = entry.count - frameSize
        precondition(length <= maximumEntrySize, "journal entry too large")
        let checksum = entry.withUnsafeBytes {
            ContentHasher.checksum(of: UnsafeRawBufferPointer(rebasing: $0[frameSize...]), seed: UInt64(length))
        }
        entry.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(length).littleEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: checksum.littleEndian, toByteOffset: 4, as: UInt64.self)
        }
        return entry
    }

    /// Replays a journal file's bytes. An empty file (a crash right after it was created) is no damage.
    static func decode(_ bytes: [UInt8]) -> Replay {
        bytes.withUnsafeBytes { raw in decode(raw) }
    }

    private static func decode(_ raw: UnsafeRawBufferPointer) -> Replay {
        var replay = Replay()
        if raw.isEmpty { return replay }
        guard raw.count >= magic.count, raw.prefix(magic.count).elementsEqual(magic) else {
            replay.damage = .badMagic
            return replay
        }
        guard raw.count >= headerSize else {
            replay.damage = .truncated
            return replay
        }
        let found = StateBinaryReader(raw, offset: magic.count).peekVersion()
        guard readableVersions.contains(found) else {
            replay.damage = .unsupportedVersion(found: found, supported: version)
            return replay
        }
        var reader = StateBinaryReader(raw, offset: headerSize)
        while !reader.isAtEnd {
            let start = reader.offset
            guard let entry = try? decodeEntry(&reader) else {
                replay.damage = .damagedJournalTail(keptEntries: replay.entries.count, ignoredBytes: raw.count - start)
                return replay
            }
            replay.entries.append(entry)
        }
        return replay
    }

    private static func decodeEntry(_ reader: inout StateBinaryReader) throws(StateDecodingError) -> Entry {
        let length = Int(try reader.uint32())
        let checksum = try reader.uint64()
        guard length <= maximumEntrySize else { throw StateDecodingError(detail: "entry too large") }
        let payload = try reader.bytes(length)
        guard ContentHasher.checksum(of: payload, seed: UInt64(length)) == checksum else {
            throw StateDecodingError(detail: "checksum mismatch")
        }
        var entryReader = StateBinaryReader(payload)
        let inline = { (reader: inout StateBinaryReader) throws(StateDecodingError) -> String in
            try reader.inlineString()
        }
        let entry: Entry
        let record = { (reader: inout StateBinaryReader) throws(StateDecodingError) -> TaskRecord in
            let whole = reader
            return try TaskRecord.decode(from: &reader) { (offset, length) throws(StateDecodingError) in
                var cold = try whole.subreader(offset..<offset + length)
                let inputs = try ActionKeyInputs.decode(from: &cold, string: inline)
                guard cold.isAtEnd else { throw StateDecodingError(detail: "cold part length mismatch") }
                return .decoded(inputs)
            }
        }
        switch try entryReader.byte() {
        case 1:
            entry = .success(try record(&entryReader))
        case 5:
            let snapshot = try entryReader.uint64()
            let count = try entryReader.count(limit: entryReader.remaining)
            var changes: [ActionKeyInputs.InputChange] = []
            changes.reserveCapacity(count)
            for _ in 0..<count {
                let index = try entryReader.count(limit: Int(Int32.max))
                changes.append(ActionKeyInputs.InputChange(index: index, digest: try entryReader.digest()))
            }
            entry = .successSinceSnapshot(snapshot: snapshot, record: try record(&entryReader), changes: changes)
        case 2:
            entry = .invalidate(try entryReader.inlineString())
        case 3:
            let task = try entryReader.inlineString()
            let count = try entryReader.count(limit: entryReader.remaining)
            var durations: [String: Double] = [:]
            for _ in 0..<count {
                let item = try entryReader.inlineString()
                durations[item] = try entryReader.float64()
            }
            entry = .itemDurations(task: task, durations: durations)
        case 4:
            let count = try entryReader.count(limit: entryReader.remaining)
            var changes: [String: FileDigestCache.Entry?] = [:]
            changes.reserveCapacity(count)
            for _ in 0..<count {
                let path = try entryReader.inlineString()
                switch try entryReader.byte() {
                case 0: changes.updateValue(nil, forKey: path)
                case 1: changes[path] = try StateSnapshot.decodeStatEntry(&entryReader)
                case let flag: throw StateDecodingError(detail: "unknown stat-cache flag \(flag)")
                }
            }
            entry = .statCache(changes)
        case let kind:
            throw StateDecodingError(detail: "unknown entry kind \(kind)")
        }
        guard entryReader.isAtEnd else { throw StateDecodingError(detail: "trailing bytes in entry") }
        return entry
    }
}

extension StateBinaryReader {
    /// The UInt32 at the current offset (the caller has checked the length).
    fileprivate func peekVersion() -> UInt32 {
        var copy = self
        return (try? copy.uint32()) ?? 0
    }
}
