import AsyncStreams

/// The expanded graph of the last build that left a no-op stamp, in `.stask/graph`: a build that finds only
/// some files' contents changed since the stamp decodes it instead of expanding the Taskfile again (see
/// `BuildEngine`'s incremental path).
///
/// The file is named by the stamp that vouches for it: the stamp holds the graph's identity (the XXH3-128
/// digest of its payload), and the graph is used only while every path, the Taskfile's bytes, the options and
/// the state files are as that stamp observed them, which is when graph construction would build the very same
/// graph. A missing, damaged or foreign file is a miss, never an error.
///
/// Layout (version 1): the magic `STASKGRF`, a version byte, the payload's digest (16 bytes), then the payload
/// (`BuildGraph.encoded()`).
struct GraphCacheFile: Sendable {
    /// The file's name inside the state directory.
    static let fileName = "graph"
    private static let magic = Array("STASKGRF".utf8)
    private static let version: UInt8 = 1
    private static let headerSize = 8 + 1 + 16

    let path: String
    let fileSystem: any FileSystem

    init(stateDirectory: String, fileSystem: any FileSystem) {
        self.path = ProjectPath.join(stateDirectory, Self.fileName)
        self.fileSystem = fileSystem
    }

    /// Stores `graph` unless the file already holds exactly it (a file torn by a crash is written again); its
    /// identity, or `nil` when it cannot be encoded or written (the next build then goes the full way).
    func store(_ graph: BuildGraph) -> ContentDigest? {
        guard let payload = graph.encoded() else { return nil }
        let identity = ContentHasher.digest(of: payload)
        var file = StateBinaryWriter(capacity: Self.headerSize + payload.count)
        file.append(Self.magic)
        file.byte(Self.version)
        file.digest(identity)
        file.append(payload)
        if (try? fileSystem.readFile(atPath: path)) == file.bytes { return identity }
        do {
            try fileSystem.writeCacheFile(atPath: path, contents: file.bytes)
            return identity
        } catch {
            return nil
        }
    }

    /// The graph stored under `identity`, decoded but for its tasks' settings (which need the Taskfile); `nil`
    /// when the file holds another graph or cannot be read or decoded.
    func storedGraph(identity: ContentDigest) -> StoredGraph? {
        guard let bytes = try? fileSystem.readFile(atPath: path), bytes.count >= Self.headerSize else { return nil }
        return bytes.withUnsafeBytes { raw -> StoredGraph? in
            var header = StateBinaryReader(raw)
            guard let magic = try? header.bytes(Self.magic.count), magic.elementsEqual(Self.magic),
                (try? header.byte()) == Self.version, (try? header.digest()) == identity
            else { return nil }
            let payload = UnsafeRawBufferPointer(rebasing: raw[Self.headerSize...])
            guard ContentHasher.digest(of: payload) == identity else { return nil }
            return try? StoredGraph(decoding: payload)
        }
    }
}
