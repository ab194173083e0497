import FoundationEssentials

// MARK: - The no-op fast path (`.stask/uptodate`)

extension BuildEngine {
    /// The Taskfile as read for one build: its absolute path and bytes (parsed only when needed).
    struct TaskfileSource {
        let path: String
        let bytes: [UInt8]

        var stateDirectory: String { ProjectPath.join(ProjectPath.parent(ofAbsolute: path), ".stask") }
        var stampPath: String { ProjectPath.join(stateDirectory, UpToDateStamp.fileName) }
    }

    func readTaskfile(_ options: BuildOptions) throws -> TaskfileSource {
        let parser = TaskfileParser(fileSystem: fileSystem, workingDirectory: options.directory)
        let (path, bytes) = try parser.readSource(file: options.taskfilePath)
        return TaskfileSource(path: path, bytes: bytes)
    }

    /// The parsed Taskfile: from `ParsedTaskfileCache` when it holds this parse, else parsed. Stores nothing:
    /// `list`, `graph`, `explain`, `shards`, `clean` and dry runs write nothing; the builds keep the cache.
    func parse(_ source: TaskfileSource, options: BuildOptions) throws -> Taskfile {
        try parseCaching(source, options: options).taskfile
    }

    /// The parsed Taskfile, and when it did not come from `ParsedTaskfileCache` (and `options` is no dry
    /// run), what stores it there; a build calls that once its state directory exists.
    func parseCaching(
        _ source: TaskfileSource, options: BuildOptions
    ) throws -> (taskfile: Taskfile, store: (@Sendable () -> Void)?) {
        let parser = TaskfileParser(fileSystem: fileSystem, workingDirectory: options.directory)
        let cache = ParsedTaskfileCache(stateDirectory: source.stateDirectory, fileSystem: fileSystem)
        let key = ParsedTaskfileCache.key(
            bytes: source.bytes, path: source.path, workingDirectory: parser.workingDirectory,
            variableOverrides: options.variables, executableIdentity: executableIdentity)
        if let cached = cache.taskfile(for: key) { return (cached, nil) }
        let taskfile = try parser.parse(contents: source.bytes, path: source.path, variableOverrides: options.variables)
        if options.dryRun { return (taskfile, nil) }
        return (taskfile, { @Sendable in cache.store(taskfile, key: key) })
    }

    /// Whether a build with these options may end at the stamp: not with `--trace` (whose file the full
    /// path writes). A dry run never comes here.
    func mayUseStamp(_ options: BuildOptions) -> Bool {
        options.tracePath == nil && !options.dryRun
    }

    /// The key of everything a build's plan depends on besides files: the Taskfile's path and bytes and
    /// every option that reaches the graph, the selection or the budget checks. Options that cannot change
    /// whether an up-to-date build stays one (`-k`, the remote cache, the reporter) are left out.
    func stampKey(_ source: TaskfileSource, options: BuildOptions) -> ContentDigest {
        var text = "stask-uptodate 1\u{0}\(executableIdentity)\u{0}\(source.path)\u{0}\(options.directory)\u{0}"
        text += "targets\u{0}"
        // Appended one by one: `joined` would be the first generic algorithm over these types that a no-op
        // build runs, and the runtime's first look-up of its associated types costs more than the rest of
        // the key.
        for (index, target) in options.targets.enumerated() { text += (index == 0 ? "" : "\u{0}") + target }
        text += "\u{0}"
        for (name, value) in options.variables.sorted(by: { $0.key < $1.key }) { text += "var \(name)=\(value)\u{0}" }
        for (name, amount) in options.budgetOverrides.sorted(by: { $0.key < $1.key }) {
            text += "budget \(name)=\(amount.bitPattern)\u{0}"
        }
        text += "cpus \(cpuCount ?? ProcessInfo.processInfo.activeProcessorCount)\u{0}"
        if let shard = options.shard { text += "shard \(shard.index)/\(shard.count)\u{0}" }
        if !options.shardPlans.isEmpty {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let plans = (try? encoder.encode(options.shardPlans)).map { String(decoding: $0, as: UTF8.self) }
            text += "plans \(plans ?? "\(options.shardPlans)")\u{0}"
        }
        var bytes = Array(text.utf8)
        bytes.append(contentsOf: source.bytes)
        return ContentHasher.digest(of: bytes)
    }

