import Synchronization

/// The digests of the files a build reads but does not write, each examined once a build: sources (and the
/// headers that many instances' depfiles list: hundreds of system headers are shared by every compile),
/// and the outputs of instances that are up to date. An instance that runs then hashes only the inputs a
/// task of this build rewrites; the aggregate over 10,000 files that one edit made stale takes their
/// digests from the pre-pass instead of examining all 10,000 again.
///
/// A file that a task of this build may rewrite (``isRewritten``) is never kept: it is examined each time.
/// A source edited while the build runs keeps its pre-pass digest here, so the instances that read it
/// are recorded with the older content and run again next build. Thread-safe; the running steps share one.
final class SourceDigests: Sendable {
    /// Whether a project-relative (or absolute) path is an output of an instance this build runs.
    private let isRewritten: @Sendable (String) -> Bool
    /// What the pre-pass examined.
    private let examined: UpToDateChecker.Memo
    private let digests = Mutex<[String: ContentDigest?]>([:])

    /// - Parameters:
    ///   - isRewritten: Whether a task of this build may rewrite a path (an output of a scheduled instance).
    ///   - examined: The files the pre-pass examined, with their digests.
    init(isRewritten: @escaping @Sendable (String) -> Bool, examined: UpToDateChecker.Memo = .init()) {
        self.isRewritten = isRewritten
        self.examined = examined
    }

    /// The digest of `path`, `nil` when it is missing or not a regular file: from the pre-pass, or examined
    /// through `checker` the first time; examined every time when a task of this build may rewrite it.
    func digest(of path: String, _ checker: UpToDateChecker) -> ContentDigest? {
        guard !isRewritten(path) else { return checker.currentDigest(of: path) }
        if let known = examined.knownDigest(of: path) { return known }
        if let known = digests.withLock({ $0[path] }) { return known }
        let digest = checker.currentDigest(of: path)
        digests.withLock { $0[path] = digest }
        return digest
    }
}
