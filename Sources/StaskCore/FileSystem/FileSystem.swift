/// The file-system seam of the build engine.
///
/// Paths are absolute, `/`-separated strings. `LocalFileSystem` talks to the kernel; `InMemoryFileSystem`
/// backs unit tests (as ninja's `VirtualFileSystem` does). Implementations are thread-safe.
package protocol FileSystem: Sendable {
    /// Metadata of the file at `path`, following symbolic links; `nil` when nothing is there
    /// (a missing file is not an error).
    func metadata(atPath path: String) throws(FileSystemError) -> FileMetadata?

    /// Metadata of the entry itself, not following a final symbolic link; `nil` when absent.
    func linkMetadata(atPath path: String) throws(FileSystemError) -> FileMetadata?

    /// The names (not paths) of the entries of a directory, sorted byte-wise.
    func contentsOfDirectory(atPath path: String) throws(FileSystemError) -> [String]

    /// The entries of a directory with the kind of each when the listing itself tells it (`d_type`), in no
    /// particular order: lets a glob walk skip one `lstat` per entry.
    ///
    /// A `nil` kind means "not known from the listing": the caller examines the entry itself. A default
    /// implementation returns `contentsOfDirectory(atPath:)` with every kind `nil`.
    /// - Throws: as `contentsOfDirectory(atPath:)`.
    func directoryEntries(atPath path: String) throws(FileSystemError) -> [DirectoryEntry]

    /// The whole contents of a regular file.
    func readFile(atPath path: String) throws(FileSystemError) -> [UInt8]

    /// Replaces the file at `path` atomically: a crash leaves either the old or the new contents.
    func writeFile(atPath path: String, contents: [UInt8]) throws(FileSystemError)

    /// Replaces the file at `path` atomically, as `writeFile(atPath:contents:)`, with contents produced in
    /// pieces, so that a large file is never held in memory whole.
    ///
    /// `produce` appends the contents through the function it is given, chunk by chunk (each chunk is read
    /// only during the call), and returns bytes that then replace the file's first bytes: a header that
    /// depends on everything after it (a length, a checksum). It must not be longer than what was appended.
    /// A default implementation collects the chunks and calls `writeFile(atPath:contents:)`.
    /// - Returns: the file's size.
    func writeFile(
        atPath path: String,
        producing produce: (_ append: (UnsafeRawBufferPointer) throws(FileSystemError) -> Void) throws(FileSystemError)
            -> [UInt8]
    ) throws(FileSystemError) -> Int

    /// Replaces the file at `path` atomically, as ``writeFile(atPath:contents:)``, without waiting for its
    /// contents to reach the disk: after a system crash it may hold the old contents, the new ones, or a
    /// torn or empty file. For files that prove their own contents (a checksum or a digest, checked on every
    /// read) and whose loss costs only time: the no-op stamp and the caches beside the state. A default
    /// implementation calls ``writeFile(atPath:contents:)``.
    func writeCacheFile(atPath path: String, contents: [UInt8]) throws(FileSystemError)

    /// Creates a directory and any missing parents; succeeds when it already exists.
    func createDirectory(atPath path: String) throws(FileSystemError)

    /// Removes a file, or a directory with everything in it; succeeds when nothing is there.
    ///
    /// A symbolic link is removed itself; what it points to is left alone.
    func removeItem(atPath path: String) throws(FileSystemError)

    /// Streams the contents of a regular file through `body`, one chunk at a time, in order.
    ///
    /// This is how files are hashed without holding them in memory. `buffer` is scratch space the caller
    /// owns and reuses across calls (so large files need no allocation); an implementation may read into
    /// it, or pass `body` its own memory. A chunk is valid only during the call that receives it. An empty
    /// file produces no chunk. A default implementation reads the whole file with `readFile(atPath:)`.
    ///
    /// `expectedSize` is the size the caller just observed (`stat`), if any: once that many bytes are
    /// read, an implementation may take it as the end of the file without the read that would return
    /// nothing (one system call less per small file). A file that grew since gives more bytes in the
    /// same read and is read to its end as usual; one that was appended to exactly after it is the file
    /// as it was observed, which is what the caller's metadata describes.
    ///
    /// - Throws: `FileSystemError.notFound` when nothing is there, `.wrongKind` or `.systemCall` otherwise.
    func readChunks(
        atPath path: String, buffer: UnsafeMutableRawBufferPointer, expectedSize: UInt64?,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) throws(FileSystemError)

    /// Opens the file at `path` for appending, creating it (empty) when it is missing.
    ///
    /// Used for the build-state journal. Parents must exist. A default implementation rewrites the whole
    /// file with `writeFile(atPath:contents:)` on each append (fine for fakes, slow for real files).
    ///
    /// - Throws: `FileSystemError` when the file cannot be opened or created.
    func openForAppending(atPath path: String) throws(FileSystemError) -> any AppendableFile

    /// Calls `body` with a function that examines a path given as UTF-8 bytes (`stat`, or `lstat` when the
    /// flag is false) and returns its metadata, `.some(nil)` when it is absent, or `nil` when it cannot be
    /// examined; a relative path is relative to `directory`.
    ///
    /// The no-op stamp checks tens of thousands of paths this way; an implementation may make each
    /// examination cheaper than ``metadata(atPath:)`` (no `String` per path, one walk of `directory`).
    func withPathExaminer<Result>(
        below directory: String, _ body: ((UnsafeRawBufferPointer, Bool) -> FileMetadata??) -> Result
    ) -> Result

    /// Examines every path of `paths` as ``withPathExaminer(below:_:)``'s function does (the path's UTF-8
    /// bytes and whether to follow a final link) and returns the results in the same order.
    ///
    /// A default implementation examines them one after another; an implementation may spread them over
    /// threads. The bytes must stay valid until it returns.
    func examineAll(_ paths: [(UnsafeRawBufferPointer, Bool)], below directory: String) -> [FileMetadata??]

    // MARK: Writing and removing below a directory that must not be left

    /// What the symbolic link at `path` holds, as written (`readlink`); `nil` when `path` is absent or not a
    /// link. A default implementation returns `nil`: a fake without links.
    func symbolicLinkDestination(atPath path: String) throws(FileSystemError) -> String?

    /// `createDirectory(atPath:)` for a `path` below `root`, resolving every component below `root` without
    /// ever following a symbolic link out of it (one inside is followed).
    ///
    /// - Throws: `FileSystemError.leavesDirectory` naming the link that would lead out; as
    ///   `createDirectory(atPath:)` otherwise.
    func createDirectory(atPath path: String, beneath root: String) throws(FileSystemError)

    /// `removeItem(atPath:)` for a `path` below `root`: its directory is resolved as in
    /// ``createDirectory(atPath:beneath:)``; a final symbolic link is removed itself, and a directory tree is
    /// removed without following any link in it.
    ///
    /// - Throws: `FileSystemError.leavesDirectory`; as `removeItem(atPath:)` otherwise.
    func removeItem(atPath path: String, beneath root: String) throws(FileSystemError)

    /// `writeFile(atPath:contents:)` for a `path` below `root`, its directory resolved (and created) as in
    /// ``createDirectory(atPath:beneath:)``; a final symbolic link is replaced, not written through.
    ///
    /// - Throws: `FileSystemError.leavesDirectory`; as `writeFile(atPath:contents:)` otherwise.
    func writeFile(atPath path: String, contents: [UInt8], beneath root: String) throws(FileSystemError)

    /// ``writeCacheFile(atPath:contents:)`` for a `path` below `root`, contained as
    /// ``writeFile(atPath:contents:beneath:)``.
    ///
    /// - Throws: `FileSystemError.leavesDirectory`; as `writeFile(atPath:contents:)` otherwise.
    func writeCacheFile(atPath path: String, contents: [UInt8], beneath root: String) throws(FileSystemError)

    /// `writeFile(atPath:producing:)` for a `path` below `root`, contained as
    /// ``writeFile(atPath:contents:beneath:)``.
    ///
    /// - Returns: the file's size.
    /// - Throws: `FileSystemError.leavesDirectory`; as `writeFile(atPath:producing:)` otherwise.
    func writeFile(
        atPath path: String, beneath root: String,
        producing produce: (_ append: (UnsafeRawBufferPointer) throws(FileSystemError) -> Void) throws(FileSystemError)
            -> [UInt8]
    ) throws(FileSystemError) -> Int

    /// `openForAppending(atPath:)` for a `path` below `root`; a final symbolic link is not followed.
    ///
    /// - Throws: `FileSystemError.leavesDirectory`; as `openForAppending(atPath:)` otherwise.
    func openForAppending(atPath path: String, beneath root: String) throws(FileSystemError) -> any AppendableFile
}

