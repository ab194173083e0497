/// The last parsed Taskfile of a project, kept in `.stask/taskfile.cache` so that an unchanged Taskfile is
/// not parsed again: decoding it costs a few milliseconds where parsing a large Taskfile's YAML costs
/// hundreds.
///
/// The entry is keyed by a digest of everything parsing depends on (the Taskfile's bytes and path, the
/// working directory its messages are relative to, the variable overrides) and of the running executable's
/// identity, so that a stask built from other sources, whose Taskfile model may differ, never trusts it.
/// A missing, foreign, damaged or truncated file is a miss, never an error: the Taskfile is then parsed
/// as usual and the entry rewritten, atomically (of two stask processes storing at once, the last one's
/// entry stays). It holds one entry: builds that alternate variable overrides, `-f` files or working
/// directories in one project parse on each switch.
///
/// File layout (version ``Taskfile/encodingVersion``, little-endian): the magic `STASKTFC`, the
/// format version (4 bytes), the key (16 bytes), the payload's XXH3-128 digest (16 bytes), and the payload
/// (`Taskfile.encoded()`). A file of another version is a miss; nothing migrates it.
package struct ParsedTaskfileCache: Sendable {
    /// The file's name inside the state directory.
    package static let fileName = "taskfile.cache"
    private static let magic = Array("STASKTFC".utf8)
    private static let headerSize = 8 + 4 + 16 + 16

    /// The cache file's path.
    package let path: String
    private let fileSystem: any FileSystem

    /// The cache of the project whose state directory is `stateDirectory`.
    package init(stateDirectory: String, fileSystem: any FileSystem) {
        self.path = ProjectPath.join(stateDirectory, Self.fileName)
        self.fileSystem = fileSystem
    }

    /// The key of a parse of `bytes` read from `path`.
    ///
    /// - Parameters:
    ///   - executableIdentity: Identifies the running stask (see `BuildEngine.executableIdentity`).
    package static func key(
        bytes: [UInt8], path: String, workingDirectory: String, variableOverrides: [String: String],
        executableIdentity: String
    ) -> ContentDigest {
        var text = "stask-taskfile \(Taskfile.encodingVersion)\u{0}\(executableIdentity)\u{0}"
        text += "\(path)\u{0}\(workingDirectory)\u{0}"
        for (name, value) in variableOverrides.sorted(by: { $0.key < $1.key }) { text += "var \(name)=\(value)\u{0}" }
        var keyed = Array(text.utf8)
        keyed.append(contentsOf: bytes)
        return ContentHasher.digest(of: keyed)
    }

    /// The Taskfile stored under `key`; `nil` when there is none, another key's, or a damaged one.
    package func taskfile(for key: ContentDigest) -> Taskfile? {
        guard let bytes = try? fileSystem.readFile(atPath: path), bytes.count >= Self.headerSize else { return nil }
        return bytes.withUnsafeBytes { buffer -> Taskfile? in
            var header = StateBinaryReader(buffer)
            guard let magic = try? header.bytes(Self.magic.count), magic.elementsEqual(Self.magic),
                let version = try? header.uint32(), version == Taskfile.encodingVersion,
                let storedKey = try? header.digest(), storedKey == key,
                let checksum = try? header.digest()
            else { return nil }
            let payload = UnsafeRawBufferPointer(rebasing: buffer[Self.headerSize...])
            guard ContentHasher.digest(of: payload) == checksum else { return nil }
            return try? Taskfile.decoded(from: payload)
        }
    }

    /// Stores `taskfile` under `key`, replacing the file atomically; a failure to write is ignored (the
    /// next run parses again).
    package func store(_ taskfile: Taskfile, key: ContentDigest) {
        let payload = taskfile.encoded()
        var file = StateBinaryWriter(capacity: Self.headerSize + payload.count)
        file.append(Self.magic)
        file.uint32(Taskfile.encodingVersion)
        file.digest(key)
        file.digest(ContentHasher.digest(of: payload))
        file.append(payload)
        try? fileSystem.writeCacheFile(atPath: path, contents: file.bytes)
    }
}
