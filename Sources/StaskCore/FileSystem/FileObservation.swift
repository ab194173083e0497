/// The metadata of one path as a build observed it: what an up-to-date verdict rested on
/// (see `UpToDateStamp`).
struct FileObservation: Sendable, Hashable {
    /// The path as the graph resolves it (``ProjectPath/resolve(_:project:)``): project-relative (`.` for the
    /// project directory), or absolute outside it. Relative paths keep a 100,000-target build's observations
    /// small (most fit in a `String` without an allocation); the stamp resolves them against the project
    /// directory when it re-examines them.
    var path: String
    /// `nil`: the path was absent.
    var metadata: FileMetadata?
    /// Observed with `stat` (following a final symbolic link) rather than `lstat`. (After `metadata`, so it
    /// fills that field's tail padding: 64 bytes a value instead of 80.)
    var followsLinks: Bool

    init(path: String, followsLinks: Bool, metadata: FileMetadata?) {
        self.path = path
        self.metadata = metadata
        self.followsLinks = followsLinks
    }

    /// Whether a later change to the path must show in its metadata (``FileMetadata/isSettled(at:granularity:)``;
    /// an absence always is: the path appearing changes it).
    func isSettled(at time: Int64, granularity: Duration) -> Bool {
        metadata?.isSettled(at: time, granularity: granularity) ?? true
    }
}
