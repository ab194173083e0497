import Synchronization

/// The digests of files that no task of the build produces, each examined once: the headers that many
/// instances' depfiles list (hundreds of system headers are shared by every compile).
///
/// A file some instance produces is not kept (it is examined each time): it may be rewritten while the
/// build runs. Thread-safe; the running steps share one.
final class SourceDigests: Sendable {
    /// Whether a project-relative (or absolute) path is some instance's declared output.
    private let isProduced: @Sendable (String) -> Bool
    private let digests = Mutex<[String: ContentDigest?]>([:])

    /// - Parameter isProduced: Whether a path is an output of the graph (``BuildGraph/producer(of:)``).
    init(isProduced: @escaping @Sendable (String) -> Bool) {
        self.isProduced = isProduced
    }

    /// The digest of `path`, `nil` when it is missing or not a regular file: examined through `checker` the
    /// first time, or every time when a task produces it.
    func digest(of path: String, _ checker: UpToDateChecker) -> ContentDigest? {
        guard !isProduced(path) else { return checker.currentDigest(of: path) }
        if let known = digests.withLock({ $0[path] }) { return known }
        let digest = checker.currentDigest(of: path)
        digests.withLock { $0[path] = digest }
        return digest
    }

    /// Remembers digests already taken this build (by the pre-pass), so they are not examined again.
    func seed(_ known: some Sequence<(String, ContentDigest?)>) {
        digests.withLock { table in
            for (path, digest) in known where !isProduced(path) { table[path] = digest }
        }
    }
}
