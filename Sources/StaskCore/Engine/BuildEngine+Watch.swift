import Synchronization

// MARK: - Watch sessions

extension BuildEngine {
    /// Loads the Taskfile, takes the build lock, opens the state and plans the first build of a watch session.
    ///
    /// - Throws: `TaskfileError` (nothing to watch yet: the Taskfile or a target is wrong), `BuildStateError`
    ///   (the lock is held with `noWait`, or `.stask/` is not writable), `CancellationError` when cancelled
    ///   while waiting for the lock.
    package func openSession(_ options: BuildOptions, reporter: any ProgressReporter) async throws -> BuildSession {
        let source = try readTaskfile(options)
        // Writes stay inside the project, as a build's do (`contained(in:)`).
        return try await contained(in: ProjectPath.parent(ofAbsolute: source.path)).open(
            source, options: options, reporter: reporter)
    }

    private func open(
        _ source: TaskfileSource, options: BuildOptions, reporter: any ProgressReporter
    ) async throws -> BuildSession {
        let (taskfile, storeParsedTaskfile) = try parseCaching(source, options: options)
        let release = try await acquireLock(source.stateDirectory, !options.noWait) {
            reporter.report(.warning("waiting for another stask building in this directory…"))
        }
        do {
            // The session appends to the state while no stamp may vouch for it.
            try? fileSystem.removeItem(atPath: source.stampPath)
            let (store, warnings) = try BuildStateStore.open(directory: source.stateDirectory, fileSystem: fileSystem)
            for warning in warnings { reporter.report(.warning(warning.description)) }
            storeParsedTaskfile?()
            let plan: BuildPlan
            do {
                plan = try makePlan(taskfile, options: options, store: store)
            } catch {
                try? store.close()
                throw error
            }
            return BuildSession(
                engine: self, options: options, source: source, taskfile: taskfile, plan: plan, store: store,
                release: release)
        } catch {
            release()
            throw error
        }
    }

    /// Runs one build of a watch session for a batch of changes (none for the first build).
    ///
    /// Only what the changes reach is examined again: a changed file reruns the check of the instances that
    /// read it; a changed Taskfile is loaded again and a changed listing re-plans the graph, keeping every
    /// instance that came out the same as known up to date; every other instance known up to date stays so
    /// without a look. A Taskfile or graph error leaves the last good plan in place and is returned in
    /// ``WatchCycle/loadError`` (the changes stay noted for the next build).
    ///
    /// - Parameters:
    ///   - interrupts: As in ``run(_:reporter:interrupts:)``: the first value stops this build.
    /// - Returns: What the cycle did; `reporter` got the build's events, ending with `summary`, unless the load
    ///   failed. `nil` when the changes turned out to bear on nothing (an entry created in a listed directory
    ///   that no glob matches): no build ran, nothing was reported.
    package func runCycle(
        _ session: BuildSession, changes: [FileChange], reporter: any ProgressReporter,
        interrupts: AsyncStream<Int32>? = nil
    ) async -> WatchCycle? {
        await session.engine.cycle(session, changes: changes, reporter: reporter, interrupts: interrupts)
    }

