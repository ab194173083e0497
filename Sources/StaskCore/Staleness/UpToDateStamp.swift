/// The proof, left by a build that found every selected instance up to date, that the next identical build
/// will find the same: the file `.stask/uptodate`.
///
/// A no-op build costs building the graph and checking every action key. The stamp lets the next one
/// skip both: it holds a key over everything the graph was built from that is not a file (the Taskfile's
/// bytes, the command line's targets, vars, budget and shard options; see ``BuildEngine``), the ids of
/// the instances found up to date, and what that verdict rested on — each path the graph builder examined
/// or listed, each input and output the pre-pass hashed (or trusted) with its content digest, and the state
/// files. When the key is equal and every path is still as observed, nothing the verdict depended on can have
/// changed, and the build reports the recorded ids as up to date without loading the state or the graph.
/// Any other difference sends the build down the full path, which deletes the stamp first and writes a new
/// one only if it again finds everything up to date.
///
/// **What "still as observed" means**, path by path:
/// - A file the pre-pass hashed: the same metadata, or, when the metadata differs (a `touch`, a save that
///   wrote the same bytes, a checkout that rewrote it), the same content digest, hashed again here. Such a
///   check leaves the stamp refreshed with the new metadata (``Verdict/refreshed``), so the next build trusts
///   it again without reading it.
/// - A regular file graph construction examined with `lstat` (to tell a file from a directory): the same
///   kind. Nothing else of it shapes the graph; its contents are the pre-pass's concern.
/// - A directory graph construction listed: the same metadata, or, when it moved (a file created and removed
///   again, a save that renamed a temporary file over another), the same names and kinds of entries, listed
///   again (see ``DirectoryListingDigest``); refreshed as a touched file is.
/// - Anything else (a symbolic link, an absent path): the same metadata, or absent still.
///
/// **Why equal metadata proves equal contents.** As in ``FileDigestCache``: a path is trusted by its metadata
/// only when its modification and change times were older than the build's start minus the timestamp
/// granularity, so any later write to it (adding or removing an entry changes a directory's times) moves
/// them. A hashed file whose times were more recent is stored marked to be hashed again on every check; any
/// other path that recent leaves no stamp. The state files are the exception: stask only appends to the
/// journal (its size changes) or replaces a file by renaming (its inode changes), so their metadata is
/// compared without that condition, and a build that goes down the full path removes the stamp before it
/// writes anything.
///
/// Format (version 2): `"STASKUTD"`, a version byte, an XXH3-64 checksum of the rest, then the key, the
/// graph's identity (a presence byte, then the digest), the ids, the state files, graph construction's observations and the
/// pre-pass's (`StateBinaryWriter` fields); each observation is its path, a flags byte
/// (``EntryFlags``), its metadata when present, and its digest when it has one. A stamp that does not decode
/// is ignored.
struct UpToDateStamp: Sendable {
    /// The file's name inside `.stask/`.
    static let fileName = "uptodate"
    static let magic: [UInt8] = Array("STASKUTD".utf8)
    static let version: UInt8 = 2
    /// Where the checksummed part begins: after the magic, the version and the checksum itself.
    static let bodyOffset = magic.count + 1 + 8

    /// Everything the plan depends on that is not a file observation.
    var key: ContentDigest
    /// The identity of the graph the verdict was reached on, stored in ``GraphCacheFile``; `nil` when none was
    /// stored (a build that finds files changed then goes the full way).
    var graphIdentity: ContentDigest?
    /// The selected instances, in plan order, all up to date.
    var instanceIDs: [String]
    /// What graph construction examined (``BuildGraph``'s observations): regular files examined without
    /// following links are checked by their kind only.
    var graphObservations: [FileObservation]
    /// Position by position, the graph's observations that the pre-pass repeated (a regular file it took
    /// with the same metadata): left out of the encoding, as the pre-pass's entry, with its digest, checks
    /// the path and its kind. Empty: none.
    var graphCovered: [Bool] = []
    /// Position by position, the ``DirectoryListingDigest`` of each directory among the graph's observations
    /// that graph construction listed (empty: none): when its times moved, it is listed again and counts as
    /// unchanged while its entries are.
    var graphDigests: [ContentDigest?] = []
    /// What the pre-pass examined, and, position by position, the digest of each regular file among them
    /// (empty: none known, every path compared by metadata). Kept apart from the graph's rather than joined:
    /// at 100,000 targets a joined copy is some 25 MB. A path in both lists is examined twice, which costs
    /// only a `stat`.
    var examined: [FileObservation]
    var examinedDigests: [ContentDigest?]
    /// The state files, compared exactly (see the type's discussion).
    var stateFiles: [FileObservation]

