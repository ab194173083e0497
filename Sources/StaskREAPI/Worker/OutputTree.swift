import StaskCore
import StaskPosix
import SwiftProtobuf

/// An output directory of an action as the Remote Execution API reports it: a `Tree` message (the root
/// `Directory` and every directory below it) and the contents of its files by digest, read from disk.
struct OutputTree: Sendable {
    typealias Digest = Build_Bazel_Remote_Execution_V2_Digest
    typealias Directory = Build_Bazel_Remote_Execution_V2_Directory

    /// The tree: `root` and its descendants in `children` (each distinct directory once).
    let tree: Build_Bazel_Remote_Execution_V2_Tree
    /// The digest of the root `Directory` message.
    let rootDigest: Digest
    /// The files' contents and the serialized `Tree` itself, by digest: the blobs to upload.
    let blobs: [Digest: [UInt8]]
    /// The digest of the serialized ``tree``.
    let treeDigest: Digest

    /// Reads the directory at `path`: entries sorted by name (as the API requires), regular files with their
    /// executable bit, directories recursively, symbolic links by their destination; other kinds are skipped.
    ///
    /// - Throws: `FileSystemError` when an entry cannot be read.
    init(directoryAt path: String) throws(FileSystemError) {
        var blobs: [Digest: [UInt8]] = [:]
        var children: [Digest: Directory] = [:]
        let root = try Self.directory(at: path, blobs: &blobs, children: &children)
        var tree = Build_Bazel_Remote_Execution_V2_Tree()
        tree.root = root
        tree.children = children.sorted { $0.key.hash < $1.key.hash }.map(\.value)
        let treeBytes = Self.serialized(tree)
        let treeDigest = Digest(of: treeBytes)
        blobs[treeDigest] = treeBytes
        self.tree = tree
        self.rootDigest = Digest(of: Self.serialized(root))
        self.treeDigest = treeDigest
        self.blobs = blobs
    }

    private static func directory(
        at path: String, blobs: inout [Digest: [UInt8]], children: inout [Digest: Directory]
    ) throws(FileSystemError) -> Directory {
        var directory = Directory()
        for name in try LocalFileSystem().contentsOfDirectory(atPath: path) {
            let child = path + "/" + name
            switch try OutputEntry.read(at: child) {
            case .file(let contents, let isExecutable):
                var node = Build_Bazel_Remote_Execution_V2_FileNode()
                node.name = name
                node.digest = Digest(of: contents)
                node.isExecutable = isExecutable
                blobs[node.digest] = contents
                directory.files.append(node)
            case .directory:
                let subdirectory = try Self.directory(at: child, blobs: &blobs, children: &children)
                var node = Build_Bazel_Remote_Execution_V2_DirectoryNode()
                node.name = name
                node.digest = Digest(of: serialized(subdirectory))
                children[node.digest] = subdirectory
                directory.directories.append(node)
            case .symbolicLink(let target):
                var node = Build_Bazel_Remote_Execution_V2_SymlinkNode()
                node.name = name
                node.target = target
                directory.symlinks.append(node)
            case nil:
                continue
            }
        }
        return directory
    }

    /// The message's bytes: deterministic for these messages (no maps), so equal trees have equal digests.
    static func serialized(_ message: some SwiftProtobuf.Message) -> [UInt8] {
        // Serializing a message built in memory cannot fail (only unset required fields of proto2 can).
        (try? message.serializedBytes()) ?? []
    }
}
