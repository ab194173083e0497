/// A file a task's command reported reading, in its `depfile:`, and its content digest when recorded.
///
/// Kept in the instance's ``TaskRecord``: from then on it counts as an input. Its path is project-relative
/// (normalized, as inputs are), or absolute when it lies outside the project (a system header).
package struct DiscoveredInput: Sendable, Hashable {
    /// The path, as an input path.
    package var path: String
    /// The file's digest when the run was recorded.
    package var digest: ContentDigest

    /// Creates a discovered input.
    package init(path: String, digest: ContentDigest) {
        self.path = path
        self.digest = digest
    }
}