    /// The flags byte of an encoded observation.
    struct EntryFlags: OptionSet {
        let rawValue: UInt8
        /// Observed with `stat` (following a final link), not `lstat`.
        static let followsLinks = EntryFlags(rawValue: 1)
        /// Metadata follows (else the path was absent).
        static let hasMetadata = EntryFlags(rawValue: 2)
        /// A content digest follows the metadata.
        static let hasDigest = EntryFlags(rawValue: 4)
        /// Only the kind matters (a regular file graph construction examined).
        static let kindOnly = EntryFlags(rawValue: 8)
        /// Too recent to be trusted by its metadata: hashed again on every check.
        static let verifiesContent = EntryFlags(rawValue: 16)
    }

    /// What a check of a stamp found.
    struct Verdict {
        /// The recorded instance ids: all still up to date when ``changedFiles`` is empty.
        var instanceIDs: [String]
        /// The stamp with the metadata of every path that changed without changing what it stands for (a
        /// touched file), when there was one: what to write back (or build on) so the next check trusts them
        /// again.
        var refreshed: [UInt8]?
        /// Hashed files whose contents changed (each still a regular file), as the stamp names them, when
        /// nothing else did: only the instances that read them (and what depends on those) can be out of
        /// date, on the graph ``graphIdentity`` names.
        var changedFiles: [String] = []
        /// See ``UpToDateStamp/graphIdentity``.
        var graphIdentity: ContentDigest?
    }

    /// How a check examines paths (see ``check(_:key:examiner:start:granularity:)``).
    struct Examiner {
        /// The metadata of a path (as written in the stamp: project-relative or absolute), following a final
        /// link or not; `nil` when it cannot be examined, `.some(nil)` when absent.
        var metadata: (UnsafeRawBufferPointer, Bool) -> FileMetadata??
        /// The content digest of a regular file at such a path; `nil` when it cannot be read.
        var digest: (UnsafeRawBufferPointer) -> ContentDigest?
        /// The ``DirectoryListingDigest`` of a directory at such a path; `nil` when it cannot be listed.
        var listing: (UnsafeRawBufferPointer) -> ContentDigest? = { _ in nil }
        /// The metadata of many paths at once, in order (``FileSystem/examineAll(_:below:)``); `nil` examines
        /// them one by one through ``metadata``.
        var metadataOfAll: (([(UnsafeRawBufferPointer, Bool)]) -> [FileMetadata??])? = nil
    }

    /// The verdict on the stamp in `bytes` when it is intact, made for `key`, and every path it observed is
    /// still as observed (see the type's discussion); `nil` otherwise. Reads the observations straight from
    /// the bytes (no `FileObservation` or `String` per path): the no-op fast path.
    ///
    /// - Parameters:
    ///   - start: When the check began (nanoseconds since the epoch): a refreshed path whose times are not
    ///     older than this by more than `granularity` stays marked to be hashed again.
    static func check(
        _ bytes: [UInt8], key: ContentDigest, fileSystem: any FileSystem, projectDirectory: String, start: Int64,
        granularity: Duration
    ) -> Verdict? {
        fileSystem.withPathExaminer(below: projectDirectory) { examine in
            withoutActuallyEscaping(examine) { examine in
                let examiner = Examiner(
                    metadata: examine,
                    digest: { path in
                        let absolute = ProjectPath.absolute(
                            String(decoding: path, as: UTF8.self), project: projectDirectory)
                        return try? ContentHasher.shared.digest(ofFileAtPath: absolute, in: fileSystem)
                    },
                    listing: { path in
                        let absolute = ProjectPath.absolute(
                            String(decoding: path, as: UTF8.self), project: projectDirectory)
                        return (try? fileSystem.directoryEntries(atPath: absolute)).map(DirectoryListingDigest.digest)
                    },
                    metadataOfAll: { fileSystem.examineAll($0, below: projectDirectory) })
                return check(bytes, key: key, examiner: examiner, start: start, granularity: granularity)
            }
        }
    }

