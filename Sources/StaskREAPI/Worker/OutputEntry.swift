import StaskCore
import StaskPosix

/// One entry of an action's outputs on disk, as the Remote Execution API tells them apart.
enum OutputEntry {
    /// A regular file: its contents and whether any execute bit is set.
    case file(contents: [UInt8], isExecutable: Bool)
    /// A directory (its entries are read by ``OutputTree``).
    case directory
    /// A symbolic link, not followed: its destination as written.
    case symbolicLink(target: String)

    /// The entry at `path`; `nil` when nothing is there or it is of another kind (a socket, a device).
    ///
    /// - Throws: `FileSystemError` when it cannot be examined or read.
    static func read(at path: String) throws(FileSystemError) -> OutputEntry? {
        let fileSystem = LocalFileSystem()
        guard let metadata = try fileSystem.linkMetadata(atPath: path) else { return nil }
        switch metadata.kind {
        case .regularFile:
            return .file(contents: try fileSystem.readFile(atPath: path), isExecutable: metadata.mode & 0o111 != 0)
        case .directory:
            return .directory
        case .symbolicLink:
            return .symbolicLink(target: try fileSystem.symbolicLinkDestination(atPath: path) ?? "")
        case .other:
            return nil
        }
    }
}
