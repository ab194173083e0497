import AsyncStreams

/// Runs one attempt of a task instance: the body of its `ScheduledTask`.
///
/// In order: re-check the action key (early cutoff: its dependencies may have come out byte-identical),
/// look the action up in the remote cache (if one is configured and the task is not `always`: a hit
/// writes the outputs, records the success and runs nothing; the lookup is bounded by the cache's own
/// deadlines and is not part of the attempt's timed span, which, like `timeout:`, starts with the
/// commands), create the parent directories of the
/// outputs, run every command through the ``ProcessLauncher``
/// (exec'd directly when it has no shell syntax, else through `/bin/sh -c`: `ProcessSpec.command`)
/// stopping at the first failure, then hash
/// the outputs, read the depfile's discovered inputs, record the success and queue the upload to the remote
/// cache (a task with a depfile is neither looked up nor uploaded: the headers it read are in no key). A record is written only
/// after success (and only successes are uploaded); a failed attempt
/// invalidates the instance's old record. Cancellation (Ctrl-C) kills the running command's process
/// group (the launcher does) and writes nothing.
struct InstanceExecutor: Sendable {
    let projectDirectory: String
    let fileSystem: any FileSystem
    let launcher: any ProcessLauncher
    let checker: UpToDateChecker
    let store: BuildStateStore
    /// The environment every command starts from (the process's own); the instance's variables are added.
    let baseEnvironment: [String: String]
    /// The instant the build started; spans are measured from it.
    let origin: ContinuousClock.Instant
    /// Where output too large to keep in memory is written (`.stask/logs`).
    let logDirectory: String
    /// Reports warnings (a state write that failed) without failing the task.
    let warn: @Sendable (String) -> Void
    /// The remote cache to restore from, if the build uses one.
    var remoteCache: (any RemoteCache)? = nil
    /// The remote execution cluster eligible instances run on, if the build uses one.
    var remoteExecution: RemoteExecution? = nil
    /// Where successes go to be uploaded; `nil` when nothing is uploaded.
    var uploads: RemoteCacheUploads? = nil
    /// Where shard runs report what they learned about their items (``ShardRunLog``); `nil` for none.
    var shardRuns: ShardRunLog? = nil
    /// How a step the out-of-memory killer ended runs again alone; `nil` for no second try.
    var wholeMemory: WholeMemoryBudget? = nil
    /// The job slots of the make jobserver stask runs under; `nil` when it runs under none.
    var jobSlots: JobSlots? = nil
    /// Serves a jobserver to instances marked `jobserver:`; `nil` runs them without one.
    var jobserverHost: (any JobserverHost)? = nil
    /// The build's free cpu units, lent to those jobservers.
    var cpuLender: CPULender? = nil
    /// Where each attempt's peak memory goes for the trace; `nil` when no trace is written.
    var memoryLog: AttemptMemoryLog? = nil

    /// How one pass over an instance's commands ended, when no command failed otherwise.
    enum CommandsEnding: Sendable {
        case succeeded
        case outOfMemory(command: String, termination: ProcessResult.Termination)
    }
    /// Every item of each sharded task, all shards' (selected or not), by task name: a shard's JUnit report is
    /// read against all of them, so a name two of the task's items share names neither, however they are
    /// split (``JUnitReport/attribution(items:taskItems:)``).
    var shardedTaskItems: [String: [String]] = [:]

