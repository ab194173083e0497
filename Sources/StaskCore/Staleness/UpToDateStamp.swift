/// The proof, left by a build that found every selected instance up to date, that the next identical build
/// will find the same: the file `.stask/uptodate`.
///
/// A no-op build costs building the graph and checking every action key. The stamp lets the next one
/// skip both: it holds a key over everything the graph was built from that is not a file (the Taskfile's
/// bytes, the command line's targets, vars, budget and shard options; see ``BuildEngine``), the ids of
/// the instances found up to date, and the metadata of every path that verdict rested on — each path the
/// graph builder examined or listed, each input and output the pre-pass hashed (or trusted), and the
/// state files. When the key is equal and every path still has exactly that metadata (or is still
/// absent), nothing the verdict depended on can have changed, and the build reports the recorded ids as
/// up to date without loading the state or the graph. Any difference sends the build down the full path,
/// which deletes the stamp first and writes a new one only if it again finds everything up to date.
///
/// **Why equal metadata proves equal contents.** As in ``FileDigestCache``: a stamp is written only when
/// every observed modification and change time is older than the build's start minus the timestamp
/// granularity, so any later write to an observed file or directory (adding or removing an entry changes a
/// directory's times) moves its times. The state files are the exception: stask only appends to the
/// journal (its size changes) or replaces a file by renaming (its inode changes), so their metadata is
/// compared without that condition, and a build that goes down the full path removes the stamp before it
/// writes anything.
///
/// Format: `"STASKUTD"`, a version byte, an XXH3-64 checksum of the rest, then the key, the ids and the
/// observations (`StateBinaryWriter` fields). A stamp that does not decode is ignored.
struct UpToDateStamp: Sendable {
    /// The file's name inside `.stask/`.
    static let fileName = "uptodate"
    static let magic: [UInt8] = Array("STASKUTD".utf8)
    static let version: UInt8 = 1

    /// Everything the plan depends on that is not a file observation.
    var key: ContentDigest
    /// The selected instances, in plan order, all up to date.
    var instanceIDs: [String]
    /// Paths whose metadata was older than the build's start by more than the granularity, in lists as the
    /// build made them (the graph's, the pre-pass's): kept apart rather than joined, since at 100,000 targets
    /// a joined copy is some 25 MB. A path in two lists is examined twice, which costs only a `stat`.
    var observationLists: [[FileObservation]]

    /// The state files, compared exactly (see the type's discussion).
    var stateFiles: [FileObservation]

    /// The instance ids of the stamp in `bytes` when it is intact, made for `key`, and every path it
    /// observed still has its metadata; `nil` otherwise. Reads the observations straight from the bytes
    /// (no `FileObservation` or `String` per path): the no-op fast path.
    static func currentInstanceIDs(
        in bytes: [UInt8], key: ContentDigest, fileSystem: any FileSystem, projectDirectory: String
    ) -> [String]? {
        fileSystem.withPathExaminer(below: projectDirectory) { examine in
            currentInstanceIDs(in: bytes, key: key, examine: examine)
        }
    }

    private static func currentInstanceIDs(
        in bytes: [UInt8], key: ContentDigest, examine: (UnsafeRawBufferPointer, Bool) -> FileMetadata??
    ) -> [String]? {
        let header = magic.count + 1 + 8
        guard bytes.count >= header, bytes.starts(with: magic), bytes[magic.count] == version else { return nil }
        return bytes.withUnsafeBytes { raw -> [String]? in
            var reader = StateBinaryReader(raw, offset: magic.count + 1)
            do {
                let checksum = try reader.uint64()
                guard ContentHasher.checksum(of: UnsafeRawBufferPointer(rebasing: raw[header...])) == checksum,
                    try reader.digest() == key
                else { return nil }
                let idCount = try reader.count(limit: reader.remaining)
                var ids = reader
                for _ in 0..<idCount { _ = try reader.bytes(try reader.count(limit: reader.remaining)) }
                for _ in 0..<2 {
                    let count = try reader.count(limit: reader.remaining)
                    for _ in 0..<count {
                        let path = try reader.bytes(try reader.count(limit: reader.remaining))
                        let flags = try reader.byte()
                        var recorded: FileMetadata?
                        if flags & 2 != 0 { recorded = try decodeMetadata(&reader) }
                        guard examine(path, flags & 1 != 0) == .some(recorded) else { return nil }
                    }
                }
                guard reader.isAtEnd else { return nil }
                var result: [String] = []
                result.reserveCapacity(idCount)
                for _ in 0..<idCount { result.append(try ids.inlineString()) }
                return result
            } catch {
                return nil
            }
        }
    }

    // MARK: - Encoding

    func encoded() -> [UInt8] {
        let observationCount = observationLists.reduce(0) { $0 + $1.count }
        var file = StateBinaryWriter(capacity: 64 + instanceIDs.count * 24 + observationCount * 64)
        file.append(Self.magic)
        file.byte(Self.version)
        let checksumOffset = file.bytes.count
        file.uint64(0)  // the checksum of what follows, filled in below (one buffer, no copy of the body)
        file.digest(key)
        file.varint(instanceIDs.count)
        for id in instanceIDs { file.inlineString(id) }
        file.varint(stateFiles.count)
        for observation in stateFiles { Self.encode(observation, into: &file) }
        file.varint(observationCount)
        for list in observationLists {
            for observation in list { Self.encode(observation, into: &file) }
        }
        let checksum = file.bytes.withUnsafeBytes {
            ContentHasher.checksum(of: UnsafeRawBufferPointer(rebasing: $0[(checksumOffset + 8)...]))
        }
        file.bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: checksum.littleEndian, toByteOffset: checksumOffset, as: UInt64.self)
        }
        return file.bytes
    }

    init(key: ContentDigest, instanceIDs: [String], observations: [FileObservation], stateFiles: [FileObservation]) {
        self.init(key: key, instanceIDs: instanceIDs, observationLists: [observations], stateFiles: stateFiles)
    }

    init(
        key: ContentDigest, instanceIDs: [String], observationLists: [[FileObservation]], stateFiles: [FileObservation]
    ) {
        self.key = key
        self.instanceIDs = instanceIDs
        self.observationLists = observationLists
        self.stateFiles = stateFiles
    }

    private static func encode(_ observation: FileObservation, into writer: inout StateBinaryWriter) {
        writer.inlineString(observation.path)
        guard let metadata = observation.metadata else {
            writer.byte(observation.followsLinks ? 1 : 0)
            return
        }
        writer.byte((observation.followsLinks ? 1 : 0) | 2)
        writer.byte(StateSnapshot.code(of: metadata.kind))
        writer.uint64(metadata.size)
        writer.uint64(metadata.device)
        writer.uint64(metadata.inode)
        writer.int64(metadata.modificationTime)
        writer.int64(metadata.changeTime)
        writer.uint32(metadata.mode)
    }

    private static func decodeMetadata(_ reader: inout StateBinaryReader) throws(StateDecodingError) -> FileMetadata {
        FileMetadata(
            kind: try StateSnapshot.kind(of: reader.byte()), size: try reader.uint64(), device: try reader.uint64(),
            inode: try reader.uint64(),
            modificationTime: try reader.int64(), changeTime: try reader.int64(), mode: try reader.uint32())
    }
}