    static func check(
        _ bytes: [UInt8], key: ContentDigest, examiner: Examiner, start: Int64, granularity: Duration
    ) -> Verdict? {
        // Byte offsets of the flags of entries to rewrite, with their new metadata.
        var refreshes: [(offset: Int, metadata: FileMetadata)] = []
        var changedFiles: [String] = []
        var graphIdentity: ContentDigest?
        let ids = bytes.withUnsafeBytes { raw -> [String]? in
            do {
                guard var reader = body(of: raw), try reader.digest() == key else { return nil }
                graphIdentity = try reader.byte() == 1 ? try reader.digest() : nil
                let idCount = try reader.count(limit: reader.remaining)
                var ids = reader
                for _ in 0..<idCount { _ = try reader.bytes(try reader.count(limit: reader.remaining)) }
                // Every entry first, then every path examined at once (in parallel where the file system can),
                // then the entries judged against what was found.
                var entries: [Entry] = []
                for _ in 0..<3 {  // the state files, graph construction's observations, the pre-pass's
                    let count = try reader.count(limit: reader.remaining)
                    entries.reserveCapacity(entries.count + count)
                    for _ in 0..<count { entries.append(try entry(&reader)) }
                }
                guard reader.isAtEnd else { return nil }
                let paths = entries.map { ($0.path, $0.flags.contains(.followsLinks)) }
                let found = examiner.metadataOfAll?(paths) ?? paths.map { examiner.metadata($0.0, $0.1) }
                for (position, (path, flagsOffset, flags, recorded, digest)) in entries.enumerated() {
                    guard let current = found[position] else { return nil }
                    if current == recorded && !flags.contains(.verifiesContent) { continue }
                    guard let recorded, let current, current.kind == recorded.kind else { return nil }
                    if flags.contains(.kindOnly) {
                        refreshes.append((flagsOffset, current))
                        continue
                    }
                    guard let digest else { return nil }
                    if current.kind == .directory {
                        // A listing that changed changes the graph: no verdict at all.
                        guard examiner.listing(path) == digest else { return nil }
                        refreshes.append((flagsOffset, current))
                        continue
                    }
                    guard current.kind == .regularFile else { return nil }
                    if examiner.digest(path) == digest {
                        refreshes.append((flagsOffset, current))
                    } else {
                        changedFiles.append(String(decoding: path, as: UTF8.self))
                    }
                }
                var result: [String] = []
                result.reserveCapacity(idCount)
                for _ in 0..<idCount { result.append(try ids.inlineString()) }
                return result
            } catch {
                return nil
            }
        }
        guard let ids else { return nil }
        if !changedFiles.isEmpty && graphIdentity == nil { return nil }
        return Verdict(
            instanceIDs: ids,
            refreshed: refreshes.isEmpty
                ? nil : refreshed(bytes, refreshes: refreshes, start: start, granularity: granularity),
            changedFiles: changedFiles, graphIdentity: graphIdentity)
    }

