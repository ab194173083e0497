// MARK: - The incremental path: from the stamp's record of changed files

extension BuildEngine {
    /// What the no-op stamp found when some files' contents changed and nothing else did (see
    /// ``UpToDateStamp/Verdict/changedFiles``): enough to build on the stamp's graph, examining only the
    /// instances that read those files.
    struct StampChanges {
        /// The stamp as read.
        var stamp: UpToDateStamp
        /// The files whose contents changed, as the stamp names them.
        var changedFiles: Set<String>
        /// When the stamp was checked (nanoseconds since the epoch): the paths it carries over were last
        /// examined then.
        var start: Int64
    }

    /// Checks the stamp for `key`: a build that ends there reports it and returns its summary; a stamp on
    /// which only some files' contents changed is returned as ``StampChanges``; anything else gives neither.
    func checkStamp(
        _ source: TaskfileSource, key: ContentDigest, reporter: any ProgressReporter, origin: ContinuousClock.Instant
    ) -> (summary: BuildSummary?, changes: StampChanges?) {
        let start = FileDigestCache.wallClockNanoseconds()
        guard let bytes = try? fileSystem.readFile(atPath: source.stampPath),
            let verdict = UpToDateStamp.check(
                bytes, key: key, fileSystem: fileSystem, projectDirectory: ProjectPath.parent(ofAbsolute: source.path),
                start: start, granularity: FileDigestCache.defaultTimestampGranularity)
        else { return (nil, nil) }
        guard verdict.changedFiles.isEmpty else {
            let changes = UpToDateStamp.decoded(verdict.refreshed ?? bytes).map {
                StampChanges(stamp: $0, changedFiles: Set(verdict.changedFiles), start: start)
            }
            return (nil, changes)
        }
        return (reportUpToDate(verdict, stampPath: source.stampPath, reporter: reporter, origin: origin), nil)
    }

    /// Whether the state files are as the stamp observed them: checked again once the lock is held and before
    /// the state is opened (which may create the journal), as another build may have changed them in between.
    func stateFilesHold(_ changes: StampChanges) -> Bool {
        changes.stamp.stateFiles.allSatisfy { (try? fileSystem.linkMetadata(atPath: $0.path)) == $0.metadata }
    }

    /// What an edit decodes to build on the stamp: the Taskfile (from its cache) and the graph stored for the
    /// stamp (``GraphCacheFile``).
    struct IncrementalDecoding: Sendable {
        var taskfile: Taskfile
        /// Stores a Taskfile parsed afresh in its cache (`nil` when it came from there).
        var storeTaskfile: (@Sendable () -> Void)?
        /// `nil` when the stored graph cannot serve (the file is gone or another's, or the graph has sharded
        /// tasks, whose split a build may change): the build then goes the full way.
        var graph: BuildGraph?
    }

    /// Decodes the Taskfile and the stamp's stored graph at once, the graph's instances first and their tasks'
    /// settings bound once the Taskfile is there; `nil` when there are no `changes` to build on.
    ///
    /// Runs while the build waits for the lock and opens the state: the graph file is named by the stamp's
    /// identity of it, so a file another build rewrote meanwhile is simply not that graph; the state files are
    /// checked once the lock is held (``stateFilesHold(_:)``).
    func decodeForIncremental(
        _ changes: StampChanges?, source: TaskfileSource, options: BuildOptions
    ) async throws -> IncrementalDecoding? {
        guard let changes else { return nil }
        let file = GraphCacheFile(stateDirectory: source.stateDirectory, fileSystem: fileSystem)
        async let stored = changes.stamp.graphIdentity.flatMap { file.storedGraph(identity: $0) }
        let (taskfile, storeTaskfile) = try parseCaching(source, options: options)
        var decoded = IncrementalDecoding(taskfile: taskfile, storeTaskfile: storeTaskfile)
        guard let stored = await stored,
            let budget = try? GraphBuilder(fileSystem: fileSystem, options: graphOptions(options)).budgetTyped(
                for: taskfile)
        else { return decoded }
        let graph = try? stored.bound(
            to: taskfile, projectDirectory: ProjectPath.parent(ofAbsolute: source.path), budget: budget)
        if let graph, !graph.instances.contains(where: { $0.shard != nil }) { decoded.graph = graph }
        return decoded
    }