/// One entry of a directory listing: its name and, when the listing says, its kind (not following a link).
package struct DirectoryEntry: Sendable, Hashable {
    /// The entry's name (not a path).
    package var name: String
    /// `lstat`'s kind as the directory listing reports it; `nil` when the listing does not say.
    package var kind: FileKind?

    /// Creates an entry.
    package init(name: String, kind: FileKind?) {
        self.name = name
        self.kind = kind
    }
}

/// What kind of entry a path names.
package enum FileKind: Sendable, Hashable {
    case regularFile, directory, symbolicLink, other
}

/// The metadata stask's stat cache keys on.
///
/// The small fields come last, so the value is 45 bytes with no padding inside: a 100,000-target build
/// keeps some 300,000 of them (stat cache, stamp observations).
package struct FileMetadata: Sendable, Hashable {
    package var size: UInt64
    package var device: UInt64
    package var inode: UInt64
    /// Modification time, nanoseconds since the epoch.
    package var modificationTime: Int64
    /// Status-change time, nanoseconds since the epoch.
    package var changeTime: Int64
    /// Permission bits.
    package var mode: UInt32
    package var kind: FileKind

    package init(
        kind: FileKind, size: UInt64, device: UInt64 = 0, inode: UInt64 = 0, modificationTime: Int64 = 0,
        changeTime: Int64 = 0, mode: UInt32 = 0o644
    ) {
        self.kind = kind
        self.size = size
        self.device = device
        self.inode = inode
        self.modificationTime = modificationTime
        self.changeTime = changeTime
        self.mode = mode
    }
}

/// A file-system operation failed for a reason other than "not there" where absence is allowed.
package enum FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path does not exist where it must.
    case notFound(path: String)
    /// The path exists but is the wrong kind (a directory where a file was expected, …).
    case wrongKind(path: String, expected: String)
    /// A system call failed; `errno` and the operation name are kept as values.
    case systemCall(path: String, operation: String, errno: Int32)
    /// Reaching `path` would leave the directory `root` through the symbolic link `link` (absolute), which
    /// points to `destination`; stask does not write or remove there.
    case leavesDirectory(path: String, root: String, link: String, destination: String)

    package var description: String {
        switch self {
        case .notFound(let path): "'\(path)': no such file or directory"
        case .wrongKind(let path, let expected): "'\(path)': expected \(expected)"
        case .systemCall(let path, let operation, let errno):
            "'\(path)': \(operation) failed: \(ErrorNumber.message(errno)) (errno \(errno))"
        case .leavesDirectory(let path, let root, let link, let destination):
            "'\(path)' lies outside '\(root)' through the symbolic link '\(link)' (-> \(destination)); "
                + "stask writes and removes only inside it"
        }
    }
}