    /// The stamp in `bytes` when it is intact, whatever the paths it observed hold now; `nil` otherwise.
    static func decoded(_ bytes: [UInt8]) -> UpToDateStamp? {
        bytes.withUnsafeBytes { raw -> UpToDateStamp? in
            do {
                guard var reader = body(of: raw) else { return nil }
                let key = try reader.digest()
                let graphIdentity = try reader.byte() == 1 ? try reader.digest() : nil
                let idCount = try reader.count(limit: reader.remaining)
                var ids: [String] = []
                ids.reserveCapacity(idCount)
                for _ in 0..<idCount { ids.append(try reader.inlineString()) }
                var lists: [[FileObservation]] = []
                var digestLists: [[ContentDigest?]] = []
                for list in 0..<3 {
                    let count = try reader.count(limit: reader.remaining)
                    var observations: [FileObservation] = []
                    observations.reserveCapacity(count)
                    var digests: [ContentDigest?] = []
                    digests.reserveCapacity(count)
                    for _ in 0..<count {
                        let (path, _, flags, metadata, digest) = try entry(&reader)
                        observations.append(
                            FileObservation(
                                path: String(decoding: path, as: UTF8.self),
                                followsLinks: flags.contains(.followsLinks),
                                metadata: metadata))
                        digests.append(digest)
                    }
                    lists.append(observations)
                    digestLists.append(list == 1 && !digests.contains(where: { $0 != nil }) ? [] : digests)
                }
                guard reader.isAtEnd else { return nil }
                var stamp = UpToDateStamp(
                    key: key, graphIdentity: graphIdentity, instanceIDs: ids, graphObservations: lists[1],
                    examined: lists[2], examinedDigests: digestLists[2], stateFiles: lists[0])
                stamp.graphDigests = digestLists[1]
                return stamp
            } catch {
                return nil
            }
        }
    }

    /// A reader of the stamp's body (from the key on) when `raw` is a stamp of this version whose checksum holds;
    /// `nil` otherwise.
    private static func body(of raw: UnsafeRawBufferPointer) -> StateBinaryReader? {
        guard raw.count >= bodyOffset, raw.starts(with: magic), raw[magic.count] == version else { return nil }
        var reader = StateBinaryReader(raw, offset: magic.count + 1)
        guard let checksum = try? reader.uint64(),
            ContentHasher.checksum(of: UnsafeRawBufferPointer(rebasing: raw[bodyOffset...])) == checksum
        else { return nil }
        return reader
    }

    /// An observation entry: its path's bytes, where its flags byte is, the flags, the metadata and the digest.
    private typealias Entry = (
        path: UnsafeRawBufferPointer, flagsOffset: Int, flags: EntryFlags, metadata: FileMetadata?,
        digest: ContentDigest?
    )

    /// The next observation entry.
    private static func entry(_ reader: inout StateBinaryReader) throws(StateDecodingError) -> Entry {
        let path = try reader.bytes(try reader.count(limit: reader.remaining))
        let flagsOffset = reader.offset
        let flags = EntryFlags(rawValue: try reader.byte())
        let metadata = flags.contains(.hasMetadata) ? try decodeMetadata(&reader) : nil
        let digest = flags.contains(.hasDigest) ? try reader.digest() : nil
        return (path, flagsOffset, flags, metadata, digest)
    }

    /// `bytes` with each refreshed entry's metadata written over the recorded one (the same size), marked to
    /// be hashed again while its times are too recent to be trusted, and the checksum made anew.
    private static func refreshed(
        _ bytes: [UInt8], refreshes: [(offset: Int, metadata: FileMetadata)], start: Int64, granularity: Duration
    ) -> [UInt8] {
        var bytes = bytes
        for (offset, metadata) in refreshes {
            var flags = EntryFlags(rawValue: bytes[offset])
            if flags.contains(.hasDigest) && !metadata.isSettled(at: start, granularity: granularity) {
                flags.insert(.verifiesContent)
            } else {
                flags.remove(.verifiesContent)
            }
            var writer = StateBinaryWriter(capacity: 48)
            writer.byte(flags.rawValue)
            encodeMetadata(metadata, into: &writer)
            bytes.replaceSubrange(offset..<(offset + writer.bytes.count), with: writer.bytes)
        }
        setChecksum(of: &bytes)
        return bytes
    }

    // MARK: - Encoding

