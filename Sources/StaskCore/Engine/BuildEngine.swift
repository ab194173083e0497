import AsyncStreams
import FoundationEssentials
import Synchronization

/// Builds the targets of a Taskfile: the whole pipeline of DESIGN §7, data flowing one way.
///
/// ```
/// Taskfile ─▶ TaskfileParser ─▶ GraphBuilder ─▶ BuildPlan (selection) ─▶ up-to-date pre-pass
///   ─▶ DependencyGraph + PriorityDependencySourceObj + ResourceCapacitySource + ScheduledTaskPoolRunner
///   ─▶ InstanceExecutor (ProcessLauncher) ─▶ BuildCoordinator ─▶ ProgressReporter, BuildStateStore
/// ```
///
/// ```swift
/// let engine = BuildEngine(fileSystem: LocalFileSystem(), launcher: PosixProcessLauncher())
/// let summary = try await engine.run(BuildOptions(directory: cwd), reporter: PlainReporter(sink: out))
/// exit(summary.isSuccess ? 0 : 1)
/// ```
///
/// **No-op stamp.** First the Taskfile is read (not parsed): when `.stask/uptodate` holds a stamp for the
/// same Taskfile bytes and options whose every observed path is unchanged (`UpToDateStamp`), the build
/// reports its instances up to date and ends there, without the lock, the state or the graph. A build
/// that finds everything up to date writes a new stamp at its end; one that goes the full way removes the
/// old stamp before writing anything.
///
/// **Order of work.** Load the Taskfile (errors: `TaskfileError`, nothing runs), take the `BuildLock` of
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
    package var environment: [String: String]
    /// The default `cpu` budget; `nil` for the number of active cores.
    package var cpuCount: Int?
    /// Takes the build lock of a state directory and returns the function that releases it: on Linux,
    /// `BuildLock` (`flock` on `.stask/lock`); tests over an in-memory file system pass a stand-in. The
    /// parameters are the directory, whether to wait, and what to call before waiting.
    package var acquireLock: LockAcquirer
    /// Creates the remote cache of a build from its configuration and a warning handler (the HTTP cache
    /// client of `StaskRemote`; tests pass a fake); `nil` when this engine has no remote cache client, and
    /// a configured cache is then reported as unused.
    package var makeRemoteCache: RemoteCacheMaker?
    /// Hands memory the allocator holds free back to the system; called once the graph, plan and tasks are
    /// gone, before the state's compaction allocates its largest buffers.
    package var returnFreedMemory: @Sendable () -> Void

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
        self.environment = environment ?? ProcessInfo.processInfo.environment
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
        // The no-op fast path reads no state and takes no lock: stamped metadata only ever changes away
        // from what was stamped, so if every path still matches, all of them matched at the instant of the
        // first check, and a concurrent build removes the stamp before it writes anything.
        let stampKey = mayUseStamp(options) ? stampKey(source, options: options) : nil
        if let stampKey, let summary = reportFromStamp(source, key: stampKey, reporter: reporter, origin: origin) {
            return summary
        }
        let taskfile = try parse(source, options: options)
        let stateDirectory = source.stateDirectory
        // One listener for the whole build, so that a signal also ends the wait for the lock.
        let relay = interrupts.map(InterruptRelay.init)
        defer { relay?.stop() }
        let release: @Sendable () -> Void
        do {
            release = try await acquireLockInterruptibly(stateDirectory, options: options, reporter: reporter, relay)
        } catch is CancellationError where relay?.firstSignal != nil {
            var summary = BuildSummary()
            summary.interruptingSignal = relay?.firstSignal
            summary.wallTime = ContinuousClock.now - origin
            reporter.report(.summary(summary))
            return summary
        }
        defer { release() }
        // Every observation the stamp will hold comes after this instant; nothing is written before the
        // old stamp is gone.
        let start = FileDigestCache.wallClockNanoseconds()
        if !options.dryRun { try? fileSystem.removeItem(atPath: source.stampPath) }
        let (store, warnings) = try BuildStateStore.open(directory: stateDirectory, fileSystem: fileSystem)
        for warning in warnings { reporter.report(.warning(warning.description)) }

        var executed = try await execute(
            taskfile, options: options, store: store, reporter: reporter, relay: relay, origin: origin)
        // The graph, the plan, the digest cache and the tasks are gone by now: the state's compaction in
        // `close()` is the build's largest allocation, and it no longer comes on top of them.
        returnFreedMemory()
        do {
            if let changes = executed.statCacheChanges {
                executed.statCacheChanges = nil  // the store keeps its own copy; this one would double it
                try store.updateStatCache(changes)
            }
            try store.close()
            if let stampKey, let stamp = executed.stamp, relay?.firstSignal == nil {
                writeStamp(
                    source, key: stampKey, instanceIDs: stamp.instanceIDs, observationLists: stamp.observationLists,
                    start: start, granularity: executed.timestampGranularity)
            }
        } catch {
            executed.events.report(.warning(error.description))
        }
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

    /// What ``execute(_:options:store:reporter:relay:origin:)`` leaves for the end of the build.
    private struct Executed {
        var summary: BuildSummary
        /// The reporter, teed to the trace recorder under `--trace`.
        var events: any ProgressReporter
        var recorder: TraceRecorder?
        /// What the digest cache learned, to journal; `nil` when nothing.
        var statCacheChanges: StatCacheChanges?
        var timestampGranularity: Duration
        /// When everything was up to date: the ids and observations for the no-op stamp.
        var stamp: (instanceIDs: [String], observationLists: [[FileObservation]])?
    }

    /// Plans, checks and runs the build over the open `store`; everything it allocates for that (graph,
    /// plan, digest cache, tasks) is released when it returns.
    private func execute(
        _ taskfile: Taskfile, options: BuildOptions, store: BuildStateStore, reporter: any ProgressReporter,
        relay: InterruptRelay?, origin: ContinuousClock.Instant
    ) async throws -> Executed {
        let plan: BuildPlan
        do {
            plan = try makePlan(
                taskfile, options: options, itemDurations: store.allItemDurations,
                recordedOutputs: store.recordedOutputPaths)
        } catch {
            try? store.close()
            throw error
        }
        do {
            try saveShardPlans(plan.graph, stateDirectory: store.directory, store: store)
        } catch {
            reporter.report(.warning("cannot save the shard split for the next build: \(error)"))
        }
        let digests = store.makeDigestCache(fileSystem: fileSystem)
        var checker = UpToDateChecker(
            projectDirectory: plan.graph.projectDirectory, fileSystem: fileSystem, digests: digests,
            record: { store.record(for: $0) })
        checker.variablesByTask = taskfile.referencedVariables
        var (upToDate, observations) = prePass(plan, checker: checker)
        let scheduled = plan.indices.indices.filter { !upToDate[$0] }
        if !scheduled.isEmpty { observations = [] }  // only a build that runs nothing writes the stamp
        digests.reserveCapacity(filesHashed(by: scheduled, in: plan))
        let estimates = estimatedDurations(plan, scheduled: scheduled, store: store)
        let estimatedWork = scheduled.reduce(Duration.zero) { $0 + estimates[$1] }
        let recorder = options.tracePath.map { _ in
            traceRecorder(plan, scheduled: scheduled, store: store, origin: origin)
        }
        let events: any ProgressReporter = recorder.map { TeeReporter([reporter, $0]) } ?? reporter
        events.report(
            .planned(total: plan.count, upToDate: plan.count - scheduled.count, estimatedWork: estimatedWork))
        if scheduled.count < plan.count {
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
            let uploads = options.isRemoteCacheUploadEnabled ? remoteCache.map(RemoteCacheUploads.init) : nil
            executor.uploads = uploads
            async let uploaded: Void? = uploads?.drain()
            let state: BuildCoordinatorState
            do {
                state = try await schedule(
                    plan, scheduled: scheduled, estimates: estimates, executor: executor, options: options,
                    reporter: events, interrupts: relay?.signals)
            } catch {
                uploads?.finish(discardingPending: true)
                if let recorder { writeTrace(recorder, options: options, reporter: reporter) }
                throw error
            }
            uploads?.finish(discardingPending: state.interruptingSignal != nil)
            _ = await uploaded
            summary.built = state.built
            summary.restored = state.restored
            summary.upToDate += state.upToDate
            summary.flaky = state.flaky
            summary.failed = state.failed
            summary.aborted = state.notCompleted
            summary.interruptingSignal = state.interruptingSignal
            (summary.criticalPath, summary.speedups) = realisedCriticalPath(plan, state: state)
        }
        summary.remoteCache = remoteCache?.statistics
        var stamp: (instanceIDs: [String], observationLists: [[FileObservation]])?
        if scheduled.isEmpty {
            stamp = ((0..<plan.count).map { plan.instance($0).id }, [plan.graph.fileObservations, observations])
        }
        return Executed(
            summary: summary, events: events, recorder: recorder,
            statCacheChanges: digests.isModified ? digests.changeTable : nil,
            timestampGranularity: digests.timestampGranularity, stamp: stamp)
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

    // MARK: - Loading and planning

    func loadTaskfile(_ options: BuildOptions) throws -> Taskfile {
        let parser = TaskfileParser(fileSystem: fileSystem, workingDirectory: options.directory)
        return try parser.load(file: options.taskfilePath, variableOverrides: options.variables)
    }

    /// The graph of `taskfile` with the targets of `options` selected; `state` supplies per-item durations
    /// for shard planning and the outputs of earlier builds (which globs must not match on disk).
    ///
    /// - Throws: `TaskfileError`; `ShardPlanError` for an imported shard plan that does not fit.
    func makePlan(_ taskfile: Taskfile, options: BuildOptions, state: BuildState) throws -> BuildPlan {
        var recordedOutputs = Set<String>()
        for record in state.records.values { recordedOutputs.formUnion(record.outputDigests.keys) }
        return try makePlan(
            taskfile, options: options, itemDurations: state.itemDurations, recordedOutputs: recordedOutputs)
    }

    /// `makePlan(_:options:state:)` from the two parts of the state it reads (a build gets them from the
    /// store without decoding the whole state).
    func makePlan(
        _ taskfile: Taskfile, options: BuildOptions, itemDurations: [String: [String: Double]],
        recordedOutputs: Set<String>
    ) throws -> BuildPlan {
        let builder = GraphBuilder(
            fileSystem: fileSystem,
            options: GraphBuilder.Options(
                budgetOverrides: options.budgetOverrides, cpuCount: cpuCount,
                shardPlanner: try shardPlanner(taskfile, options: options, itemDurations: itemDurations),
                staleOutputs: recordedOutputs))
        let graph = try builder.build(taskfile)
        return try BuildPlan(graph: graph, targets: options.targets, shard: options.shard)
    }

    /// Which selected instances are up to date, in dependency order, before anything runs, and the
    /// metadata of every file examined to decide it.
    func prePass(_ plan: BuildPlan, checker: UpToDateChecker) -> (upToDate: [Bool], observations: [FileObservation]) {
        var upToDate = [Bool](repeating: false, count: plan.count)
        var memo = UpToDateChecker.Memo()
        var isReserved = false
        for local in 0..<plan.count {
            let instance = plan.instance(local)
            // Without a record the instance cannot be up to date: its inputs are hashed when it runs, in
            // parallel with the other tasks, not here one after the other.
            guard !instance.always, plan.dependencies[local].allSatisfy({ upToDate[$0] }),
                checker.record(instance.id) != nil
            else { continue }
            if !isReserved {
                isReserved = true
                // Some instance has a record, so most probably all do (a full build from scratch has none and
                // reserves nothing). An upper bound: an output is usually another instance's input as well.
                memo.reserveCapacity(
                    (0..<plan.count).reduce(0) { $0 + plan.instance($1).inputs.count + plan.instance($1).outputs.count }
                )
            }
            let key = checker.keyInputs(for: instance, memo: &memo).actionKey
            upToDate[local] = checker.isUpToDate(instance, actionKey: key, memo: &memo)
        }
        return (upToDate, memo.observations)
    }

    /// About how many files the `scheduled` instances hash when they run: their outputs, and their inputs
    /// that no instance produces (sources; a source shared by several instances counts once each).
    func filesHashed(by scheduled: [Int], in plan: BuildPlan) -> Int {
        var count = 0
        for local in scheduled {
            let instance = plan.instance(local)
            count += instance.outputs.count
            for input in instance.inputs where plan.graph.producer(of: input) == nil { count += 1 }
        }
        return count
    }

    /// Recorded moving averages; an instance never run gets the median of the known ones, or 1 s.
    ///
    /// - Returns: an estimate by plan position (zero for the instances not scheduled): an array, not a
    ///   dictionary, since it lives as long as the build (16 bytes an instance instead of some 80).
    func estimatedDurations(_ plan: BuildPlan, scheduled: [Int], store: BuildStateStore) -> [Duration] {
        var known = [Duration?](repeating: nil, count: plan.count)
        var knownSeconds: [Double] = []
        for local in scheduled {
            if let estimate = store.estimatedDuration(for: plan.instance(local).id) {
                known[local] = estimate
                knownSeconds.append(InstanceExecutor.seconds(estimate))
            }
        }
        let fallback = Duration.seconds(CriticalPath.defaultEstimate(known: knownSeconds))
        var estimates = [Duration](repeating: .zero, count: plan.count)
        for local in scheduled { estimates[local] = known[local] ?? fallback }
        return estimates
    }

    // MARK: - Scheduling

    private func schedule(
        _ plan: BuildPlan, scheduled: [Int], estimates: [Duration], executor: InstanceExecutor,
        options: BuildOptions, reporter: any ProgressReporter, interrupts: AsyncStream<Int32>?
    ) async throws -> BuildCoordinatorState {
        // A view, not a copy: at 100,000 targets a copy of the instances is about 25 MB.
        let instances = scheduled.lazy.map { plan.instance($0) }
        let graph = plan.graph
        let coordinator = BuildCoordinator(
            instances: instances, estimates: scheduled.map { estimates[$0] }, position: { graph.index(of: $0) },
            slots: graph.instances.count, keepGoing: options.keepGoing, reporter: reporter)
        let source = try makeSource(
            plan, scheduled: scheduled, estimates: estimates, executor: executor, coordinator: coordinator)
        coordinator.attach(source)
        let capacity = try ResourceCapacitySource(limits: plan.graph.budget)
        let runner = ScheduledTaskPoolRunner(name: "stask", source: source, capacity: capacity)

        await withTaskGroup(of: RunEnding.self) { group in
            group.addTask {
                do {
                    // The coordinator hears of every task through its callbacks: no envelopes, so a step
                    // that ends wakes no consumer.
                    // On the launcher's executor when it has one: the thread that reaps a step's command
                    // then also finishes the step and spawns the next, with no switch between threads.
                    try await withTaskExecutorPreference(executor.launcher.taskExecutor) {
                        try await runner.runToCompletion(stopOnError: false)
                    }
                } catch {
                    // stopOnError is false: task errors arrive through onError, never here.
                }
                return .finished
            }
            if let interrupts {
                group.addTask {
                    for await signal in interrupts {
                        coordinator.interrupt(signal: signal)
                        return .interrupted
                    }
                    return .interruptsEnded
                }
            }
            while let ending = await group.next() {
                switch ending {
                case .finished:
                    group.cancelAll()  // stops the interrupt listener
                case .interrupted:
                    group.cancelAll()  // cancels the run: running commands are killed and reaped
                case .interruptsEnded:
                    break
                }
            }
        }
        if Task.isCancelled { coordinator.interrupt(signal: 2) }
        coordinator.detach()
        return coordinator.snapshot
    }

    /// The task source of a build: the scheduled instances' graph, one job each, critical-path priorities.
    ///
    /// A function of its own so that what only building the source needs (the job table, positions, the
    /// scheduled set: at 100,000 targets some 30 MB) is gone before the first task runs.
    private func makeSource(
        _ plan: BuildPlan, scheduled: [Int], estimates: [Duration], executor: InstanceExecutor,
        coordinator: BuildCoordinator
    ) throws -> BuildCoordinator.Source {
        let isScheduled = Set(scheduled)
        let instances = scheduled.lazy.map { plan.instance($0) }
        // Critical-path priorities over the scheduled subset (in dependency order, so positions work as
        // local indices for CriticalPath).
        var position: [Int: Int] = [:]
        position.reserveCapacity(scheduled.count)
        for (offset, local) in scheduled.enumerated() { position[local] = offset }
        let priorities = CriticalPath.priorities(
            estimates: scheduled.map { InstanceExecutor.seconds(estimates[$0]) },
            bonuses: instances.map(\.priority),
            dependents: scheduled.map { local in plan.dependents[local].compactMap { position[$0] } })
        // Read only while the source is built (it evaluates each node's priority once, and stask adds no node
        // later), then dropped: at 100,000 targets the table is some 6 MB the build would otherwise keep.
        let priorityByID = PriorityTable(Dictionary(uniqueKeysWithValues: zip(instances.map(\.id), priorities)))
        defer { priorityByID.release() }

        let graph = DependencyGraph<String>()
        var jobs: [String: BuildCoordinator.Job] = [:]
        jobs.reserveCapacity(scheduled.count)
        // One shared closure over the executor: a job captures only it and its position, not a copy of
        // the executor and the instance each (about 600 bytes a job).
        let runInstance: @Sendable (Int) async throws -> AttemptOutcome = { offset in
            let instance = plan.instance(scheduled[offset])
            return try await executor.run(instance) { coordinator.attemptStarted(instance.id) }
        }
        let onComplete: @Sendable (String, AttemptOutcome) -> Void = { coordinator.taskSucceeded($0, $1) }
        let onError: @Sendable (String, any Error) -> Void = { coordinator.taskFailed($0, $1) }
        for (offset, local) in scheduled.enumerated() {
            let instance = instances[offset]
            let dependencies = plan.dependencies[local].filter(isScheduled.contains).map { plan.instance($0).id }
            try graph.addNode(instance.id, dependencies: dependencies)
            jobs[instance.id] = BuildCoordinator.Job(
                key: instance.id, cost: instance.cost, run: { try await runInstance(offset) },
                onComplete: onComplete, onError: onError)
        }
        return try BuildCoordinator.Source(graph: graph, tasks: jobs, priority: { key, _ in priorityByID[key] })
    }

    /// Instance id → critical-path priority, until released (then every priority reads 0).
    private final class PriorityTable: Sendable {
        private let table: Mutex<[String: Double]>

        init(_ table: [String: Double]) {
            self.table = Mutex(table)
        }

        subscript(id: String) -> Double { table.withLock { $0[id] ?? 0 } }

        func release() {
            table.withLock { $0 = [:] }
        }
    }

    private enum RunEnding: Sendable {
        case finished, interrupted, interruptsEnded
    }

    /// The realised critical path, and the (at most three) steps whose speed-up would shorten it most.
    private func realisedCriticalPath(
        _ plan: BuildPlan, state: BuildCoordinatorState
    ) -> ([CriticalPathStep], [CriticalPathStep]) {
        var spansByLocal = [CriticalPath.Span?](repeating: nil, count: plan.count)
        for local in 0..<plan.count { spansByLocal[local] = state.span(of: plan.instance(local).id) }
        let path = CriticalPath.realised(spans: spansByLocal) { plan.dependencies[$0] }
        let steps = path.map { local in
            let span = spansByLocal[local]!
            return CriticalPathStep(id: plan.instance(local).id, duration: span.end - span.start)
        }
        let speedups = CriticalPath.speedups(spans: spansByLocal, path: path) { plan.dependencies[$0] }.map {
            CriticalPathStep(id: plan.instance($0.index).id, duration: $0.saving)
        }
        return (steps, speedups)
    }

    // MARK: - --trace

    private func traceRecorder(
        _ plan: BuildPlan, scheduled: [Int], store: BuildStateStore, origin: ContinuousClock.Instant
    ) -> TraceRecorder {
        var costs: [String: [String: Double]] = [:]
        for local in scheduled { costs[plan.instance(local).id] = plan.instance(local).cost.amounts }
        return TraceRecorder(
            costs: costs, actionKey: { store.record(for: $0)?.actionKey.description },
            now: { ContinuousClock.now - origin })
    }

    /// Writes the trace file atomically (relative paths are relative to `options.directory`); a failure is
    /// a warning, not a failed build.
    private func writeTrace(_ recorder: TraceRecorder, options: BuildOptions, reporter: any ProgressReporter) {
        guard let path = options.tracePath else { return }
        let absolute = ProjectPath.absolute(path, project: options.directory)
        do {
            try fileSystem.createDirectory(atPath: ProjectPath.parent(ofAbsolute: absolute))
            try fileSystem.writeFile(atPath: absolute, contents: recorder.traceJSON())
        } catch {
            reporter.report(.warning("cannot write the trace '\(path)': \(error)"))
        }
    }
}