    /// Builds the stamp's `graph` (``decodeForIncremental(_:source:options:)``), over the open `store`,
    /// examining only the instances that read a changed file (and those that depend on them); `nil` when the
    /// stamp's selection no longer fits it: the build then goes the full way. The lock is held, the stamp
    /// removed, and the state files are as the stamp observed them (``stateFilesHold(_:)``).
    ///
    /// Every instance of the stamp was up to date when it was written, and since then only the changed files
    /// moved: an instance that reads none of them (as input, output or discovered input) is known up to date
    /// without a look, as in a watch session. When the build succeeds and changed nothing the graph was built
    /// from (no instance that ran had no record before, and none discovered other inputs), its result carries
    /// the next stamp: the old one with the paths the build changed examined again.
    func executeIncremental(
        _ changes: StampChanges, graph: BuildGraph, taskfile: Taskfile, options: BuildOptions,
        store: BuildStateStore, reporter: any ProgressReporter, relay: InterruptRelay?, origin: ContinuousClock.Instant
    ) async throws -> Executed? {
        let stamp = changes.stamp
        guard let identity = stamp.graphIdentity,
            let plan = try? BuildPlan(graph: graph, targets: options.targets, shard: options.shard),
            plan.count == stamp.instanceIDs.count
        else { return nil }

        var known = [Bool](repeating: true, count: plan.count)
        var mayRun = [Bool](repeating: false, count: plan.count)
        // Before the run, for each instance that may run: whether it had a record, and its discovered inputs.
        var before: [Int: (hasRecord: Bool, discovered: [String])] = [:]
        for local in 0..<plan.count {
            let instance = plan.instance(local)
            let changed = changes.changedFiles
            var record: TaskRecord?
            if instance.depfile != nil { record = store.record(for: instance.id) }
            let discovered = record?.discoveredInputs.map(\.path) ?? []
            let reads =
                instance.inputs.contains(where: changed.contains) || instance.outputs.contains(where: changed.contains)
                || discovered.contains(where: changed.contains)
            if reads || instance.always { known[local] = false }
            mayRun[local] = !known[local] || plan.dependencies[local].contains { mayRun[$0] }
            if mayRun[local] {
                if instance.depfile == nil { record = store.record(for: instance.id) }
                before[local] = (record != nil, discovered)
            }
        }
        // What the stamp's check found unchanged is this build's examination of it: the pre-pass and the
        // instances that run take those digests instead of examining the files again.
        var examined = UpToDateChecker.Memo(keepingObservations: false)
        examined.reserveCapacity(stamp.examined.count)
        for (position, observation) in stamp.examined.enumerated()
        where !changes.changedFiles.contains(observation.path) {
            examined.add(observation, digest: stamp.examinedDigests.isEmpty ? nil : stamp.examinedDigests[position])
        }
        var executed = try await execute(
            taskfile, plan: plan, options: options, store: store, reporter: reporter, relay: relay, origin: origin,
            knownUpToDate: known, examined: examined)
        executed.stamp = nil
        executed.stampStart = changes.start
        let summary = executed.summary
        guard summary.failed.isEmpty, summary.aborted == 0, summary.interruptingSignal == nil,
            relay?.firstSignal == nil
        else { return executed }
        var vouched = VouchedDigests()
        for local in 0..<plan.count where !known[local] || !executed.upToDate[local] {
            let instance = plan.instance(local)
            // A first record, or other discovered inputs, change what graph construction starts from.
            guard let record = store.record(for: instance.id), let previous = before[local], previous.hasRecord,
                record.discoveredInputs.map(\.path) == previous.discovered
            else { return executed }
            vouched.add(instance, record: record, changed: changes.changedFiles, ran: !executed.upToDate[local])
        }
        guard !vouched.isConflicting,
            let next = nextStamp(stamp, vouched: vouched.digests, projectDirectory: plan.graph.projectDirectory)
        else { return executed }
        executed.stamp = (stamp.instanceIDs, next)
        executed.stampGraph = identity
        return executed
    }

    /// The stamp's observations after a build that changed only the paths of `vouched` (the changed files
    /// and the outputs of the instances that ran): those examined again, each with the digest the records
    /// hold for it, the others carried over as the stamp's check found them. `nil` when a path no longer
    /// holds what its records say (a file saved again while the build ran, an input a command rewrote): a
    /// stamp must never vouch for contents no record was made from. A path a command changed behind stask's
    /// back (an entry created in a listed directory) no longer has its recorded metadata, so the next check
    /// sees it, as it would have seen it against the old stamp.
    private func nextStamp(
        _ stamp: UpToDateStamp, vouched: [String: ContentDigest?], projectDirectory: String
    ) -> StampObservations? {
        var examined = stamp.examined
        var digests = stamp.examinedDigests
        for position in examined.indices {
            let path = examined[position].path
            guard let expected = vouched[path] else { continue }
            let absolute = ProjectPath.absolute(path, project: projectDirectory)
            let metadata = try? fileSystem.metadata(atPath: absolute)
            let digest =
                metadata?.kind == .regularFile
                ? try? ContentHasher.shared.digest(ofFileAtPath: absolute, in: fileSystem) : nil
            guard digest == expected else { return nil }
            examined[position].metadata = metadata
            digests[position] = digest
        }
        return StampObservations(
            graph: stamp.graphObservations, graphDigests: stamp.graphDigests, examined: examined, digests: digests)
    }

    /// The options graph construction gets from a build's options and this engine.
    func graphOptions(_ options: BuildOptions) -> GraphBuilder.Options {
        var graphOptions = GraphBuilder.Options(budgetOverrides: options.budgetOverrides, cpuCount: cpuCount)
        graphOptions.defaultMemoryBudget = availableMemory()
        return graphOptions
    }
}

/// What the records of an incremental build's checked instances say the files it changed hold: the digest
/// each was keyed or recorded with (`nil`: absent).
private struct VouchedDigests {
    private(set) var digests: [String: ContentDigest?] = [:]
    /// Two records disagree about one file: it changed between one reader and the next.
    private(set) var isConflicting = false

    /// Notes what `record` says of `instance`'s files among `changed`, and of all its outputs when it `ran`.
    mutating func add(_ instance: TaskInstance, record: TaskRecord, changed: Set<String>, ran: Bool) {
        let reads = instance.inputs.contains(where: changed.contains) || ran
        if reads {
            let keyed = record.keyInputs.inputDigests
            for input in instance.inputs where changed.contains(input) { vouch(input, keyed[input]) }
        }
        for output in instance.outputs where ran || changed.contains(output) {
            vouch(output, record.outputDigests[output])
        }
        for input in record.discoveredInputs where changed.contains(input.path) { vouch(input.path, input.digest) }
    }

    private mutating func vouch(_ path: String, _ digest: ContentDigest?) {
        if let known = digests[path], known != digest { isConflicting = true }
        digests[path] = digest
    }
}
