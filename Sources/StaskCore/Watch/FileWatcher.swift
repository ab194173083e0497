/// Tells a watch session which files changed, without polling where the system can notify.
///
/// On Linux `InotifyWatcher` (StaskPosix) watches directories with `inotify`; tests use a fake that the
/// test feeds by hand. The session calls ``start(_:)`` once, then ``watch(_:)`` after every build with the
/// set that build depends on, and ``stop()`` at the end.
///
/// **Contract.** Thread-safe. `onChanges` is called from the watcher's own thread, never concurrently with
/// itself, in the order the changes happened, and never after ``stop()`` returns. A change to a path inside
/// a watched directory may be reported even when it is not in ``WatchTargets/files``: the session
/// filters. Reporting too much costs a look; reporting too little is a bug.
package protocol FileWatcher: Sendable {
    /// Starts delivering changes to `onChanges`.
    ///
    /// - Throws: an error naming the system call when watching cannot start at all (then the session
    ///   cannot run).
    func start(_ onChanges: @escaping @Sendable ([FileChange]) -> Void) throws

    /// Replaces the watched set with `targets`: directories no longer named stop being watched, new ones
    /// start. Returns how they are covered; what could not be watched by notification is polled.
    @discardableResult
    func watch(_ targets: WatchTargets) -> WatchCoverage

    /// Stops watching and releases every resource; idempotent.
    func stop()
}

/// What a watch session asks a ``FileWatcher`` to watch: absolute paths.
package struct WatchTargets: Sendable, Hashable {
    /// Directories whose entries matter: created, deleted, renamed, or (for ``files``) written.
    package var directories: Set<String>
    /// Files whose contents matter, each inside one of ``directories``; a polling fallback examines these.
    package var files: Set<String>

    /// Creates a set of targets.
    package init(directories: Set<String> = [], files: Set<String> = []) {
        self.directories = directories
        self.files = files
    }
}

/// How a ``FileWatcher`` covers its ``WatchTargets``.
package struct WatchCoverage: Sendable, Hashable {
    /// Directories watched by notification.
    package var notified: Int
    /// Directories examined at an interval instead (the system's watch limit was reached, or the directory
    /// does not exist yet and its parent is polled for it).
    package var polled: Int
    /// Whether the system's limit on watches was reached (on Linux `fs.inotify.max_user_watches`).
    package var isLimitReached: Bool

    /// Creates a coverage report.
    package init(notified: Int = 0, polled: Int = 0, isLimitReached: Bool = false) {
        self.notified = notified
        self.polled = polled
        self.isLimitReached = isLimitReached
    }
}
