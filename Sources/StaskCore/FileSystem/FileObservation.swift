/// The metadata of one path as a build observed it: what an up-to-date verdict rested on
/// (see `UpToDateStamp`).
struct FileObservation: Sendable, Hashable {
    /// The absolute path.
    var path: String
    /// Observed with `stat` (following a final symbolic link) rather than `lstat`.
    var followsLinks: Bool
    /// `nil`: the path was absent.
    var metadata: FileMetadata?

    /// Whether the path still has the observed metadata (or is still absent); a failure to examine it
    /// counts as a change.
    func isUnchanged(in fileSystem: any FileSystem) -> Bool {
        let current: FileMetadata?
        do {
            current = followsLinks ? try fileSystem.metadata(atPath: path) : try fileSystem.linkMetadata(atPath: path)
        } catch {
            return false
        }
        return current == metadata
    }
}
