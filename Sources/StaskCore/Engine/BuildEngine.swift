import FoundationEssentials

/// Builds the targets of a Taskfile: the whole pipeline, data flowing one way.
///
/// ```
/// Taskfile ─▶ TaskfileParser ─▶ GraphBuilder ─▶ BuildPlan (selection) ─▶ up-to-date pre-pass
///   ─▶ DependencyGraph + PriorityDependencySourceObj + ResourceCapacitySource + ScheduledTaskPoolRunner
///   ─▶ InstanceExecutor (ProcessLauncher) ─▶ BuildCoordinator ─▶ ProgressReporter, BuildStateStore
/// ```
///
/// ```swift
/// // fileSystem, launcher and lock: LocalFileSystem, PosixProcessLauncher and BuildLock on Linux (StaskPosix)
/// let engine = BuildEngine(fileSystem: fileSystem, launcher: launcher, acquireLock: lock)
/// let summary = try await engine.run(BuildOptions(directory: cwd), reporter: PlainReporter(sink: out))
/// return summary.isSuccess
/// ```
///
/// **No-op stamp.** First the Taskfile is read (not parsed): when `.stask/uptodate` holds a stamp for the
/// same Taskfile bytes and options whose every observed path is unchanged (`UpToDateStamp`), the build
/// reports its instances up to date and ends there, without the lock, the state or the graph. A build
/// that finds everything up to date writes a new stamp at its end; one that goes the full way removes the
/// old stamp before writing anything.
///
/// **Order of work.** Load the Taskfile (decoded from `.stask/taskfile.cache` when that holds the parse of
/// these bytes, see `ParsedTaskfileCache`; errors: `TaskfileError`, nothing runs), take the `BuildLock` of
/// `.stask/` (reporting a warning while waiting; `noWait` fails at once with `BuildStateError.locked`),
/// open the state (its warnings are reported), build the graph and select the targets. Then the
/// **pre-pass**: in dependency order, an instance whose dependencies are all up to date, which is not
/// `always`, and whose action key and outputs match its record is up to date and never reaches the
/// scheduler — a no-op build starts no process. Every other instance is scheduled with critical-path
/// priority (``CriticalPath``) under the budget; when its turn comes it checks its key again (early cutoff).
///
/// **Failures.** A failing task is a result (``BuildSummary/failed``), not a thrown error. Without
/// `keepGoing` the first permanent failure stops new work and lets running tasks finish; with it only the
/// failure's dependents are aborted.
///
/// **Remote cache.** When ``BuildOptions/remoteCache`` or the Taskfile's `remote_cache:` names a server,
/// each scheduled instance is looked up there before its commands run (a hit writes its outputs and
/// records it; see `InstanceExecutor`), and each success is uploaded in the background
/// (`RemoteCacheUploads`); the build ends after the last upload. Cache problems are warnings, never
/// failures; the summary carries the cache's statistics.
///
/// **Interrupts.** When `interrupts` yields a signal, nothing new starts, the running commands' process
/// groups get SIGTERM then SIGKILL (through cancellation of the pool run), no record is written for them,
/// and the summary carries the signal. Cancelling the calling task has the same effect, as SIGINT.
package struct BuildEngine: Sendable {
    /// Where files are read and written.
    package var fileSystem: any FileSystem
    /// How commands are started.
    package var launcher: any ProcessLauncher
    /// The environment every command starts from; the Taskfile's `env` and the task's are added.
    ///
    /// Read when a build first needs it, not when the engine is made: a build that ends at the up-to-date
    /// stamp never reads it.
    package var environment: [String: String] {
        get { readEnvironment() }
        set { readEnvironment = { newValue } }
    }
    /// Reads ``environment``: StaskPosix's `ProcessEnvironment.current` on Linux.
    package var readEnvironment: @Sendable () -> [String: String]
    /// The default `cpu` budget; `nil` for the number of active cores.
    package var cpuCount: Int?
    /// The default `mem` budget in bytes: the machine's available memory when the build starts (StaskPosix's
    /// `SystemMemory.available`), asked when a build constructs its graph; `nil` leaves `mem` unlimited unless
    /// the Taskfile or `--budget` sets it.
    package var availableMemory: @Sendable () -> Double? = { nil }
    /// The GNU make jobserver the build runs under (`make -jN` above it); every command beyond the first
    /// running one then holds one of its tokens. `nil` for none.
    package var jobserver: (any JobserverClient)? = nil
    /// Serves a jobserver to the tasks marked `jobserver:` (StaskPosix's `PipeJobserverHost`); `nil` runs
    /// them without one.
    package var jobserverHost: (any JobserverHost)? = nil
    /// Takes the build lock of a state directory and returns the function that releases it: on Linux,
    /// `BuildLock` (`flock` on `.stask/lock`); tests over an in-memory file system pass a stand-in. The
    /// parameters are the directory, whether to wait, and what to call before waiting.
    package var acquireLock: LockAcquirer
    /// Creates the remote cache of a build from its configuration and a warning handler (the HTTP cache
    /// client of `StaskRemote`; tests pass a fake); `nil` when this engine has no remote cache client, and
    /// a configured cache is then reported as unused.
    package var makeRemoteCache: RemoteCacheMaker?
    /// Creates the remote executor of a build from its configuration and a warning handler (the client in the
    /// `stask-remote` helper; tests pass a fake); `nil` when this engine has none, and a configured cluster is
    /// then reported as unused.
    package var makeRemoteExecutor: RemoteExecutorMaker?
    /// Hands memory the allocator holds free back to the system; called once the graph, plan and tasks are
    /// gone, before the state's compaction allocates its largest buffers.
    package var returnFreedMemory: @Sendable () -> Void

    /// Creates a build's remote executor; see ``makeRemoteExecutor``.
    package typealias RemoteExecutorMaker =
        @Sendable (RemoteExecutionConfiguration, @escaping @Sendable (String) -> Void) -> any RemoteExecutor

    /// Creates a build's remote cache; see ``makeRemoteCache``.
    package typealias RemoteCacheMaker =
        @Sendable (RemoteCacheConfiguration, @escaping @Sendable (RemoteCacheWarning) -> Void) -> any RemoteCache

    /// Takes the build lock of a state directory; see ``acquireLock``.
    package typealias LockAcquirer =
        @Sendable (_ directory: String, _ wait: Bool, _ onWait: @Sendable () -> Void) async throws ->
        @Sendable () ->
        Void

    /// Creates an engine.
    ///
    /// - Parameters:
    ///   - fileSystem: Where files are read and written (`LocalFileSystem` on Linux).
    ///   - launcher: How commands are started (`PosixProcessLauncher` on Linux).
    ///   - environment: The environment commands start from; `nil` for this process's.
    ///   - cpuCount: The default `cpu` budget; `nil` for the number of active cores.
    ///   - acquireLock: How the build lock is taken; see ``acquireLock``.
    ///   - makeRemoteCache: How a build's remote cache is created; see ``makeRemoteCache``.
    ///   - returnFreedMemory: See ``returnFreedMemory``; nothing by default.
    package init(
        fileSystem: any FileSystem, launcher: any ProcessLauncher,
        environment: [String: String]? = nil, cpuCount: Int? = nil, acquireLock: @escaping LockAcquirer,
        makeRemoteCache: RemoteCacheMaker? = nil, returnFreedMemory: @escaping @Sendable () -> Void = {}
    ) {
        self.acquireLock = acquireLock
        self.makeRemoteCache = makeRemoteCache
        self.returnFreedMemory = returnFreedMemory
        self.fileSystem = fileSystem
        self.launcher = launcher
        if let environment {
            self.readEnvironment = { environment }
        } else {
            self.readEnvironment = { ProcessInfo.processInfo.environment }
        }
        self.cpuCount = cpuCount
    }

    /// Runs one build and reports it to `reporter`, ending with a `summary` event.
    ///
    /// - Parameters:
    ///   - options: What to build and how.
    ///   - reporter: Receives every event.
    ///   - interrupts: Signal numbers (SIGINT 2, SIGTERM 15); the first one stops the build.
    /// - Returns: The summary; ``BuildSummary/isSuccess`` is false when a task failed or the build was
    ///   interrupted.
    /// - Throws: `TaskfileError` (the Taskfile or a target is wrong; nothing ran), `BuildStateError`
    ///   (the lock is held with `noWait`, or `.stask/` is not writable).
    package func run(
        _ options: BuildOptions, reporter: any ProgressReporter, interrupts: AsyncStream<Int32>? = nil
    ) async throws -> BuildSummary {
        let origin = ContinuousClock.now
        let source = try readTaskfile(options)
        return try await contained(in: ProjectPath.parent(ofAbsolute: source.path)).run(
            source, options: options, reporter: reporter, interrupts: interrupts, origin: origin)
    }

    /// This engine with its writes and removals below `project` contained there (``ContainedFileSystem``):
    /// no symbolic link, not even one a command creates in the middle of the build, makes stask write or
    /// remove outside the project.
    func contained(in project: String) -> BuildEngine {
        if let contained = fileSystem as? ContainedFileSystem, contained.root == project { return self }
        var engine = self
        engine.fileSystem = ContainedFileSystem(base: fileSystem, root: project)
        return engine
    }

    private func run(
        _ source: TaskfileSource, options: BuildOptions, reporter: any ProgressReporter,
        interrupts: AsyncStream<Int32>?, origin: ContinuousClock.Instant
    ) async throws -> BuildSummary {
        // The no-op fast path reads no state and takes no lock: stamped metadata only ever changes away
        // from what was stamped, so if every path still matches, all of them matched at the instant of the
        // first check, and a concurrent build removes the stamp before it writes anything.
        let stampKey = mayUseStamp(options) ? stampKey(source, options: options) : nil
        var stampChanges: StampChanges?
        if let stampKey {
            let checked = checkStamp(source, key: stampKey, reporter: reporter, origin: origin)
            if let summary = checked.summary { return summary }
            stampChanges = checked.changes
        }
        // Without changes to build on, the Taskfile is parsed before the lock: a mistake in it is reported
        // before anything waits or is written.
        let parsedFirst = stampChanges == nil ? try parseCaching(source, options: options) : nil
        // One listener for the whole build, so that a signal also ends the wait for the lock.
        let relay = interrupts.map(InterruptRelay.init)
        defer { relay?.stop() }
        var locked: Locked
        do {
            locked = try await lockAndOpen(
                source, changes: stampChanges, options: options, reporter: reporter, relay: relay)
        } catch is CancellationError where relay?.firstSignal != nil {
            var summary = BuildSummary()
            summary.interruptingSignal = relay?.firstSignal
            summary.wallTime = ContinuousClock.now - origin
            reporter.report(.summary(summary))
            return summary
        }
        defer { locked.release() }
        let store = locked.store
        let start = locked.start
        for warning in locked.warnings { reporter.report(.warning(warning.description)) }
        // Held only until the incremental path has taken the graph: a build that goes the full way makes its own.
        var decoded = locked.decoded.take()
        guard let (taskfile, storeTaskfile) = parsedFirst ?? decoded.map({ ($0.taskfile, $0.storeTaskfile) })
        else { preconditionFailure("the Taskfile is parsed before the lock or decoded beside it") }
        // A Taskfile parsed afresh is stored for the next build beside this one's work (encoding 10,000 tasks
        // and writing them takes tens of milliseconds), under the lock: the store is awaited before the lock is
        // released, whichever way the build ends.
        async let taskfileStored: Void = storeTaskfile?() ?? ()
        var incremental: Executed?
        if let changes = locked.changes, let graph = decoded.take()?.graph {
            do {
                incremental = try await executeIncremental(
                    changes, graph: graph, taskfile: taskfile, options: options, store: store, reporter: reporter,
                    relay: relay, origin: origin)
            } catch {
                try? store.close()
                throw error
            }
        }
        decoded = nil
        var executed: Executed
        if let incremental {
            executed = incremental
        } else {
            executed = try await execute(
                taskfile, options: options, store: store, reporter: reporter, relay: relay, origin: origin,
                storesGraph: stampKey != nil)
        }
        do {
            if let changes = executed.statCacheChanges {
                executed.statCacheChanges = nil  // the store keeps its own copy; this one would double it
                try store.updateStatCache(changes)
            }
            // The graph, the plan, the digest cache and the tasks are gone by now: the state's compaction in
            // `close()` is the build's largest allocation, and it no longer comes on top of them. Without a
            // compaction nothing large follows, and handing the pages back (some 10 ms at 10,000 targets)
            // would only delay the end of the build.
            if store.compactsOnClose { returnFreedMemory() }
            try store.close()
            if let stampKey, let stamp = executed.stamp, relay?.firstSignal == nil {
                writeStamp(
                    source, key: stampKey, instanceIDs: stamp.instanceIDs, observations: stamp.observations,
                    graphIdentity: executed.stampGraph, start: executed.stampStart ?? start,
                    granularity: executed.timestampGranularity)
            }
        } catch {
            executed.events.report(.warning(error.description))
        }
        await taskfileStored
        return reportEnd(of: executed, relay: relay, origin: origin, options: options, reporter: reporter)
    }

    /// What a build holds once it has the lock: the function that releases it, the open state, when the
    /// observations its stamp will hold began, and, for an edit, its changes and what was decoded for them.
    private struct Locked {
        var release: @Sendable () -> Void
        var store: BuildStateStore
        var warnings: [BuildStateWarning]
        var start: Int64
        /// The stamp's changes, unless the state files moved while the build waited for the lock.
        var changes: StampChanges?
        var decoded: IncrementalDecoding?
    }

    /// Takes the lock of `source`'s state directory, removes the stamp and opens the state; with `changes`,
    /// the Taskfile and the stored graph are decoded meanwhile (``decodeForIncremental(_:source:options:)``),
    /// their decoding done when this returns. On an error the lock is released again.
    ///
    /// - Throws: `CancellationError` when a signal ends the wait for the lock; `BuildStateError`; a Taskfile
    ///   that no longer parses (it cannot, for the bytes the stamp was made from).
    private func lockAndOpen(
        _ source: TaskfileSource, changes: StampChanges?, options: BuildOptions, reporter: any ProgressReporter,
        relay: InterruptRelay?
    ) async throws -> Locked {
        async let decoding = decodeForIncremental(changes, source: source, options: options)
        let release = try await acquireLockInterruptibly(
            source.stateDirectory, options: options, reporter: reporter, relay)
        do {
            // Every observation the stamp will hold comes after this instant; nothing is written before the
            // old stamp is gone.
            let start = FileDigestCache.wallClockNanoseconds()
            let holding = changes.flatMap { stateFilesHold($0) ? $0 : nil }
            if !options.dryRun { try? fileSystem.removeItem(atPath: source.stampPath) }
            let (store, warnings) = try BuildStateStore.open(directory: source.stateDirectory, fileSystem: fileSystem)
            do {
                return Locked(
                    release: release, store: store, warnings: warnings, start: start, changes: holding,
                    decoded: try await decoding)
            } catch {
                try? store.close()
                throw error
            }
        } catch {
            release()
            throw error
        }
    }

    /// Reports the summary of an executed build and writes its trace; the summary.
    func reportEnd(
        of executed: Executed, relay: InterruptRelay?, origin: ContinuousClock.Instant, options: BuildOptions,
        reporter: any ProgressReporter
    ) -> BuildSummary {
        var summary = executed.summary
        if summary.interruptingSignal == nil, let signal = relay?.firstSignal {
            // Interrupted before anything was scheduled (or with nothing to run): still an interrupted build.
            summary.interruptingSignal = signal
        }
        summary.wallTime = ContinuousClock.now - origin
        executed.events.report(.summary(summary))
        if let recorder = executed.recorder { writeTrace(recorder, options: options, reporter: reporter) }
        return summary
    }

    /// What a build's `execute` leaves for the end of the build.
    struct Executed {
        var summary: BuildSummary
        /// The reporter, teed to the trace recorder under `--trace`.
        var events: any ProgressReporter
        var recorder: TraceRecorder?
        /// What the digest cache learned, to journal; `nil` when nothing.
        var statCacheChanges: StatCacheChanges?
        var timestampGranularity: Duration
        /// When everything was up to date: the ids and observations for the no-op stamp.
        var stamp: (instanceIDs: [String], observations: StampObservations)?
        /// The identity of the graph stored for the stamp (``GraphCacheFile``), if one was.
        var stampGraph: ContentDigest?
        /// When the stamp's observations were last all checked, if before the build took its lock (the
        /// incremental path carries them over from the stamp it started from).
        var stampStart: Int64?
        /// By plan position: found up to date before anything ran.
        var upToDate: [Bool] = []
    }

    /// Plans, checks and runs the build over the open `store`; everything it allocates for that (graph,
    /// plan, digest cache, tasks) is released when it returns.
    ///
    /// - Parameter storesGraph: Whether a build that runs nothing stores its graph for its stamp
    ///   (``GraphCacheFile``).
    private func execute(
        _ taskfile: Taskfile, options: BuildOptions, store: BuildStateStore, reporter: any ProgressReporter,
        relay: InterruptRelay?, origin: ContinuousClock.Instant, storesGraph: Bool
    ) async throws -> Executed {
        let digests = store.makeDigestCache(fileSystem: fileSystem)
        let plan: BuildPlan
        let checked: (upToDate: [Bool], examined: UpToDateChecker.Memo)
        do {
            let itemDurations = store.allItemDurations
            let recordedOutputs = store.recordedOutputPaths
            (plan, checked) = try planKeepingSplits(
                taskfile, options: options, itemDurations: itemDurations,
                makePlan: { keeping in
                    try makePlan(
                        taskfile, options: options, itemDurations: itemDurations, recordedOutputs: recordedOutputs,
                        discoveredInputs: { store.record(for: $0)?.discoveredInputs.map(\.path) ?? [] },
                        keeping: keeping)
                },
                check: { plan in
                    let checked = prePass(
                        plan, checker: makeChecker(plan, taskfile: taskfile, store: store, digests: digests))
                    return (checked, checked.upToDate.map { !$0 })
                })
        } catch {
            try? store.close()
            throw error
        }
        return try await execute(
            taskfile, plan: plan, checked: checked, digests: digests, options: options, store: store,
            reporter: reporter, relay: relay, origin: origin, storesGraph: storesGraph)
    }

    /// The up-to-date checker of a build of `plan`.
    func makeChecker(
        _ plan: BuildPlan, taskfile: Taskfile, store: BuildStateStore, digests: FileDigestCache
    ) -> UpToDateChecker {
        var checker = UpToDateChecker(
            projectDirectory: plan.graph.projectDirectory, fileSystem: fileSystem, digests: digests,
            record: { store.record(for: $0) })
        checker.referencedVariables = ReferencedVariables(taskfile)
        return checker
    }

    /// Checks (unless `checked` holds the pre-pass already made) and runs the build of `plan` over the open
    /// `store`.
    ///
    /// - Parameters:
    ///   - checked: The pre-pass of `plan`, when planning made it; `nil` to make it here.
    ///   - digests: The digest cache `checked` was made with; `nil` for a new one.
    ///   - knownUpToDate: By plan position, instances a watch session knows to be up to date (nothing they
    ///     read changed since they were found so); the pre-pass takes them as they are, without examining a
    ///     file. `nil` to examine every instance.
    ///   - alreadyExamined: Files examined earlier in this build (see `prePass`).
    ///   - reportsSkipped: Whether to report the `skipped` event; a watch session's builds after the first
    ///     leave it out (at 10,000 targets its list of ids would be most of what a one-file rebuild writes
    ///     before its command starts).
    func execute(
        _ taskfile: Taskfile, plan: BuildPlan, checked: (upToDate: [Bool], examined: UpToDateChecker.Memo)? = nil,
        digests: FileDigestCache? = nil, options: BuildOptions, store: BuildStateStore,
        reporter: any ProgressReporter, relay: InterruptRelay?, origin: ContinuousClock.Instant,
        knownUpToDate: [Bool]? = nil, reportsSkipped: Bool = true, storesGraph: Bool = false,
        examined alreadyExamined: UpToDateChecker.Memo? = nil
    ) async throws -> Executed {
        let digests = digests ?? store.makeDigestCache(fileSystem: fileSystem)
        var checker = makeChecker(plan, taskfile: taskfile, store: store, digests: digests)
        var (upToDate, examined) =
            checked
            ?? prePass(plan, checker: checker, knownUpToDate: knownUpToDate, examined: alreadyExamined)
        do {
            try saveShardPlans(plan.graph, stateDirectory: store.directory, store: store)
        } catch {
            reporter.report(.warning("cannot save the shard split for the next build: \(error)"))
        }
        let scheduled = plan.indices.indices.filter { !upToDate[$0] }
        var observations: [FileObservation] = []
        var observedDigests: [ContentDigest?] = []
        if scheduled.isEmpty {
            // Only a build that runs nothing writes the stamp.
            observations = examined.observations
            observedDigests = examined.digests
        } else {
            var runs = [Bool](repeating: false, count: plan.graph.instances.count)
            for local in scheduled { runs[plan.indices[local]] = true }
            let graph = plan.graph
            let running = runs
            examined.dropObservations()
            checker.sourceDigests = SourceDigests(
                writer: { path in graph.producer(of: path).map { running[$0] ? .running : .idle } ?? .none },
                examined: examined)
        }
        // Not in a watch session's build, which hashes a few files (and would look up every input of an
        // aggregate step for the estimate).
        if knownUpToDate == nil { digests.reserveCapacity(filesHashed(by: scheduled, in: plan)) }
        let (estimates, memoryCharges) = schedulingFigures(plan, scheduled: scheduled, store: store)
        let estimatedWork = scheduled.reduce(Duration.zero) { $0 + estimates[$1] }
        let memoryLog = options.tracePath.map { _ in AttemptMemoryLog() }
        let recorder = memoryLog.map { log in
            traceRecorder(plan, scheduled: scheduled, store: store, origin: origin, memoryLog: log)
        }
        let events: any ProgressReporter = recorder.map { TeeReporter([reporter, $0]) } ?? reporter
        events.report(
            .planned(total: plan.count, upToDate: plan.count - scheduled.count, estimatedWork: estimatedWork))
        if reportsSkipped && scheduled.count < plan.count {
            events.report(.skipped(ids: upToDate.indices.compactMap { upToDate[$0] ? plan.instance($0).id : nil }))
        }

        var summary = BuildSummary(upToDate: plan.count - scheduled.count)
        // A no-op build neither touches the network nor mentions the cache.
        let remoteCache = scheduled.isEmpty ? nil : remoteCache(options, taskfile: taskfile, reporter: reporter)
        if !scheduled.isEmpty {
            var executor = InstanceExecutor(
                projectDirectory: plan.graph.projectDirectory, fileSystem: fileSystem, launcher: launcher,
                checker: checker, store: store, baseEnvironment: environment, origin: origin,
                logDirectory: ProjectPath.join(store.directory, "logs"),
                warn: { events.report(.warning($0)) })
            executor.remoteCache = remoteCache
            executor.remoteExecution = remoteExecution(options, taskfile: taskfile, reporter: events)
            let uploads = options.isRemoteCacheUploadEnabled ? remoteCache.map(RemoteCacheUploads.init) : nil
            executor.uploads = uploads
            let shardRuns = ShardRunLog()
            executor.shardRuns = shardRuns
            executor.wholeMemory = WholeMemoryBudget()
            executor.memoryLog = memoryLog
            executor.jobSlots = jobserver.map { JobSlots(client: $0) }
            if let jobserverHost, scheduled.contains(where: { plan.instance($0).jobserver != nil }) {
                executor.jobserverHost = jobserverHost
                executor.cpuLender = CPULender()
            }
            executor.shardedTaskItems = Self.shardedTaskItems(plan.graph)
            async let uploaded: Void? = uploads?.drain()
            let state: BuildCoordinatorState
            do {
                var scheduler = BuildScheduler(
                    plan: plan, scheduled: scheduled, estimates: estimates, executor: executor,
                    keepGoing: options.keepGoing, reporter: events)
                scheduler.memoryCharges = memoryCharges
                state = try await scheduler.run(interrupts: relay?.signals)
            } catch {
                await executor.remoteExecution?.executor.finish()
                uploads?.finish(discardingPending: true)
                if let recorder { writeTrace(recorder, options: options, reporter: reporter) }
                throw error
            }
            await executor.remoteExecution?.executor.finish()
            summary.remoteExecution = executor.remoteExecution?.executor.statistics
            uploads?.finish(discardingPending: state.interruptingSignal != nil)
            finishShardRuns(shardRuns, graph: plan.graph, stateDirectory: store.directory, reporter: events)
            _ = await uploaded
            summary.built = state.built
            summary.restored = state.restored
            summary.upToDate += state.upToDate
            summary.flaky = state.flaky
            summary.failed = state.failed
            summary.aborted = state.notCompleted
            summary.interruptingSignal = state.interruptingSignal
            (summary.criticalPath, summary.speedups) = CriticalPath.realised(plan, state: state)
        }
        summary.remoteCache = remoteCache?.statistics
        var stamp: (instanceIDs: [String], observations: StampObservations)?
        var stampGraph: ContentDigest?
        // Only a build that examined every instance knows everything it rests on.
        if scheduled.isEmpty && knownUpToDate == nil {
            if storesGraph {
                stampGraph = GraphCacheFile(stateDirectory: store.directory, fileSystem: fileSystem).store(plan.graph)
            }
            stamp = (
                (0..<plan.count).map { plan.instance($0).id },
                StampObservations(
                    graph: plan.graph.fileObservations,
                    graphCovered: plan.graph.fileObservations.map { examined.covers($0) },
                    graphDigests: plan.graph.listingDigests.isEmpty
                        ? []
                        : plan.graph.fileObservations.map { observation in
                            observation.metadata?.kind == .directory ? plan.graph.listingDigests[observation.path] : nil
                        },
                    examined: observations,
                    digests: observedDigests)
            )
        }
        return Executed(
            summary: summary, events: events, recorder: recorder,
            statCacheChanges: digests.isModified ? digests.changeTable : nil,
            timestampGranularity: digests.timestampGranularity, stamp: stamp, stampGraph: stampGraph,
            upToDate: upToDate)
    }

    /// Takes the build lock; a signal while waiting for it ends the wait with `CancellationError`.
    private func acquireLockInterruptibly(
        _ directory: String, options: BuildOptions, reporter: any ProgressReporter, _ relay: InterruptRelay?
    ) async throws -> @Sendable () -> Void {
        let acquireLock = self.acquireLock
        let onWait: @Sendable () -> Void = {
            reporter.report(.warning("waiting for another stask building in this directory…"))
        }
        guard let relay else { return try await acquireLock(directory, !options.noWait, onWait) }
        let waiting = Task { try await acquireLock(directory, !options.noWait, onWait) }
        if !relay.onInterrupt({ waiting.cancel() }) { waiting.cancel() }
        return try await withTaskCancellationHandler {
            try await waiting.value
        } onCancel: {
            waiting.cancel()
        }
    }

    /// The build's remote execution cluster: the command line's choice, else the Taskfile's; credentials come
    /// from ``environment`` (as for the remote cache). Its warnings go to `reporter`.
    func remoteExecution(
        _ options: BuildOptions, taskfile: Taskfile, reporter: any ProgressReporter
    ) -> RemoteExecution? {
        let endpoint: RemoteCacheEndpoint
        switch options.remoteExecutor {
        case .off: return nil
        case .server(let chosen): endpoint = chosen
        case .fromTaskfile:
            guard let remote = taskfile.remote else { return nil }
            endpoint = remote.executor.value
        }
        let configuration = RemoteExecutionConfiguration(
            endpoint: endpoint, instanceName: options.remoteInstance ?? taskfile.remote?.instance,
            jobs: options.remoteJobs ?? taskfile.remote?.jobs ?? RemoteExecutionConfiguration.defaultJobs,
            isRemoteOnly: options.isRemoteOnly, credentials: RemoteCacheCredentials(environment: environment))
        guard let makeRemoteExecutor else {
            reporter.report(
                .warning("remote executor '\(endpoint)' is not used: this stask has no remote execution client"))
            return nil
        }
        let executor = makeRemoteExecutor(configuration) { reporter.report(.warning($0)) }
        return RemoteExecution(executor: executor, configuration: configuration, path: environment["PATH"])
    }

    /// The build's remote cache: the command line's choice, else the Taskfile's; credentials come from
    /// ``environment``. Its warnings go to `reporter`.
    func remoteCache(
        _ options: BuildOptions, taskfile: Taskfile, reporter: any ProgressReporter
    ) -> (any RemoteCache)? {
        guard let endpoint = options.remoteCache.endpoint(taskfile: taskfile) else { return nil }
        let configuration = RemoteCacheConfiguration(
            endpoint: endpoint, isUploadEnabled: options.isRemoteCacheUploadEnabled,
            credentials: RemoteCacheCredentials(environment: environment))
        guard let makeRemoteCache else {
            reporter.report(.warning("remote cache '\(endpoint)' is not used: this stask has no remote cache client"))
            return nil
        }
        return makeRemoteCache(configuration) { reporter.report(.warning($0.description)) }
    }
}
