import StaskCore
import StaskRemote
import SwiftProtobuf

/// The input root of a remote action: the Merkle tree of REAPI `Directory` messages over a task's input files,
/// as the Remote Execution API wants it (each directory's files and subdirectories sorted by name, each child
/// directory named by the SHA-256 digest of its serialized message, the root's digest in `Action.input_root_digest`).
///
/// ```swift
/// let tree = try InputRoot(files: [.init(path: "src/a.c", digest: digest, isExecutable: false)])
/// action.inputRootDigest = tree.rootDigest
/// // upload tree.directories (message bytes by digest) with the files' contents
/// ```
///
/// Paths are project-relative and `/`-separated; `directories` lists directories that must exist even when empty
/// (the parents of declared outputs are created by the worker, as REAPI specifies, so they need not be here).
struct InputRoot: Sendable {
    typealias Digest = Build_Bazel_Remote_Execution_V2_Digest

    /// One input file.
    struct File: Sendable, Hashable {
        /// Project-relative, `/`-separated, normalized.
        var path: String
        /// Its content digest (SHA-256 and size).
        var digest: Digest
        var isExecutable: Bool
    }

    /// The root directory's digest.
    let rootDigest: Digest
    /// Every directory message of the tree, serialized, by digest (the root's included).
    let directories: [Digest: [UInt8]]

    /// Builds the tree.
    ///
    /// - Throws: ``InputRootError`` for a path that is not a normalized relative path, a path listed twice with
    ///   different contents, or a path that is both a file and a directory.
    /// - Complexity: O(n log n) in the number of files.
    init(files: [File], directories extraDirectories: [String] = []) throws(InputRootError) {
        var root = Node()
        for file in files {
            let components = try Self.components(of: file.path)
            try root.insert(file, at: components[...])
        }
        for directory in extraDirectories where !directory.isEmpty && directory != "." {
            try root.insertDirectory(at: try Self.components(of: directory)[...], path: directory)
        }
        var messages: [Digest: [UInt8]] = [:]
        rootDigest = root.serialize(into: &messages)
        self.directories = messages
    }

    private static func components(of path: String) throws(InputRootError) -> [String] {
        let components = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !path.isEmpty, !path.hasPrefix("/"),
            components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
        else { throw .notRelative(path) }
        return components
    }

    /// A directory being built: files and subdirectories by name.
    private struct Node {
        var files: [String: File] = [:]
        var children: [String: Node] = [:]

        mutating func insert(_ file: File, at components: ArraySlice<String>) throws(InputRootError) {
            let name = components[components.startIndex]
            if components.count == 1 {
                if children[name] != nil { throw .fileAndDirectory(file.path) }
                if let existing = files[name], existing != file { throw .conflictingContents(file.path) }
                files[name] = file
                return
            }
            if files[name] != nil { throw .fileAndDirectory(file.path) }
            try children[name, default: Node()].insert(file, at: components.dropFirst())
        }

        mutating func insertDirectory(at components: ArraySlice<String>, path: String) throws(InputRootError) {
            guard let name = components.first else { return }
            if files[name] != nil { throw .fileAndDirectory(path) }
            try children[name, default: Node()].insertDirectory(at: components.dropFirst(), path: path)
        }

        /// Serializes this directory after its children; returns its digest.
        func serialize(into messages: inout [Digest: [UInt8]]) -> Digest {
            var directory = Build_Bazel_Remote_Execution_V2_Directory()
            // REAPI sorts by name as UTF-8 bytes (the digest must be the same on every client).
            for name in files.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                let file = files[name]!
                var node = Build_Bazel_Remote_Execution_V2_FileNode()
                node.name = name
                node.digest = file.digest
                node.isExecutable = file.isExecutable
                directory.files.append(node)
            }
            for name in children.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                var node = Build_Bazel_Remote_Execution_V2_DirectoryNode()
                node.name = name
                node.digest = children[name]!.serialize(into: &messages)
                directory.directories.append(node)
            }
            // Deterministic: these messages have no maps, and fields serialize in number order.
            let bytes: [UInt8] = (try? directory.serializedBytes()) ?? []
            let digest = Digest(of: bytes)
            messages[digest] = bytes
            return digest
        }
    }
}

/// A set of input files that cannot make an input root.
enum InputRootError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A path that is absolute, empty, or holds `.`, `..` or an empty component.
    case notRelative(String)
    /// A path listed twice with different digests or modes.
    case conflictingContents(String)
    /// A path that is a file and also a directory holding other inputs.
    case fileAndDirectory(String)

    var description: String {
        switch self {
        case .notRelative(let path): "input '\(path)' is not a normalized path inside the project"
        case .conflictingContents(let path): "input '\(path)' is listed twice with different contents"
        case .fileAndDirectory(let path): "input '\(path)' is both a file and a directory"
        }
    }
}