    /// ``runCycle(_:changes:reporter:interrupts:)`` on the session's own engine (its file system contained in
    /// the project).
    private func cycle(
        _ session: BuildSession, changes: [FileChange], reporter: any ProgressReporter,
        interrupts: AsyncStream<Int32>?
    ) async -> WatchCycle? {
        let origin = ContinuousClock.now
        var impact = ChangeImpact()
        // The first build has no changes, and its session makes the watch set only after it (see BuildSession).
        let watchSetBefore = changes.isEmpty ? nil : session.watchSet
        if let watchSetBefore {
            for change in changes { impact.add(change, watchSet: watchSetBefore, kindNow: currentKind) }
        }
        var cycle = WatchCycle(number: session.cycles + 1, changed: [])
        if impact.isOverflow {
            session.knownUpToDate = [Bool](repeating: false, count: session.plan.count)
        }
        for path in impact.contents {
            for local in session.watchSet.readers(of: path) { session.knownUpToDate[local] = false }
        }
        let isPlanReplaced: Bool
        do {
            defer {
                if let watchSetBefore {
                    cycle.changed = impact.shown(readBefore: watchSetBefore, readAfter: session.watchSet)
                }
            }
            (cycle.reloadedTaskfile, isPlanReplaced) = try reload(session, impact: impact)
        } catch {
            _ = session.nextCycle()
            cycle.loadError = Self.message(of: error)
            cycle.wallTime = ContinuousClock.now - origin
            return cycle
        }
        if !changes.isEmpty && impact.contents.isEmpty && !cycle.reloadedTaskfile && !isPlanReplaced
            && !impact.isOverflow
        {
            // An entry came or went that no glob takes (an editor's backup or swap file): nothing to build.
            return nil
        }
        _ = session.nextCycle()

        let relay = interrupts.map(InterruptRelay.init)
        defer { relay?.stop() }
        let plan = session.plan
        let recorder = CycleRecorder(reporter, graph: plan.graph)
        do {
            var executed = try await execute(
                session.taskfile, plan: plan, options: session.options, store: session.store, reporter: recorder,
                relay: relay, origin: origin, knownUpToDate: session.knownUpToDate, reportsSkipped: cycle.number == 1)
            do {
                if let changes = executed.statCacheChanges {
                    executed.statCacheChanges = nil
                    try session.store.updateStatCache(changes)
                }
                try session.store.synchronize()
            } catch {
                executed.events.report(.warning(error.description))
            }
            let summary = reportEnd(
                of: executed, relay: relay, origin: origin, options: session.options, reporter: reporter)
            let (hasRun, hasSucceeded) = recorder.outcomes
            for local in 0..<plan.count where !executed.upToDate[local] {
                let index = plan.indices[local]
                let instance = plan.graph.instances[index]
                // An `always` instance runs in every build.
                session.knownUpToDate[local] = hasSucceeded[index] && !instance.always
                if hasRun[index], let discovered = session.store.record(for: instance.id)?.discoveredInputs,
                    !discovered.isEmpty
                {
                    session.watchSet.addDiscoveredInputs(discovered.map(\.path), of: local)
                    session.isTargetsChanged = true
                }
            }
            for local in 0..<plan.count where executed.upToDate[local] { session.knownUpToDate[local] = true }
            cycle.ran = recorder.startedInOrder
            cycle.summary = summary
        } catch {
            cycle.loadError = Self.message(of: error)
        }
        cycle.wallTime = ContinuousClock.now - origin
        return cycle
    }

    /// Saves the state and releases the build lock; idempotent.
    package func closeSession(_ session: BuildSession) {
        guard !session.isClosed else { return }
        session.isClosed = true
        try? session.store.close()
        session.release()
    }

    /// Loads the Taskfile again when it changed, and plans the graph again when it or a listing changed;
    /// whether the Taskfile was loaded and whether the plan was replaced. Changes nothing when either fails.
    private func reload(_ session: BuildSession, impact: ChangeImpact) throws -> (reloaded: Bool, replaced: Bool) {
        var isReloaded = false
        var source = session.source
        var taskfile = session.taskfile
        var storeParsedTaskfile: (@Sendable () -> Void)?
        if impact.isTaskfileChanged {
            let read = try readTaskfile(session.options)
            if read.bytes != source.bytes {
                (taskfile, storeParsedTaskfile) = try parseCaching(read, options: session.options)
                source = read
                isReloaded = true
            }
        }
        guard isReloaded || impact.isStructureChanged else { return (false, false) }
        let plan = try makePlan(taskfile, options: session.options, store: session.store)
        storeParsedTaskfile?()
        session.source = source
        session.taskfile = taskfile
        return (isReloaded, adopt(plan, in: session))
    }

    /// Makes `plan` the session's, keeping the old one when it holds the same instances, and carrying over
    /// which instances are known up to date (those that came out the same); whether it was replaced.
    private func adopt(_ plan: BuildPlan, in session: BuildSession) -> Bool {
        let old = session.plan
        if old.count == plan.count && (0..<plan.count).allSatisfy({ old.instance($0) == plan.instance($0) }) {
            return false
        }
        var known = [Bool](repeating: false, count: plan.count)
        var oldPositions: [String: Int] = [:]
        oldPositions.reserveCapacity(old.count)
        for local in 0..<old.count where session.knownUpToDate[local] { oldPositions[old.instance(local).id] = local }
        for local in 0..<plan.count {
            let instance = plan.instance(local)
            if let position = oldPositions[instance.id], old.instance(position) == instance { known[local] = true }
        }
        session.plan = plan
        session.knownUpToDate = known
        session.isTargetsChanged = true
        session.watchSet = session.makeWatchSet()
        return true
    }

    /// The kind of what is at a resolved path now (following links); `nil` when nothing is.
    private func currentKind(_ absolutePath: String) -> FileKind? {
        (try? fileSystem.metadata(atPath: absolutePath))?.kind
    }

    /// An error's message as the command line shows it (``TaskfileError/compilerStyleMessage``).
    static func message(of error: any Error) -> String {
        (error as? TaskfileError)?.compilerStyleMessage ?? "\(error)"
    }
}

