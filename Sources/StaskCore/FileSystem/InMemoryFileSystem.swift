import Synchronization

/// A thread-safe file system held in memory, for unit tests.
///
/// Every write bumps a logical clock that serves as both modification and change time (nanoseconds),
/// so tests can reason about the stat cache deterministically. As in POSIX, adding or removing an entry
/// also sets its directory's times. Symbolic links are modelled as POSIX resolves them: a link in the middle
/// of a path is followed (relative destinations against the link's directory), a final one is followed by
/// `metadata`, `readFile` and `contentsOfDirectory` and not by `linkMetadata`, `removeItem` and `writeFile`
/// (which replaces it, as `rename(2)` does).
package final class InMemoryFileSystem: FileSystem {
    private enum Node {
        case file([UInt8], FileMetadata)
        case directory(FileMetadata)
        case symbolicLink(String, FileMetadata)
    }

    private struct State {
        var nodes: [String: Node] = ["/": .directory(FileMetadata(kind: .directory, size: 0, inode: 1))]
        var clock: Int64 = 1_000_000_000
        var nextInode: UInt64 = 2
    }

    private let state = Mutex(State())

    /// Creates an empty file system containing only `/`.
    package init() {}

    /// Creates a file system holding `files` (path → UTF-8 contents), parents created as needed.
    package convenience init(files: [String: String]) {
        self.init()
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            try! writeFile(atPath: path, contents: Array(text.utf8))
        }
    }

    /// Advances the logical clock by `nanoseconds` without touching any file.
    package func advanceClock(by nanoseconds: Int64) {
        state.withLock { $0.clock += nanoseconds }
    }

    /// Creates a symbolic link at `path` holding `destination` (like `ln -s destination path`); the parent
    /// must exist.
    package func createSymbolicLink(atPath path: String, destination: String) throws(FileSystemError) {
        try state.withLock { (state: inout State) throws(FileSystemError) in
            let path = Self.resolved(path, followingLast: false, in: state)
            guard state.nodes[path] == nil else { throw .wrongKind(path: path, expected: "nothing") }
            state.clock += 1_000_000
            state.nodes[path] = .symbolicLink(
                destination,
                FileMetadata(
                    kind: .symbolicLink, size: UInt64(destination.utf8.count), device: 1, inode: state.nextInode,
                    modificationTime: state.clock, changeTime: state.clock, mode: 0o777))
            state.nextInode += 1
            Self.entriesChanged(in: Self.parent(of: path), &state)
        }
    }

    package func symbolicLinkDestination(atPath path: String) throws(FileSystemError) -> String? {
        state.withLock { state in
            guard
                case .symbolicLink(let destination, _)? = state.nodes[
                    Self.resolved(path, followingLast: false, in: state)]
            else { return nil }
            return destination
        }
    }

    /// `path` with every symbolic link in its directories (and, when `followingLast`, a final one) replaced
    /// by its destination; a loop of links is left unresolved after 40.
    private static func resolved(_ path: String, followingLast: Bool, in state: State) -> String {
        var resolved: [Substring] = []
        var pending: [Substring] = normalized(path).split(separator: "/").reversed()
        var links = 0
        while let name = pending.popLast() {
            if name == "." { continue }
            if name == ".." {
                _ = resolved.popLast()
                continue
            }
            let candidate = "/" + (resolved + [name]).joined(separator: "/")
            if case .symbolicLink(let destination, _)? = state.nodes[candidate], followingLast || !pending.isEmpty,
                links < 40
            {
                links += 1
                if destination.hasPrefix("/") { resolved = [] }
                pending += destination.split(separator: "/").reversed()
                continue
            }
            resolved.append(name)
        }
        return "/" + resolved.joined(separator: "/")
    }

    /// Sets the modification time of a file without changing its contents (like `touch`).
    package func touch(atPath path: String) throws(FileSystemError) {
        try state.withLock { (state: inout State) throws(FileSystemError) in
            let path = Self.resolved(path, followingLast: true, in: state)
            state.clock += 1_000_000
            guard case .file(let bytes, var meta)? = state.nodes[path] else { throw .notFound(path: path) }
            meta.modificationTime = state.clock
            meta.changeTime = state.clock
            state.nodes[path] = .file(bytes, meta)
        }
    }

    package func metadata(atPath path: String) throws(FileSystemError) -> FileMetadata? {
        state.withLock { state in Self.metadata(of: state.nodes[Self.resolved(path, followingLast: true, in: state)]) }
    }

    package func linkMetadata(atPath path: String) throws(FileSystemError) -> FileMetadata? {
        state.withLock { state in Self.metadata(of: state.nodes[Self.resolved(path, followingLast: false, in: state)]) }
    }

    private static func metadata(of node: Node?) -> FileMetadata? {
        switch node {
        case .file(_, let meta)?, .directory(let meta)?, .symbolicLink(_, let meta)?: meta
        case nil: nil
        }
    }

    package func contentsOfDirectory(atPath path: String) throws(FileSystemError) -> [String] {
        try state.withLock { (state: inout State) throws(FileSystemError) -> [String] in
            let path = Self.resolved(path, followingLast: true, in: state)
            guard let node = state.nodes[path] else { throw .notFound(path: path) }
            guard case .directory = node else { throw .wrongKind(path: path, expected: "a directory") }
            let prefix = path == "/" ? "/" : path + "/"
            var names: [String] = []
            for key in state.nodes.keys where key.hasPrefix(prefix) && key != path {
                let rest = key.dropFirst(prefix.count)
                if !rest.contains("/") { names.append(String(rest)) }
            }
            return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        }
    }

    package func readFile(atPath path: String) throws(FileSystemError) -> [UInt8] {
        try state.withLock { (state: inout State) throws(FileSystemError) -> [UInt8] in
            let path = Self.resolved(path, followingLast: true, in: state)
            switch state.nodes[path] {
            case .file(let bytes, _)?: return bytes
            case .directory?: throw .wrongKind(path: path, expected: "a regular file")
            case .symbolicLink?, nil: throw .notFound(path: path)
            }
        }
    }

    package func writeFile(atPath path: String, contents: [UInt8]) throws(FileSystemError) {
        try createDirectory(atPath: Self.parent(of: Self.normalized(path)))
        try state.withLock { (state: inout State) throws(FileSystemError) in
            let path = Self.resolved(path, followingLast: false, in: state)
            state.clock += 1_000_000
            let inode: UInt64
            switch state.nodes[path] {
            case .directory?: throw .wrongKind(path: path, expected: "a regular file")
            case .file(_, let meta)?: inode = meta.inode
            case .symbolicLink?:
                // Replaced, as `rename(2)` replaces a link: the destination is not written.
                inode = state.nextInode
                state.nextInode += 1
            case nil:
                inode = state.nextInode
                state.nextInode += 1
                Self.entriesChanged(in: Self.parent(of: path), &state)
            }
            let meta = FileMetadata(
                kind: .regularFile, size: UInt64(contents.count), device: 1, inode: inode,
                modificationTime: state.clock, changeTime: state.clock)
            state.nodes[path] = .file(contents, meta)
        }
    }

    package func createDirectory(atPath path: String) throws(FileSystemError) {
        let path = state.withLock { state in Self.resolved(path, followingLast: true, in: state) }
        if path == "/" { return }
        try createDirectory(atPath: Self.parent(of: path))
        try state.withLock { (state: inout State) throws(FileSystemError) in
            switch state.nodes[path] {
            case .directory?: return
            case .file?, .symbolicLink?: throw .wrongKind(path: path, expected: "a directory")
            case nil:
                state.clock += 1_000_000
                state.nodes[path] = .directory(
                    FileMetadata(
                        kind: .directory, size: 0, device: 1, inode: state.nextInode,
                        modificationTime: state.clock, changeTime: state.clock))
                state.nextInode += 1
                Self.entriesChanged(in: Self.parent(of: path), &state)
            }
        }
    }

    package func removeItem(atPath path: String) throws(FileSystemError) {
        state.withLock { state in
            let path = Self.resolved(path, followingLast: false, in: state)
            let prefix = path + "/"
            var removed = false
            for key in Array(state.nodes.keys) where key == path || key.hasPrefix(prefix) {
                state.nodes.removeValue(forKey: key)
                removed = true
            }
            if removed {
                state.clock += 1_000_000
                Self.entriesChanged(in: Self.parent(of: path), &state)
            }
        }
    }

    /// Sets the times of `directory`, whose entries changed, to the clock.
    private static func entriesChanged(in directory: String, _ state: inout State) {
        guard case .directory(var meta)? = state.nodes[directory] else { return }
        meta.modificationTime = state.clock
        meta.changeTime = state.clock
        state.nodes[directory] = .directory(meta)
    }

    /// Opens (creating when missing) a file whose appends modify it in place, bumping the clock like writes.
    ///
    /// - Throws: `FileSystemError.notFound` when the parent directory is missing, `.wrongKind` for a
    ///   directory.
    package func openForAppending(atPath path: String) throws(FileSystemError) -> any AppendableFile {
        let path = state.withLock { state in Self.resolved(path, followingLast: true, in: state) }
        guard try metadata(atPath: Self.parent(of: path))?.kind == .directory else {
            throw .notFound(path: Self.parent(of: path))
        }
        if try metadata(atPath: path) == nil { try writeFile(atPath: path, contents: []) }
        return InMemoryAppendableFile(fileSystem: self, path: path)
    }

    /// Applies `change` to the contents of the regular file at `path`, as one write.
    func modifyFile(atPath path: String, _ change: (inout [UInt8]) -> Void) throws(FileSystemError) {
        try state.withLock { (state: inout State) throws(FileSystemError) in
            let path = Self.resolved(path, followingLast: true, in: state)
            guard case .file(var bytes, var meta)? = state.nodes[path] else { throw .notFound(path: path) }
            state.clock += 1_000_000
            change(&bytes)
            meta.size = UInt64(bytes.count)
            meta.modificationTime = state.clock
            meta.changeTime = state.clock
            state.nodes[path] = .file(bytes, meta)
        }
    }

    private static func normalized(_ path: String) -> String {
        ProjectPath.normalizedAbsolute(path)
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}

/// An appendable file of an `InMemoryFileSystem`: each call changes the file in place under its lock.
final class InMemoryAppendableFile: AppendableFile {
    let path: String
    private let fileSystem: InMemoryFileSystem

    init(fileSystem: InMemoryFileSystem, path: String) {
        self.fileSystem = fileSystem
        self.path = path
    }

    func append(_ bytes: [UInt8]) throws(FileSystemError) {
        try fileSystem.modifyFile(atPath: path) { $0 += bytes }
    }

    func truncate(toSize size: UInt64) throws(FileSystemError) {
        try fileSystem.modifyFile(atPath: path) { $0.removeSubrange(min($0.count, Int(clamping: size))...) }
    }

    func synchronize() throws(FileSystemError) {}

    func close() {}
}
