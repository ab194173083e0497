import Synchronization

// MARK: - Default implementations for simple conformers (fakes)

extension FileSystem {
    /// Collects the chunks, puts the header over their start, and writes the whole with
    /// `writeFile(atPath:contents:)`: fine for fakes; `LocalFileSystem` streams to disk instead.
    ///
    /// - Throws: whatever `produce` or `writeFile(atPath:contents:)` throws.
    package func writeFile(
        atPath path: String,
        producing produce: (_ append: (UnsafeRawBufferPointer) throws(FileSystemError) -> Void) throws(FileSystemError)
            -> [UInt8]
    ) throws(FileSystemError) -> Int {
        var contents: [UInt8] = []
        let header = try produce { chunk in contents.append(contentsOf: chunk) }
        precondition(header.count <= contents.count, "a header longer than the contents")
        contents.replaceSubrange(0..<header.count, with: header)
        try writeFile(atPath: path, contents: contents)
        return contents.count
    }

    /// Reads the whole file with `readFile(atPath:)` and passes it to `body` in one chunk.
    ///
    /// - Throws: whatever `readFile(atPath:)` throws.
    package func readChunks(
        atPath path: String, buffer: UnsafeMutableRawBufferPointer, expectedSize: UInt64?,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) throws(FileSystemError) {
        let bytes = try readFile(atPath: path)
        if !bytes.isEmpty { bytes.withUnsafeBytes { body($0) } }
    }

    /// `readChunks(atPath:buffer:expectedSize:_:)` without an expected size: reads to the end.
    package func readChunks(
        atPath path: String, buffer: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void
    ) throws(FileSystemError) {
        try readChunks(atPath: path, buffer: buffer, expectedSize: nil, body)
    }

    /// `contentsOfDirectory(atPath:)` with no kinds: the caller examines each entry.
    ///
    /// - Throws: whatever `contentsOfDirectory(atPath:)` throws.
    package func directoryEntries(atPath path: String) throws(FileSystemError) -> [DirectoryEntry] {
        try contentsOfDirectory(atPath: path).map { DirectoryEntry(name: $0, kind: nil) }
    }

    /// Returns a file whose appends rewrite the whole file through `writeFile(atPath:contents:)`.
    ///
    /// - Throws: whatever `readFile(atPath:)` or `writeFile(atPath:contents:)` throws when creating the file.
    package func openForAppending(atPath path: String) throws(FileSystemError) -> any AppendableFile {
        let existing: [UInt8]
        if try metadata(atPath: path) != nil {
            existing = try readFile(atPath: path)
        } else {
            existing = []
            try writeFile(atPath: path, contents: [])
        }
        return RewritingAppendableFile(fileSystem: self, path: path, contents: existing)
    }

    /// Writes the file as ``writeFile(atPath:contents:)`` does: a fake has no disk to wait for.
    package func writeCacheFile(atPath path: String, contents: [UInt8]) throws(FileSystemError) {
        try writeFile(atPath: path, contents: contents)
    }

    /// Examines the paths one after another through ``withPathExaminer(below:_:)``.
    package func examineAll(_ paths: [(UnsafeRawBufferPointer, Bool)], below directory: String) -> [FileMetadata??] {
        withPathExaminer(below: directory) { examine in paths.map { examine($0.0, $0.1) } }
    }

    /// Examines each path through ``metadata(atPath:)`` or ``linkMetadata(atPath:)``.
    package func withPathExaminer<Result>(
        below directory: String, _ body: ((UnsafeRawBufferPointer, Bool) -> FileMetadata??) -> Result
    ) -> Result {
        body { path, followsLinks in
            let path = ProjectPath.absolute(String(decoding: path, as: UTF8.self), project: directory)
            return try? followsLinks ? metadata(atPath: path) : linkMetadata(atPath: path)
        }
    }
}

/// An `AppendableFile` over any `FileSystem`, rewriting the file atomically on every change.
final class RewritingAppendableFile: AppendableFile {
    let path: String
    private let fileSystem: any FileSystem
    private let contents: Mutex<[UInt8]>

    init(fileSystem: any FileSystem, path: String, contents: [UInt8]) {
        self.fileSystem = fileSystem
        self.path = path
        self.contents = Mutex(contents)
    }

    // The rewrite happens under the lock so that concurrent appends reach the file in order; this type
    // only serves fakes, where that write is a memory copy.
    func append(_ bytes: [UInt8]) throws(FileSystemError) {
        try contents.withLock { (current: inout [UInt8]) throws(FileSystemError) in
            try fileSystem.writeFile(atPath: path, contents: current + bytes)
            current += bytes
        }
    }

    func truncate(toSize size: UInt64) throws(FileSystemError) {
        try contents.withLock { (current: inout [UInt8]) throws(FileSystemError) in
            let kept = Array(current.prefix(Int(clamping: size)))
            try fileSystem.writeFile(atPath: path, contents: kept)
            current = kept
        }
    }

    func synchronize() throws(FileSystemError) {}

    func close() {}

}