extension TaskfileError {
    /// The message as a compiler writes it: `Taskfile:3:5: error: …` when it has a location, else
    /// `stask: error: …`.
    package var compilerStyleMessage: String {
        let text = description
        // "file:line:column: message" -> "file:line:column: error: message"
        var index = text.startIndex
        while let colon = text[index...].firstIndex(of: ":") {
            let after = text.index(after: colon)
            index = after
            guard after < text.endIndex, text[after] == " " else { continue }
            let location = text[..<colon].split(separator: ":", omittingEmptySubsequences: false)
            if location.count >= 3, location.suffix(2).allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) {
                return text[...after] + "error: " + text[text.index(after: after)...]
            }
            break
        }
        return "stask: error: " + text
    }
}

/// What a batch of changes means for the next build of a session.
struct ChangeImpact {
    /// Changed paths without repeats, in order, and whether each is the Taskfile.
    private var changed: [(path: String, isTaskfile: Bool)] = []
    /// Resolved paths of files read whose contents changed.
    private(set) var contents: [String] = []
    private(set) var isTaskfileChanged = false
    private(set) var isStructureChanged = false
    private(set) var isOverflow = false
    private var seen: Set<String> = []

    /// Notes one change. An entry event for a path that is still what graph construction saw there (a file
    /// saved by renaming a new one over it) changes contents only, not the graph.
    mutating func add(_ change: FileChange, watchSet: WatchSet, kindNow: (String) -> FileKind?) {
        let relevance = watchSet.relevance(of: change)
        guard relevance != .none else { return }
        let path = change.kind == .overflow ? "" : watchSet.resolved(change.path)
        switch relevance {
        case .none:
            return
        case .taskfile:
            isTaskfileChanged = true
        case .contents:
            contents.append(path)
        case .structure:
            if change.kind == .overflow {
                isOverflow = true
                isStructureChanged = true
                return
            }
            let now = kindNow(change.path)
            let keepsItsKind: Bool =
                if let examined = watchSet.examinedKind(of: path) {
                    examined == now
                } else {
                    watchSet.isRead(path) && now == .regularFile
                }
            if !keepsItsKind { isStructureChanged = true }
            if watchSet.isRead(path) { contents.append(path) }
        }
        if seen.insert(path).inserted { changed.append((path, relevance == .taskfile)) }
    }

    /// The changed paths to name to the user: the Taskfile and the files read before or after the changes,
    /// not the temporary files of an editor's save or a directory the build created.
    func shown(readBefore before: WatchSet, readAfter after: WatchSet) -> [String] {
        changed.compactMap { $0.isTaskfile || before.isRead($0.path) || after.isRead($0.path) ? $0.path : nil }
    }
}

/// Forwards a cycle's events and notes which instances started and which ended well, by graph index: it
/// lives through the build, its peak included, and at 100,000 instances two sets and a list of ids took some
/// 10 MB where these arrays take under 1.
private final class CycleRecorder: ProgressReporter {
    private struct State {
        /// Graph indices, in the order their instances started.
        var started: [Int32] = []
        /// By graph index.
        var hasRun: [Bool]
        var hasSucceeded: [Bool]
    }

    private let reporter: any ProgressReporter
    private let graph: BuildGraph
    private let state: Mutex<State>

    init(_ reporter: any ProgressReporter, graph: BuildGraph) {
        self.reporter = reporter
        self.graph = graph
        let none = [Bool](repeating: false, count: graph.instances.count)
        state = Mutex(State(hasRun: none, hasSucceeded: none))
    }

    func report(_ event: BuildEvent) {
        switch event {
        case .started(let id, _, _):
            guard let index = graph.index(of: id) else { break }
            state.withLock { state in
                guard !state.hasRun[index] else { return }
                state.hasRun[index] = true
                state.started.append(Int32(index))
            }
        case .finished(let id, let outcome, _, _):
            if case .failed = outcome { break }
            guard let index = graph.index(of: id) else { break }
            state.withLock { $0.hasSucceeded[index] = true }
        default:
            break
        }
        reporter.report(event)
    }

    /// By graph index: whether the instance started, and whether it ended well (built, restored, or found
    /// up to date when its turn came).
    var outcomes: (hasRun: [Bool], hasSucceeded: [Bool]) {
        state.withLock { ($0.hasRun, $0.hasSucceeded) }
    }

    /// The ids of the instances that started, in order.
    var startedInOrder: [String] {
        state.withLock { $0.started }.map { graph.instances[Int($0)].id }
    }
}
