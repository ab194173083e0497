import StaskCore
import Synchronization

/// A ``FileWatcher`` the test drives: ``emit(_:)`` hands changes to the session as a watcher's thread would.
final class FakeWatcher: FileWatcher {
    private struct State {
        var onChanges: (@Sendable ([FileChange]) -> Void)?
        var targets: [WatchTargets] = []
        var isStopped = false
    }

    private let state = Mutex(State())

    func start(_ onChanges: @escaping @Sendable ([FileChange]) -> Void) throws {
        state.withLock { $0.onChanges = onChanges }
    }

    @discardableResult
    func watch(_ targets: WatchTargets) -> WatchCoverage {
        state.withLock { $0.targets.append(targets) }
        return WatchCoverage(notified: targets.directories.count)
    }

    func stop() {
        state.withLock { $0.isStopped = true }
    }

    /// Reports `changes` to the session.
    func emit(_ changes: [FileChange]) {
        let handler = state.withLock { $0.isStopped ? nil : $0.onChanges }
        handler?(changes)
    }

    /// Every set the session asked to watch, in order.
    var targets: [WatchTargets] { state.withLock { $0.targets } }

    var isStopped: Bool { state.withLock { $0.isStopped } }
}
