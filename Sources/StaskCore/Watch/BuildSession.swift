/// What a watch session keeps in memory between builds: the loaded Taskfile, the plan, the open state store
/// (records and stat cache), which instances are known up to date, and what the builds depend on.
///
/// Made by ``BuildEngine/openSession(_:reporter:)``, run by ``BuildEngine/runCycle(_:changes:reporter:interrupts:)``
/// once per batch of changes, ended by ``BuildEngine/closeSession(_:)``. The session holds the build lock of
/// `.stask/` from open to close, so another stask in the same directory waits (or, with `--no-wait`, stops)
/// while a watch runs.
///
/// **The first build runs without the watch set.** A build's peak memory comes while its scheduler's tables
/// are set up and again as its last steps record their results; a watch set made beside them (some 4 MB at
/// 100,000 targets) would make a watch cost more than one build. So before the first build has ended, the
/// watcher's targets come from a set made and dropped at once, and ``classifier(isExact:)`` leaves out only what
/// the builds write (``WatchSet/Outputs``): a change to a file nothing reads is then looked at after that build
/// (and builds nothing). ``watchSet`` is made when first asked for after it.
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
    /// Builds run so far.
    package private(set) var cycles = 0
    var isClosed = false
    private var madeWatchSet: WatchSet?

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
    }

    /// What the builds depend on, for the current plan; made on first use (see the type's documentation).
    var watchSet: WatchSet {
        get {
            if let madeWatchSet { return madeWatchSet }
            let made = makeWatchSet()
            madeWatchSet = made
            return made
        }
        set { madeWatchSet = newValue }
    }

    /// A new watch set of the current plan and the recorded discovered inputs.
    func makeWatchSet() -> WatchSet {
        let store = store
        return WatchSet(plan: plan, taskfilePath: source.path) {
            store.record(for: $0)?.discoveredInputs.map(\.path) ?? []
        }
    }

    /// Whether the first build has not ended yet: the watch set is not to be kept.
    private var isBeforeFirstBuild: Bool { cycles == 0 && madeWatchSet == nil }

    /// Whether ``targets`` may have changed since ``takeChangedTargets()`` last returned them.
    var isTargetsChanged = true

    /// What the session's builds depend on, for ``FileWatcher/watch(_:)``.
    package var targets: WatchTargets { isBeforeFirstBuild ? makeWatchSet().targets : watchSet.targets }

    /// ``targets`` when they may have changed since the last call (a new plan, new discovered inputs), else
    /// `nil`: at 10,000 targets making the set takes milliseconds, and most builds change nothing in it.
    package func takeChangedTargets() -> WatchTargets? {
        guard isTargetsChanged else { return nil }
        isTargetsChanged = false
        return targets
    }

    /// The project directory (the Taskfile's).
    package var projectDirectory: String { plan.graph.projectDirectory }

    /// How a change bears on the next build (see ``WatchSet``), as a copy for a watcher's callback on any thread.
    ///
    /// Before the first build has ended, only what the builds write is left out, unless `isExact`: then the
    /// watch set is made at once, and the first build runs beside it (with `--watch-restart`, where a change
    /// that bears on nothing must not stop a build).
    package func classifier(isExact: Bool = false) -> WatchClassifier {
        isBeforeFirstBuild && !isExact
            ? WatchClassifier(WatchSet.Outputs(graph: plan.graph)) : WatchClassifier(watchSet)
    }

    func nextCycle() -> Int {
        cycles += 1
        return cycles
    }
}

/// A copy of a session's ``WatchSet`` (or, before its first build has ended, of what its builds write) that
/// tells relevant changes from the rest, for the watcher's thread.
package struct WatchClassifier: Sendable {
    private enum Filter: Sendable {
        case everything
        case outputs(WatchSet.Outputs)
        case watchSet(WatchSet)
    }

    private let filter: Filter

    init(_ watchSet: WatchSet) {
        filter = .watchSet(watchSet)
    }

    init(_ outputs: WatchSet.Outputs) {
        filter = .outputs(outputs)
    }

    private init(_ filter: Filter) {
        self.filter = filter
    }

    /// A classifier that keeps every change (before the session is open).
    package static let keepingEverything = WatchClassifier(Filter.everything)

    /// The changes that may bear on the next build.
    package func relevant(_ changes: [FileChange]) -> [FileChange] {
        if case .everything = filter { return changes }
        // A command appending to a file gives one event per write: each path is classified once a batch.
        var relevance: [FileChange: Bool] = [:]
        return changes.filter { change in
            if let known = relevance[change] { return known }
            let isRelevant =
                switch filter {
                case .everything: true
                case .outputs(let outputs): !outputs.isWritten(change)
                case .watchSet(let watchSet): watchSet.relevance(of: change) != .none
                }
            relevance[change] = isRelevant
            return isRelevant
        }
    }
}