    /// Runs one attempt. `attemptStarted` is called once the instance is known to need running.
    ///
    /// - Throws: ``AttemptFailure`` when a command fails or an output is missing; `CancellationError` when
    ///   the build is cancelled.
    /// `memoryCharge` is the `mem` the scheduler charged the attempt (declared, or learned from past runs).
    /// `priority` is its critical-path priority, for its turn at a remote execution slot.
    func run(
        _ instance: TaskInstance, memoryCharge: Double = 0, priority: Double = 0, attemptStarted: () -> Void
    ) async throws -> AttemptOutcome {
        let keyInputs = checker.keyInputs(for: instance)
        let actionKey = keyInputs.actionKey
        if checker.isUpToDate(instance, actionKey: actionKey) { return .upToDate }
        // The scheduler charged an eligible instance nothing: it runs on the cluster when it gets a slot, or here
        // once it has taken its local cost.
        let isRemoteInstance = remoteExecution != nil && RemoteExecution.isEligible(instance)
        let runsRemotely = isRemoteInstance && remoteExecution?.executor.isDisabled == false
        var holdsSlot = false
        if runsRemotely, let remoteExecution {
            try await remoteExecution.slots.acquire(priority: priority)
            holdsSlot = true
        }
        defer { if holdsSlot { remoteExecution?.slots.release() } }
        attemptStarted()
        // A task with a depfile reads files no action key holds: a cache entry could not vouch for them. A task
        // the cluster runs has the cluster's action cache instead.
        if let remoteCache, !runsRemotely, !instance.always, instance.depfile == nil {
            let lookupStart = ContinuousClock.now
            let action = RemoteCacheAction(
                taskID: instance.id, actionKey: actionKey, outputs: instance.outputs,
                projectDirectory: projectDirectory)
            // Off the build's event loop: a restore waits on the network and hashes and writes whole
            // artifacts, which would hold every other step up.
            let restored = await withTaskExecutorPreference(globalConcurrentExecutor) {
                await remoteCache.restore(action)
            }
            if let restored {
                return restoredOutcome(
                    instance, restored, actionKey: actionKey, keyInputs: keyInputs, start: lookupStart)
            }
        }
        // The attempt's time starts with its commands, not with the cache lookup: the lookup has deadlines of
        // its own (the cache's), and a slow or silent cache must neither eat into the task's `timeout:` nor
        // pass for the task's duration in the estimates, the critical path and the trace.
        var start = ContinuousClock.now
        var output: [UInt8] = []
        var peakMemory: UInt64 = 0
        var cpuTime = Duration.zero
        var itemSeconds: [String: Double] = [:]

        func failed(_ failure: TaskFailure) -> AttemptFailure {
            memoryLog?.record(instance.id, peak: peakMemory)
            try? store.invalidate(instance.id)
            return AttemptFailure(failure: failure, output: output, duration: ContinuousClock.now - start)
        }

        for path in instance.outputs {
            let parent = ProjectPath.parent(ofAbsolute: ProjectPath.absolute(path, project: projectDirectory))
            do {
                try fileSystem.createDirectory(atPath: parent)
            } catch {
                throw failed(
                    TaskFailure(
                        command: instance.commands.first ?? "", termination: .exited(1),
                        problem: "cannot create directory '\(parent)': \(error)"))
            }
        }
        // The command must write a depfile anew (one left by an earlier run would name yesterday's headers),
        // and a JUnit report left by an earlier run must not be mistaken for this run's. Only a path that
        // leads out of the project is a failure here; the command reports anything else.
        for file in [instance.depfile, instance.junitPath].compactMap({ $0 }) {
            let path = ProjectPath.absolute(file, project: projectDirectory)
            do {
                try fileSystem.removeItem(atPath: path)
            } catch {
                if case .leavesDirectory = error {
                    throw failed(
                        TaskFailure(
                            command: instance.commands.first ?? "", termination: .exited(1),
                            problem: "cannot remove '\(path)': \(error)"))
                }
            }
            try? fileSystem.createDirectory(atPath: ProjectPath.parent(ofAbsolute: path))
        }
        var ranRemotely = false
        var fallsBackHere = false
        if isRemoteInstance, let remoteExecution {
            let discovered = store.lastDiscoveredInputs(for: instance.id).map(\.path)
            let request = remoteExecution.request(
                for: instance, discovered: discovered, projectDirectory: projectDirectory, fileSystem: fileSystem)
            // Off the build's event loop, like a cache lookup: it hashes inputs and writes outputs. An executor
            // that is off answers at once (and counts the task as run here).
            let result = await withTaskExecutorPreference(globalConcurrentExecutor) {
                await remoteExecution.executor.execute(request)
            }
            if holdsSlot {
                remoteExecution.slots.release()
                holdsSlot = false
            }
            let label =
                instance.commands.count == 1 ? instance.commands[0] : instance.commands.joined(separator: " && ")
            switch result {
            case .completed(let completion):
                output += completion.output
                guard completion.exitCode == 0 else {
                    throw failed(
                        TaskFailure(
                            command: label, termination: completion.exitCode.map { .exited($0) } ?? .timedOut))
                }
                ranRemotely = true
            case .unavailable(let reason):
                if remoteExecution.configuration.isRemoteOnly {
                    throw failed(
                        TaskFailure(
                            command: label, termination: .exited(1),
                            problem: "the remote executor cannot run it (--remote-only): \(reason)"))
                }
                fallsBackHere = true
            case .cancelled where Task.isCancelled:
                throw CancellationError()
            case .cancelled:
                // Cancelled by the cluster, not by this build: run it here (a build never hangs on the cluster).
                fallsBackHere = true
            }
        }
        let workingDirectory = ProjectPath.absolute(instance.directory, project: projectDirectory)
        // The base environment itself when nothing is added: the launcher recognises an environment it
        // has prepared before at once when it is the same dictionary storage.
        var environment =
            instance.environment.isEmpty
            ? baseEnvironment : baseEnvironment.merging(instance.environment) { _, added in added }
        var lease: (any JobserverLease)?
        var nestedDescriptors: [Int32: Int32] = [:]
        if instance.jobserver != nil, let client = jobSlots?.client {
            // Under make, the nested build takes make's tokens itself: the tree stays within make's -jN.
            environment = client.environmentForNestedBuild(environment)
            nestedDescriptors = client.descriptorsForNestedBuild
        } else if let style = instance.jobserver, let jobserverHost, let cpuLender {
            do {
                lease = try jobserverHost.open(
                    style, directory: ProjectPath.join(ProjectPath.parent(ofAbsolute: logDirectory), "jobserver"),
                    lender: cpuLender)
            } catch {
                throw failed(
                    TaskFailure(
                        command: instance.commands.first ?? "", termination: .exited(1),
                        problem: "cannot start a jobserver: \(error)"))
            }
            environment = lease!.environment(adding: environment)
            nestedDescriptors = lease!.descriptors
        }
        // Every token lent is back, and every unit returned, however the attempt ends.
        defer { lease?.close() }

        /// Runs every command group once; `.outOfMemory` when the out-of-memory killer ended a command.
        func runCommands() async throws -> CommandsEnding {
            for group in instance.commandGroups {
                let groupStart = ContinuousClock.now
                for command in group.commands {
                    var timeout: Duration?
                    if let limit = instance.timeout {
                        timeout = max(.milliseconds(1), limit - (ContinuousClock.now - start))
                    }
                    var spec = ProcessSpec.command(
                        command, environment: environment, workingDirectory: workingDirectory, timeout: timeout,
                        logDirectory: logDirectory)
                    spec.inheritedDescriptors = nestedDescriptors
                    let result: ProcessResult
                    do {
                        if let jobSlots {
                            result = try await jobSlots.withSlot { try await launcher.run(spec) }
                        } else {
                            result = try await launcher.run(spec)
                        }
                    } catch let error as ProcessError where error != .cancelled {
                        throw failed(
                            TaskFailure(command: command, termination: .exited(127), problem: error.description))
                    } catch {
                        throw CancellationError()
                    }
                    output += result.output
                    if result.isOutputTruncated {
                        let place = result.logPath.map { "; all of it is in \($0)" } ?? ""
                        output += Array(
                            "[stask: output cut to its last \(result.output.count) of \(result.outputByteCount) bytes\(place)]\n"
                                .utf8)
                    }
                    cpuTime += result.cpuTime
                    peakMemory = max(peakMemory, result.peakMemory)
                    if result.isOutOfMemoryKill {
                        return .outOfMemory(command: command, termination: result.termination)
                    }
                    guard result.termination.isSuccess else {
                        throw failed(TaskFailure(command: command, termination: result.termination))
                    }
                }
                // Item durations serve the shard split only. A plain `foreach` instance runs one item, whose
                // duration its own record already keeps; recording it again would cost a journal entry per
                // step and, at 100,000 targets, some 10 MB of state in memory.
                if let item = group.item, instance.shard != nil {
                    itemSeconds[item] = Self.seconds(ContinuousClock.now - groupStart)
                }
            }
            return .succeeded
        }

        /// Runs the commands; when the out-of-memory killer ended one, runs them once more holding the whole
        /// `mem` budget (it was killed for memory its neighbours used too).
        func runRetryingAloneAfterAnOOMKill() async throws -> CommandsEnding {
            let ending = try await runCommands()
            guard case .outOfMemory = ending, let wholeMemory, wholeMemory.hasBudget else { return ending }
            output += Array(
                "[stask: killed by the out-of-memory killer (peak \(MemorySyntax.format(Double(peakMemory)))); running it again alone]\n"
                    .utf8)
            itemSeconds = [:]
            return try await wholeMemory.runAlone(holding: memoryCharge, runCommands)
        }

        var ending: CommandsEnding
        if ranRemotely {
            ending = .succeeded
        } else if fallsBackHere, let remoteExecution {
            // The schedule charged it nothing: it takes its local cost (with the memory it is known to use) before it
            // runs here, and its time (for `timeout:` and the records) starts once it has it.
            var cost = instance.cost
            if memoryCharge > 0 { cost[MemorySyntax.resource] = memoryCharge }
            ending = try await remoteExecution.fallback.holding(cost) {
                start = ContinuousClock.now
                return try await runRetryingAloneAfterAnOOMKill()
            }
        } else {
            ending = try await runRetryingAloneAfterAnOOMKill()
        }
        if case .outOfMemory(let command, let termination) = ending {
            throw failed(
                TaskFailure(
                    command: command, termination: termination,
                    problem:
                        "killed by the out-of-memory killer (peak resident memory \(MemorySyntax.format(Double(peakMemory))))"
                ))
        }
        let end = ContinuousClock.now

        var outputDigests: [String: ContentDigest] = [:]
        for path in instance.outputs {
            guard let digest = await outputDigest(of: path) else {
                throw failed(
                    TaskFailure(
                        command: instance.commands.last ?? "", termination: .exited(0),
                        problem: "did not create declared output '\(path)'"))
            }
            outputDigests[path] = digest
        }
        let discovered: [DiscoveredInput]
        do {
            discovered = try discoveredInputs(of: instance)
        } catch {
            throw failed(
                TaskFailure(
                    command: instance.commands.last ?? "", termination: .exited(0), problem: error.description))
        }
        do {
            _ = try store.recordSuccess(
                SuccessfulRun(
                    id: instance.id, actionKey: actionKey, outputDigests: outputDigests, wallTime: end - start,
                    cpuTime: cpuTime, keyInputs: keyInputs, discoveredInputs: discovered, peakMemory: peakMemory))
            if let shard = instance.shard, !instance.items.isEmpty {
                let learned =
                    itemSeconds.isEmpty
                    ? learnedItemSeconds(Self.seconds(end - start), instance: instance)
                    : ShardDurationLearning.Learned(seconds: itemSeconds, measured: Set(itemSeconds.keys))
                itemSeconds = learned.seconds
                shardRuns?.record(
                    task: instance.taskName, shard: shard.index, of: shard.count, items: instance.items, learned)
            }
            if !itemSeconds.isEmpty { try store.updateItemDurations(forTask: instance.taskName, itemSeconds) }
        } catch {
            warn(error.description)
        }
        if let uploads, !ranRemotely, !instance.always, instance.depfile == nil {
            uploads.enqueue(
                RemoteCacheAction(
                    taskID: instance.id, actionKey: actionKey, outputs: instance.outputs,
                    projectDirectory: projectDirectory, outputDigests: outputDigests),
                wallTime: end - start)
        }
        memoryLog?.record(instance.id, peak: peakMemory)
        return .ran(output: output, span: CriticalPath.Span(start: start - origin, end: end - origin))
    }

