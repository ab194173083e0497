/// A task source or capacity budget whose change signal can call a function directly.
///
/// The pool runners' loop only needs a flag raised on its event channel when something may have
/// changed. A `changes()` stream needs a watcher task that is resumed (a task switch) on every
/// notification, and most notifications come from the loop itself (releasing a cost, completing a
/// node). A listener is called synchronously, after the notifier's lock is released, and costs one
/// uncontended lock on the channel when the loop is not parked.
@usableFromInline
protocol ChangeListening: AnyObject, Sendable {
    /// Registers `listener`, called whenever `changes()` subscribers would be woken (and, for a task
    /// source, once more when it finishes); returns the function that unregisters it.
    func listenForChanges(_ listener: @escaping @Sendable () -> Void) -> @Sendable () -> Void
}

extension PriorityDependencySourceObj: ChangeListening {
    @usableFromInline func listenForChanges(_ listener: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        storage.listenForChanges(listener)
    }
}

extension DependencySourceObj: ChangeListening {
    @usableFromInline func listenForChanges(_ listener: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        storage.listenForChanges(listener)
    }
}