    /// The stamp's bytes, or `nil` when some path it rests on is too recent to be trusted by its metadata
    /// and cannot be checked otherwise (see the type's discussion).
    ///
    /// - Parameter start: When the build began (nanoseconds since the epoch).
    func encoded(start: Int64 = .max, granularity: Duration = .zero) -> [UInt8]? {
        let observationCount = graphObservations.count + examined.count
        var file = StateBinaryWriter(capacity: 64 + instanceIDs.count * 24 + observationCount * 64)
        file.append(Self.magic)
        file.byte(Self.version)
        file.uint64(0)  // the checksum of what follows, filled in below (one buffer, no copy of the body)
        file.digest(key)
        if let graphIdentity {
            file.byte(1)
            file.digest(graphIdentity)
        } else {
            file.byte(0)
        }
        file.varint(instanceIDs.count)
        for id in instanceIDs { file.inlineString(id) }
        file.varint(stateFiles.count)
        for observation in stateFiles { Self.encode(observation, flags: [], digest: nil, into: &file) }
        file.varint(graphObservations.count - graphCovered.count { $0 })
        for (position, observation) in graphObservations.enumerated() {
            if !graphCovered.isEmpty && graphCovered[position] { continue }
            let kind = observation.metadata?.kind
            let listing = kind == .directory && !graphDigests.isEmpty ? graphDigests[position] : nil
            var flags: EntryFlags = []
            if !observation.followsLinks, kind == .regularFile || kind == .other {
                flags.insert(.kindOnly)
            } else if !observation.isSettled(at: start, granularity: granularity) {
                guard listing != nil else { return nil }
                flags.insert(.verifiesContent)
            }
            Self.encode(observation, flags: flags, digest: listing, into: &file)
        }
        file.varint(examined.count)
        for (position, observation) in examined.enumerated() {
            let digest = examinedDigests.isEmpty ? nil : examinedDigests[position]
            var flags: EntryFlags = []
            if !observation.isSettled(at: start, granularity: granularity) {
                guard digest != nil, observation.metadata?.kind == .regularFile else { return nil }
                flags.insert(.verifiesContent)
            }
            Self.encode(observation, flags: flags, digest: digest, into: &file)
        }
        Self.setChecksum(of: &file.bytes)
        return file.bytes
    }

    init(
        key: ContentDigest, graphIdentity: ContentDigest? = nil, instanceIDs: [String],
        graphObservations: [FileObservation] = [], examined: [FileObservation], examinedDigests: [ContentDigest?] = [],
        stateFiles: [FileObservation]
    ) {
        precondition(examinedDigests.isEmpty || examinedDigests.count == examined.count, "a digest per path")
        self.key = key
        self.graphIdentity = graphIdentity
        self.instanceIDs = instanceIDs
        self.graphObservations = graphObservations
        self.examined = examined
        self.examinedDigests = examinedDigests
        self.stateFiles = stateFiles
    }

    /// Writes the checksum of everything after it into its place (one buffer, no copy of the body).
    private static func setChecksum(of bytes: inout [UInt8]) {
        let checksum = bytes.withUnsafeBytes {
            ContentHasher.checksum(of: UnsafeRawBufferPointer(rebasing: $0[bodyOffset...]))
        }
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: checksum.littleEndian, toByteOffset: bodyOffset - 8, as: UInt64.self)
        }
    }

    private static func encode(
        _ observation: FileObservation, flags: EntryFlags, digest: ContentDigest?, into writer: inout StateBinaryWriter
    ) {
        writer.inlineString(observation.path)
        var flags = flags
        if observation.followsLinks { flags.insert(.followsLinks) }
        guard let metadata = observation.metadata else {
            writer.byte(flags.subtracting([.kindOnly, .verifiesContent]).rawValue)
            return
        }
        flags.insert(.hasMetadata)
        if digest != nil { flags.insert(.hasDigest) }
        writer.byte(flags.rawValue)
        encodeMetadata(metadata, into: &writer)
        if let digest { writer.digest(digest) }
    }

    private static func encodeMetadata(_ metadata: FileMetadata, into writer: inout StateBinaryWriter) {
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