    /// The running executable's identity (device, inode, size, modification time): a stask built from other
    /// sources, whose planning may differ, must not trust a stamp this one wrote. Empty where it cannot be
    /// examined (then the format version in the key is all that separates builds of stask).
    var executableIdentity: String {
        guard let info = try? fileSystem.metadata(atPath: "/proc/self/exe") else { return "" }
        return "\(info.device):\(info.inode):\(info.size):\(info.modificationTime)"
    }

    /// Reports a build the stamp proved up to date as the full path would report it, and returns its summary.
    /// A stamp that held only because files it rests on changed without changing what they stand for (a
    /// touched file, hashed again) is written back with their new metadata; failing to write it costs only
    /// that hashing next time.
    func reportUpToDate(
        _ verdict: UpToDateStamp.Verdict, stampPath: String, reporter: any ProgressReporter,
        origin: ContinuousClock.Instant
    ) -> BuildSummary {
        if let refreshed = verdict.refreshed { try? fileSystem.writeCacheFile(atPath: stampPath, contents: refreshed) }
        let ids = verdict.instanceIDs
        let count = ids.count
        reporter.report(.planned(total: count, upToDate: count, estimatedWork: .zero))
        if count > 0 { reporter.report(.skipped(ids: ids)) }
        var summary = BuildSummary(upToDate: count)
        summary.wallTime = ContinuousClock.now - origin
        reporter.report(.summary(summary))
        return summary
    }

    /// Writes the stamp after a build that found all of `instanceIDs` up to date, unless a path it rests on
    /// is too recent to be trusted and cannot be checked otherwise (see ``UpToDateStamp``). Failing to write
    /// it costs only speed, so failures are silent.
    ///
    /// - Parameter observations: The graph's and the pre-pass's, and the digests of the latter. Each list
    ///   examines a path at most once, so they are written as they are, without a set to remove repeats (at
    ///   100,000 targets such a set is some 40 MB, the largest allocation of a no-op build).
    /// - Parameter graphIdentity: The graph stored in ``GraphCacheFile`` for this verdict, if any.
    func writeStamp(
        _ source: TaskfileSource, key: ContentDigest, instanceIDs: [String], observations: StampObservations,
        graphIdentity: ContentDigest?, start: Int64, granularity: Duration
    ) {
        // The state, and the last shard split, which planning reads (`shardPlanner`): files stask writes
        // only by appending or renaming, compared exactly.
        let stateFiles = [
            BuildStateStore.snapshotFileName, BuildStateStore.journalFileName, Self.shardPlansFileName,
        ].map { name in
            let path = ProjectPath.join(source.stateDirectory, name)
            return FileObservation(
                path: path, followsLinks: false, metadata: try? fileSystem.linkMetadata(atPath: path))
        }
        var stamp = UpToDateStamp(
            key: key, graphIdentity: graphIdentity, instanceIDs: instanceIDs, graphObservations: observations.graph,
            examined: observations.examined, examinedDigests: observations.digests, stateFiles: stateFiles)
        stamp.graphCovered = observations.graphCovered
        stamp.graphDigests = observations.graphDigests
        guard let bytes = stamp.encoded(start: start, granularity: granularity) else { return }
        try? fileSystem.writeCacheFile(atPath: source.stampPath, contents: bytes)
    }

    /// What a stamp rests on: graph construction's observations, the pre-pass's, and the digests of the
    /// pre-pass's regular files, position by position.
    struct StampObservations {
        var graph: [FileObservation]
        /// See ``UpToDateStamp/graphCovered``.
        var graphCovered: [Bool] = []
        /// See ``UpToDateStamp/graphDigests``.
        var graphDigests: [ContentDigest?] = []
        var examined: [FileObservation]
        var digests: [ContentDigest?]
    }
}
