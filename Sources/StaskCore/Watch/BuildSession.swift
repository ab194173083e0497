/// What a watch session keeps in memory between builds: the loaded Taskfile, the plan, the open state store
/// (records and stat cache), which instances are known up to date, and what the builds depend on.
///
/// Made by ``BuildEngine/openSession(_:reporter:)``, run by ``BuildEngine/runCycle(_:changes:reporter:interrupts:)``
/// once per batch of changes, ended by ``BuildEngine/closeSession(_:)``. The session holds the build lock of
/// `.stask/` from open to close, so another stask in the same directory waits (or, with `--no-wait`, stops)
/// while a watch runs.
///
/// Not `Sendable`: one task owns it (the watch loop) and runs one cycle at a time.
package final class BuildSession {
    /// The engine that opened the session, its file system contained in the project.
    let engine: BuildEngine
    let options: BuildOptions
    var source: BuildEngine.TaskfileSource
    var taskfile: Taskfile
    var plan: BuildPlan
    let store: BuildStateStore
    let release: @Sendable () -> Void
    /// By plan position: up to date at the end of the last build, and nothing it reads changed since.
    var knownUpToDate: [Bool]
    var watchSet: WatchSet
    /// Builds run so far.
    package private(set) var cycles = 0
    var isClosed = false

    init(
        engine: BuildEngine, options: BuildOptions, source: BuildEngine.TaskfileSource, taskfile: Taskfile,
        plan: BuildPlan, store: BuildStateStore, release: @escaping @Sendable () -> Void
    ) {
        self.engine = engine
        self.options = options
        self.source = source
        self.taskfile = taskfile
        self.plan = plan
        self.store = store
        self.release = release
        knownUpToDate = [Bool](repeating: false, count: plan.count)
        watchSet = WatchSet(plan: plan, taskfilePath: source.path) {
            store.record(for: $0)?.discoveredInputs.map(\.path) ?? []
        }
    }

    /// Whether ``targets`` may have changed since ``takeChangedTargets()`` last returned them.
    var isTargetsChanged = true

    /// What the session's builds depend on, for ``FileWatcher/watch(_:)``.
    package var targets: WatchTargets { watchSet.targets }

    /// ``targets`` when they may have changed since the last call (a new plan, new discovered inputs), else
    /// `nil`: at 10,000 targets making the set takes milliseconds, and most builds change nothing in it.
    package func takeChangedTargets() -> WatchTargets? {
        guard isTargetsChanged else { return nil }
        isTargetsChanged = false
        return watchSet.targets
    }

    /// The project directory (the Taskfile's).
    package var projectDirectory: String { plan.graph.projectDirectory }

    /// How a change bears on the next build (see ``WatchSet``); for a watcher's callback, on any thread, use a
    /// copy: ``classifier``.
    package var classifier: WatchClassifier { WatchClassifier(watchSet) }

    func nextCycle() -> Int {
        cycles += 1
        return cycles
    }
}

/// A copy of a session's ``WatchSet`` that tells relevant changes from the rest, for the watcher's thread.
package struct WatchClassifier: Sendable {
    let watchSet: WatchSet?

    init(_ watchSet: WatchSet?) {
        self.watchSet = watchSet
    }

    /// A classifier that keeps every change (before the first build).
    package static let keepingEverything = WatchClassifier(nil)

    /// The changes that may bear on the next build.
    package func relevant(_ changes: [FileChange]) -> [FileChange] {
        guard let watchSet else { return changes }
        // A command appending to a file gives one event per write: each path is classified once a batch.
        var relevance: [FileChange: Bool] = [:]
        return changes.filter { change in
            if let known = relevance[change] { return known }
            let isRelevant = watchSet.relevance(of: change) != .none
            relevance[change] = isRelevant
            return isRelevant
        }
    }
}
