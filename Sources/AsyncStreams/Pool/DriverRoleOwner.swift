/// Which task holds a pool event channel's driver role, recorded in debug builds only.
///
/// The run's books (``ScheduledPoolLoop/Book``) are plain mutable storage that only the holder of the
/// driver role may touch; the channel's `Mutex` hands the role to one task at a time, which is what makes
/// that storage safe to share. Like swift-nio's `NIOLoopBound`, debug builds check this on every access:
/// the channel records the task that takes the role (``claim()``) and forgets it when the role is let go
/// (``relinquish()``), and each access to the books asserts that the calling task is the recorded one.
/// In release builds the type is empty and every method compiles to nothing.
///
/// A task is identified by the hash of its `UnsafeCurrentTask`, taken while that task runs; it holds the
/// role, so it is alive whenever the identity is compared.
@usableFromInline
struct DriverRoleOwner: Sendable {
    #if DEBUG
        /// The identity of the holder; `nil` while nobody holds the role.
        @usableFromInline var holder: Int?
    #endif

    @inlinable init() {}

    /// The identity of the calling task; `nil` outside any task.
    @inlinable
    static var currentTask: Int? { withUnsafeCurrentTask { $0?.hashValue } }

    /// Records the calling task as the holder.
    @inlinable
    mutating func claim() {
        #if DEBUG
            holder = Self.currentTask
        #endif
    }

    /// Records that nobody holds the role.
    @inlinable
    mutating func relinquish() {
        #if DEBUG
            holder = nil
        #endif
    }

    /// Whether the calling task holds the role. Always `true` in release builds, which do not track it.
    @inlinable
    var isCurrentTask: Bool {
        #if DEBUG
            guard let holder else { return false }
            return holder == Self.currentTask
        #else
            return true
        #endif
    }
}
