/// One change a ``FileWatcher`` saw: a path and what happened to it.
///
/// Watchers report directories' entries (inotify watches directories, so that a file replaced by a rename
/// is still seen), so `path` is the entry's absolute path; a directory that was itself removed or moved is
/// reported under its own path.
package struct FileChange: Sendable, Hashable {
    /// What happened to the path.
    package enum Kind: Sendable, Hashable {
        /// The contents or metadata of an existing entry changed (written, truncated, attributes set).
        case contents
        /// The entry was created, deleted or renamed: the listing of its directory changed (and, when
        /// created or renamed onto, perhaps its contents too).
        case entry
        /// Events were lost (the kernel's queue overflowed): anything may have changed.
        case overflow
    }

    /// The absolute path (empty for ``Kind/overflow``).
    package var path: String
    /// What happened.
    package var kind: Kind

    /// Creates a change.
    package init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// Events were lost: the whole watched set must be examined again.
    package static let overflow = FileChange(path: "", kind: .overflow)
}
