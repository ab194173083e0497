import Synchronization

/// The digests a build's running instances take from what it already examined, so that one file is not
/// examined over and over.
///
/// - **Outputs of instances that do not run** (up to date, or not selected): their digests from the
///   pre-pass. The aggregate over 10,000 files that one edit made stale examines one file again, not
///   10,000. No task of the build writes another task's declared outputs.
/// - **Discovered inputs that no task produces** (the headers that many instances' depfiles list: hundreds
///   of system headers are shared by every compile): examined once a build, or taken from the pre-pass.
/// - Everything else is examined afresh each time: the outputs of instances that run, and declared
///   sources, which a task with no declared outputs (an in-place formatter) may rewrite before the
///   instances that read them run. A file found missing is always examined again.
///
/// Thread-safe; the running steps share one.
final class SourceDigests: Sendable {
    /// Who writes a path in this build.
    enum Writer: Sendable {
        /// No instance of the graph declares it as an output: a source.
        case none
        /// An instance that runs in this build.
        case running
        /// An instance that does not run in this build.
        case idle
    }

    private let writer: @Sendable (String) -> Writer
    /// The digests the pre-pass took.
    private let examined: UpToDateChecker.Memo
    private let sources = Mutex<[String: ContentDigest]>([:])

    /// - Parameters:
    ///   - writer: Who writes a path in this build.
    ///   - examined: What the pre-pass examined (its observations are not needed and may be dropped).
    init(writer: @escaping @Sendable (String) -> Writer, examined: UpToDateChecker.Memo = .init()) {
        self.writer = writer
        self.examined = examined
    }

    /// The digest of a declared input of a running instance; `nil` when it is missing or not a regular file.
    func inputDigest(of path: String, _ checker: UpToDateChecker) -> ContentDigest? {
        if case .idle = writer(path), let known = examined.knownDigest(of: path), let known { return known }
        return checker.currentDigest(of: path)
    }

    /// The digest of a discovered input; `nil` when it is missing or not a regular file.
    func discoveredDigest(of path: String, _ checker: UpToDateChecker) -> ContentDigest? {
        switch writer(path) {
        case .running:
            return checker.currentDigest(of: path)
        case .idle:
            return inputDigest(of: path, checker)
        case .none:
            if let known = examined.knownDigest(of: path), let known { return known }
            // Examined under the lock: two instances that finish together and list the same header would
            // otherwise both miss and both examine it. Only recordings wait, and only for that one `stat`
            // and hash, which the second one is spared.
            return sources.withLock { sources in
                if let known = sources[path] { return known }
                let digest = checker.currentDigest(of: path)
                if let digest { sources[path] = digest }
                return digest
            }
        }
    }
}