    /// Outputs this large are hashed on the global concurrent executor (see ``outputDigest(of:)``).
    static let largeOutputSize: UInt64 = 4 << 20

    /// The digest of an output just written, `nil` when it is missing or not a regular file.
    ///
    /// The build runs its steps on the launcher's event loop (StaskPosix's `PosixProcessLauncher.taskExecutor`),
    /// where a large file would keep every other step waiting while it is read: from
    /// ``largeOutputSize`` up, the hashing moves to the global concurrent executor, in parallel with the
    /// loop (two thread switches, next to milliseconds of reading).
    private func outputDigest(of path: String) async -> ContentDigest? {
        guard let metadata = checker.regularFileMetadata(of: path) else { return nil }
        guard metadata.size >= Self.largeOutputSize else { return checker.digest(of: path, metadata: metadata) }
        let checker = checker
        return await withTaskExecutorPreference(globalConcurrentExecutor) {
            checker.digest(of: path, metadata: metadata)
        }
    }

    /// Records an instance whose outputs the remote cache wrote, as if it had run: the next build finds it
    /// up to date. The recorded duration is the original run's (so estimates stay those of real work).
    private func restoredOutcome(
        _ instance: TaskInstance, _ restored: RestoredOutputs, actionKey: ContentDigest, keyInputs: ActionKeyInputs,
        start: ContinuousClock.Instant
    ) -> AttemptOutcome {
        let end = ContinuousClock.now
        do {
            _ = try store.recordSuccess(
                SuccessfulRun(
                    id: instance.id, actionKey: actionKey, outputDigests: restored.outputDigests,
                    wallTime: restored.wallTime ?? end - start, cpuTime: .zero, keyInputs: keyInputs))
        } catch {
            warn(error.description)
        }
        return .restored(span: CriticalPath.Span(start: start - origin, end: end - origin))
    }

    /// Per-item seconds of a shard run as one command: from its JUnit report when it wrote one to
    /// `{{junit}}`, else its total spread over its items in proportion to their previous estimates
    /// (``ShardDurationLearning``), so the balance improves run by run; an item alone in its shard is timed.
    private func learnedItemSeconds(_ total: Double, instance: TaskInstance) -> ShardDurationLearning.Learned {
        let estimates = store.itemDurations(forTask: instance.taskName)
        if let junit = instance.junitPath,
            let bytes = try? fileSystem.readFile(atPath: ProjectPath.absolute(junit, project: projectDirectory))
        {
            return ShardDurationLearning.fromJUnit(
                JUnitReport(bytes: bytes), total: total, items: instance.items,
                taskItems: shardedTaskItems[instance.taskName], estimates: estimates)
        }
        return ShardDurationLearning.Learned(
            seconds: ShardDurationLearning.spread(total, over: instance.items, estimates: estimates),
            measured: instance.items.count == 1 ? Set(instance.items) : [])
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
