import StaskCore
import StaskPosix
import StaskRemote
import Synchronization

/// The SHA-256 digests of a build's input files, each file read once while it is unchanged: many actions share
/// inputs (headers, a library several links use), and a file another action writes during the build is read
/// again, because its metadata changed.
///
/// Thread-safe: actions ask from many tasks at once.
final class InputDigests: Sendable {
    /// What is known of one file: its digest while its metadata stays the same.
    struct Entry: Sendable {
        var metadata: FileMetadata
        var digest: SHA256Digest
        var size: Int
        var isExecutable: Bool
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// The digest of the regular file at `path` (absolute); `nil` when there is none (a missing input is left
    /// out of the input root, and the command reports it).
    ///
    /// - Throws: `FileSystemError` when the file exists but cannot be read.
    func entry(atPath path: String) throws -> Entry? {
        guard let metadata = try LocalFileSystem().metadata(atPath: path), metadata.kind == .regularFile else {
            return nil
        }
        if let known = entries.withLock({ $0[path] }), known.metadata == metadata { return known }
        let contents = try LocalFileSystem().readFile(atPath: path)
        let entry = Entry(
            metadata: metadata, digest: SHA256Hasher.digest(of: contents), size: contents.count,
            isExecutable: metadata.mode & 0o111 != 0)
        entries.withLock { $0[path] = entry }
        return entry
    }
}
