/// A file system whose writes and removals below one directory never leave it.
///
/// Reads pass straight to `base`: inputs may lie anywhere (system headers), and reading is not the risk.
/// Every write, directory creation and removal of a path below ``root`` goes to `base`'s `beneath:` variant,
/// which resolves the path component by component below the root and refuses to follow a symbolic link out
/// of it (`FileSystemError.leavesDirectory`), at the moment of the write: a link that a command creates in
/// the middle of a build cannot redirect stask. A path outside the root (a `--trace` file named on the
/// command line) is written as it is. The build engine wraps its file system in one of these for each build
/// and clean, with the project directory as the root; the no-op and the stamp checks read only, so they
/// cost one more dynamic call and nothing else.
package struct ContainedFileSystem: FileSystem {
    /// The file system doing the work.
    package let base: any FileSystem
    /// The directory (absolute, normalized) that writes and removals below it do not leave.
    package let root: String

    /// Wraps `base`, containing writes below `root`.
    package init(base: any FileSystem, root: String) {
        self.base = base
        self.root = ProjectPath.normalizedAbsolute(root)
    }

    private func isBelowRoot(_ path: String) -> Bool {
        let path = ProjectPath.normalizedAbsolute(path)
        return path != root && ProjectPath.relative(path, toAncestor: root) != nil
    }

    // MARK: - Reads

    package func metadata(atPath path: String) throws(FileSystemError) -> FileMetadata? {
        try base.metadata(atPath: path)
    }

    package func linkMetadata(atPath path: String) throws(FileSystemError) -> FileMetadata? {
        try base.linkMetadata(atPath: path)
    }

    package func contentsOfDirectory(atPath path: String) throws(FileSystemError) -> [String] {
        try base.contentsOfDirectory(atPath: path)
    }

    package func directoryEntries(atPath path: String) throws(FileSystemError) -> [DirectoryEntry] {
        try base.directoryEntries(atPath: path)
    }

    package func readFile(atPath path: String) throws(FileSystemError) -> [UInt8] {
        try base.readFile(atPath: path)
    }

    package func readChunks(
        atPath path: String, buffer: UnsafeMutableRawBufferPointer, expectedSize: UInt64?,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) throws(FileSystemError) {
        try base.readChunks(atPath: path, buffer: buffer, expectedSize: expectedSize, body)
    }

    package func withPathExaminer<Result>(
        below directory: String, _ body: ((UnsafeRawBufferPointer, Bool) -> FileMetadata??) -> Result
    ) -> Result {
        base.withPathExaminer(below: directory, body)
    }

    package func examineAll(_ paths: [(UnsafeRawBufferPointer, Bool)], below directory: String) -> [FileMetadata??] {
        base.examineAll(paths, below: directory)
    }

    package func symbolicLinkDestination(atPath path: String) throws(FileSystemError) -> String? {
        try base.symbolicLinkDestination(atPath: path)
    }

    // MARK: - Writes and removals: contained below the root

    package func writeFile(atPath path: String, contents: [UInt8]) throws(FileSystemError) {
        if isBelowRoot(path) {
            try base.writeFile(atPath: path, contents: contents, beneath: root)
        } else {
            try base.writeFile(atPath: path, contents: contents)
        }
    }

    package func writeCacheFile(atPath path: String, contents: [UInt8]) throws(FileSystemError) {
        if isBelowRoot(path) {
            try base.writeCacheFile(atPath: path, contents: contents, beneath: root)
        } else {
            try base.writeCacheFile(atPath: path, contents: contents)
        }
    }

    package func writeFile(
        atPath path: String,
        producing produce: (_ append: (UnsafeRawBufferPointer) throws(FileSystemError) -> Void) throws(FileSystemError)
            -> [UInt8]
    ) throws(FileSystemError) -> Int {
        if isBelowRoot(path) {
            return try base.writeFile(atPath: path, beneath: root, producing: produce)
        }
        return try base.writeFile(atPath: path, producing: produce)
    }

    package func createDirectory(atPath path: String) throws(FileSystemError) {
        if isBelowRoot(path) {
            try base.createDirectory(atPath: path, beneath: root)
        } else {
            try base.createDirectory(atPath: path)
        }
    }

    package func removeItem(atPath path: String) throws(FileSystemError) {
        if isBelowRoot(path) {
            try base.removeItem(atPath: path, beneath: root)
        } else {
            try base.removeItem(atPath: path)
        }
    }

    package func openForAppending(atPath path: String) throws(FileSystemError) -> any AppendableFile {
        if isBelowRoot(path) { return try base.openForAppending(atPath: path, beneath: root) }
        return try base.openForAppending(atPath: path)
    }

    package func createDirectory(atPath path: String, beneath root: String) throws(FileSystemError) {
        try base.createDirectory(atPath: path, beneath: root)
    }

    package func removeItem(atPath path: String, beneath root: String) throws(FileSystemError) {
        try base.removeItem(atPath: path, beneath: root)
    }

    package func writeFile(atPath path: String, contents: [UInt8], beneath root: String) throws(FileSystemError) {
        try base.writeFile(atPath: path, contents: contents, beneath: root)
    }

    package func writeCacheFile(atPath path: String, contents: [UInt8], beneath root: String) throws(FileSystemError) {
        try base.writeCacheFile(atPath: path, contents: contents, beneath: root)
    }

    package func writeFile(
        atPath path: String, beneath root: String,
        producing produce: (_ append: (UnsafeRawBufferPointer) throws(FileSystemError) -> Void) throws(FileSystemError)
            -> [UInt8]
    ) throws(FileSystemError) -> Int {
        try base.writeFile(atPath: path, beneath: root, producing: produce)
    }

    package func openForAppending(atPath path: String, beneath root: String) throws(FileSystemError)
        -> any AppendableFile
    {
        try base.openForAppending(atPath: path, beneath: root)
    }
}
