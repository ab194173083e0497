/// The metadata of one path as a build observed it: what an up-to-date verdict rested on
/// (see `UpToDateStamp`).
struct FileObservation: Sendable, Hashable {
    /// The absolute path.
    var path: String
    /// Observed with `stat` (following a final symbolic link) rather than `lstat`.
    var followsLinks: Bool
    /// `nil`: the path was absent.
    var metadata: FileMetadata?

    /// Whether a later change to the path must show in its metadata (``FileMetadata/isSettled(at:granularity:)``;
    /// an absence always is: the path appearing changes it).
    func isSettled(at time: Int64, granularity: Duration) -> Bool {
        metadata?.isSettled(at: time, granularity: granularity) ?? true
    }
}
