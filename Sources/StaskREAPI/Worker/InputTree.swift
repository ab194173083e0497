import Glibc
import StaskCore
import StaskPosix
import StaskRemote
import SwiftProtobuf

/// An action's input root: its `Directory` messages fetched from the CAS, and their materialisation in a
/// directory of the worker.
struct InputTree: Sendable {
    typealias Digest = Build_Bazel_Remote_Execution_V2_Digest
    typealias Directory = Build_Bazel_Remote_Execution_V2_Directory

    /// The root directory's digest.
    let root: Digest
    /// Every directory of the tree by digest (a directory that appears twice is held once).
    let directories: [Digest: Directory]

    /// The tree as given; `directories` must hold `root` and every directory below it.
    init(root: Digest, directories: [Digest: Directory]) {
        self.root = root
        self.directories = directories
    }

    /// Fetches the tree under `root` from `store`, one batch per level.
    ///
    /// - Throws: ``WorkerError/missingBlob(kind:digest:)`` or ``WorkerError/corruptBlob(kind:digest:)`` for a
    ///   directory the CAS lacks or holds damaged; the store's error when a call fails.
    static func fetch(root: Digest, from store: ContentStore) async throws -> InputTree {
        var directories: [Digest: Directory] = [:]
        var level: [Digest] = [root]
        while !level.isEmpty {
            let blobs = try await store.download(level)
            var next: [Digest] = []
            for digest in level {
                let directory = try decode(Directory.self, kind: "input directory", digest: digest, from: blobs)
                directories[digest] = directory
                for child in directory.directories where directories[child.digest] == nil {
                    next.append(child.digest)
                }
            }
            level = Array(Set(next))
        }
        return InputTree(root: root, directories: directories)
    }

    /// The digests of every input file, each once.
    var fileDigests: [Digest] {
        Array(Set(directories.values.lazy.flatMap { $0.files.map(\.digest) }))
    }

    /// Writes the tree into `path` (an existing, empty directory): directories, files with their contents
    /// from `blobs` and their executable bit, symbolic links as given.
    ///
    /// - Throws: ``WorkerError/invalidPath(_:)`` for a name that is empty, `.`, `..` or holds `/`;
    ///   ``WorkerError/missingBlob(kind:digest:)`` for a file whose contents `blobs` lacks;
    ///   ``WorkerError/localFiles(_:)`` when writing fails.
    func materialize(into path: String, blobs: [Digest: [UInt8]]) throws(WorkerError) {
        try materialize(root, at: path, beneath: path, blobs: blobs, depth: 0)
    }

    private func materialize(
        _ digest: Digest, at path: String, beneath top: String, blobs: [Digest: [UInt8]], depth: Int
    ) throws(WorkerError) {
        // A tree whose directories contain each other (by digest) would never end.
        guard depth < 256 else { throw .invalidPath(path) }
        guard let directory = directories[digest] else {
            throw .missingBlob(kind: "input directory", digest: digest.resourcePath)
        }
        let fileSystem = LocalFileSystem()
        for file in directory.files {
            let child = try Self.child(path, file.name)
            guard let contents = blobs[file.digest] else {
                throw .missingBlob(kind: "input file", digest: file.digest.resourcePath)
            }
            do {
                try fileSystem.writeRestoredFile(
                    atPath: child, contents: contents, isExecutable: file.isExecutable, beneath: top)
            } catch {
                throw .localFiles("cannot write '\(child)': \(error)")
            }
        }
        for subdirectory in directory.directories {
            let child = try Self.child(path, subdirectory.name)
            do {
                try fileSystem.createDirectory(atPath: child, beneath: top)
            } catch {
                throw .localFiles("cannot create '\(child)': \(error)")
            }
            try materialize(subdirectory.digest, at: child, beneath: top, blobs: blobs, depth: depth + 1)
        }
        for link in directory.symlinks {
            let child = try Self.child(path, link.name)
            guard symlink(link.target, child) == 0 else {
                throw .localFiles("cannot create the symbolic link '\(child)': \(ErrorNumber.message(errno))")
            }
        }
    }

    /// `parent/name` for a name of a `Directory` message, which must be one plain path component.
    private static func child(_ parent: String, _ name: String) throws(WorkerError) -> String {
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/"), !name.contains("\0") else {
            throw .invalidPath(parent + "/" + name)
        }
        return parent + "/" + name
    }

    /// Decodes the blob `digest` of `blobs` as a `Message`, after checking it hashes to its digest.
    static func decode<Message: SwiftProtobuf.Message>(
        _ type: Message.Type, kind: String, digest: Digest, from blobs: [Digest: [UInt8]]
    ) throws(WorkerError) -> Message {
        guard let bytes = blobs[digest] else { throw .missingBlob(kind: kind, digest: digest.resourcePath) }
        guard Digest(of: bytes) == digest, let message = try? Message(serializedBytes: bytes) else {
            throw .corruptBlob(kind: kind, digest: digest.resourcePath)
        }
        return message
    }
}
