/// Decides whether task instances are up to date: computes action keys from content digests
/// through the stat cache and compares them, and the outputs, with the recorded state.
///
/// An instance is up to date when it is not `always`, it has a valid record, its current action key
/// equals the recorded one, every declared output exists with its recorded digest, and every discovered
/// input (from its last run's depfile) still has its recorded digest: one that changed or no longer exists
/// reruns the instance, and is never an error. A missing input is
/// left out of the key (so its disappearance changes the key) rather than being an error: the command
/// that needs it will say so. Thread-safe: the digest cache and the store are.
struct UpToDateChecker: Sendable {
    /// The absolute project directory; instance paths are relative to it.
    let projectDirectory: String
    let fileSystem: any FileSystem
    let digests: FileDigestCache
    /// The valid record of an instance id (`BuildStateStore.record(for:)`, or a loaded state's).
    let record: @Sendable (String) -> TaskRecord?
    /// Task name → the values of the vars its templates use, recorded with each run so `explain` can name
    /// a changed var (``Taskfile/referencedVariables``); not part of the action key.
    var variablesByTask: [String: [String: String]] = [:]
    /// The same, worked out task by task when asked for; used instead of ``variablesByTask`` when set.
    var referencedVariables: ReferencedVariables?
    /// The record of an instance id even when invalidated, so `explain` can tell "never built" from "its
    /// last run failed".
    var recordIncludingInvalidated: @Sendable (String) -> TaskRecord? = { _ in nil }
    /// What the build already examined, shared by every running instance (see ``SourceDigests``); `nil` to
    /// examine each file afresh.
    var sourceDigests: SourceDigests?
    /// Metadata the build already took (graph construction's, and the pre-pass's batch), used instead of
    /// examining those files again.
    var knownMetadata: KnownMetadata?

    /// The files examined in one pass over many instances (the pre-pass): each is examined once.
    struct Memo: Sendable {
        /// Path (project-relative) → its place in `observations` and `digests`. Positions rather than
        /// digests: a dictionary pays for its values in every bucket, and at 100,000 targets it has 524,288.
        private var positions: [ExactPath: Int32] = [:]
        /// The metadata each digest was taken (or trusted) under, in order of examination; empty once
        /// dropped, or when the memo keeps none.
        private(set) var observations: [FileObservation] = []
        /// The digest of each examined path (`nil` for a missing file or anything but a regular file), in order
        /// of examination.
        private(set) var digests: [ContentDigest?] = []
        private var keepsObservations = true

        /// An empty memo.
        ///
        /// - Parameter keepingObservations: Whether to keep each file's metadata (for a no-op stamp, and
        ///   ``covers(_:)``); without, the memo is only the digests (at 100,000 targets some 13 MB less).
        init(keepingObservations: Bool = true) {
            keepsObservations = keepingObservations
        }

        /// Makes room for `paths` files: at 100,000 targets, growing the tables step by step would hold each
        /// twice over at the moment it doubles (some 30 MB).
        mutating func reserveCapacity(_ paths: Int) {
            positions.reserveCapacity(paths)
            if keepsObservations { observations.reserveCapacity(paths) }
            digests.reserveCapacity(paths)
        }

        /// The digest of `path`, examining it through `checker` the first time.
        mutating func digest(of path: String, _ checker: UpToDateChecker) -> ContentDigest? {
            let key = ExactPath(path)
            if let position = positions[key] { return digests[Int(position)] }
            let (observation, digest) = checker.observedDigest(of: path)
            positions[key] = Int32(digests.count)
            if keepsObservations { observations.append(observation) }
            digests.append(digest)
            return digest
        }

        /// Notes `observation`, examined earlier with `digest` as the result, as if this pass had examined it.
        mutating func add(_ observation: FileObservation, digest: ContentDigest?) {
            let key = ExactPath(observation.path)
            guard positions[key] == nil else { return }
            positions[key] = Int32(digests.count)
            if keepsObservations { observations.append(observation) }
            digests.append(digest)
        }

        /// The digest `path` was examined under in this pass; `nil` when it was not examined (`.some(nil)`
        /// when it was, and was missing or no regular file).
        func knownDigest(of path: String) -> ContentDigest?? {
            positions[ExactPath(path)].map { digests[Int($0)] }
        }

        /// Whether this pass examined `observation`'s path as a regular file with the same metadata (taking
        /// graph construction's `lstat` of it, see ``KnownMetadata``).
        func covers(_ observation: FileObservation) -> Bool {
            guard !observation.followsLinks, let metadata = observation.metadata, metadata.kind == .regularFile,
                let position = positions[ExactPath(observation.path)], Int(position) < observations.count
            else { return false }
            return observations[Int(position)].metadata == metadata
        }

        /// Forgets the metadata of the examined files, keeping their digests (what ``SourceDigests`` needs
        /// for the rest of a build).
        mutating func dropObservations() {
            observations = []
            keepsObservations = false
        }
    }

    /// What goes into `instance`'s action key now.
    ///
    /// - Parameter memo: The files already examined in this pass; valid only while no task runs, as in
    ///   the pre-pass.
    func keyInputs(for instance: TaskInstance, memo: inout Memo) -> ActionKeyInputs {
        var inputs: [ActionKeyInputs.InputDigest] = []
        inputs.reserveCapacity(instance.inputs.count)
        for input in instance.inputs {
            if let digest = memo.digest(of: input, self) { inputs.append(.init(path: input, digest: digest)) }
        }
        return makeKeyInputs(instance, inputs: consume inputs)
    }

    /// What goes into `instance`'s action key now: each input examined afresh, or, when the build has
    /// ``sourceDigests``, taken from there where it says so.
    func keyInputs(for instance: TaskInstance) -> ActionKeyInputs {
        var inputs: [ActionKeyInputs.InputDigest] = []
        inputs.reserveCapacity(instance.inputs.count)
        for input in instance.inputs {
            let digest = sourceDigests.map { $0.inputDigest(of: input, self) } ?? currentDigest(of: input)
            if let digest { inputs.append(.init(path: input, digest: digest)) }
        }
        return makeKeyInputs(instance, inputs: consume inputs)
    }

    /// Whether `instance`, whose current action key is `actionKey`, is up to date.
    func isUpToDate(_ instance: TaskInstance, actionKey: ContentDigest) -> Bool {
        guard !instance.always, let record = record(instance.id), record.actionKey == actionKey else {
            return false
        }
        guard outputsMatch(instance, record: record) else { return false }
        for input in record.discoveredInputs where discoveredDigest(of: input.path) != input.digest {
            return false
        }
        return true
    }

    /// The digest of a discovered input now: through ``sourceDigests`` when the build has one (a file no
    /// task produces is examined once a build, however many instances list it), else examined afresh.
    func discoveredDigest(of path: String) -> ContentDigest? {
        if let sourceDigests { return sourceDigests.discoveredDigest(of: path, self) }
        return currentDigest(of: path)
    }

    /// Whether `instance`, whose current action key is `actionKey`, is up to date, looking its outputs up in
    /// `memo` (and adding them): in the pre-pass an output is usually another instance's input, so each
    /// file is examined once.
    ///
    /// - Parameter memo: As in `keyInputs(for:memo:)`; valid only while no task runs.
    func isUpToDate(_ instance: TaskInstance, actionKey: ContentDigest, memo: inout Memo) -> Bool {
        guard !instance.always, let record = record(instance.id), record.actionKey == actionKey else {
            return false
        }
        for output in instance.outputs {
            guard let recorded = record.outputDigests[output], memo.digest(of: output, self) == recorded else {
                return false
            }
        }
        for input in record.discoveredInputs where memo.digest(of: input.path, self) != input.digest {
            return false
        }
        return true
    }

    /// The digest of a project-relative (or absolute) regular file, `nil` when it is missing or unreadable.
    func currentDigest(of path: String) -> ContentDigest? {
        observedDigest(of: path).digest
    }

    /// The metadata of a project-relative (or absolute) path when it is a regular file, else `nil`: the
    /// first half of ``currentDigest(of:)``, for a caller that decides where to hash by the size.
    func regularFileMetadata(of path: String) -> FileMetadata? {
        let metadata = try? fileSystem.metadata(atPath: ProjectPath.absolute(path, project: projectDirectory))
        return metadata?.kind == .regularFile ? metadata : nil
    }

    /// The digest of the regular file at a project-relative (or absolute) path just observed with
    /// `metadata`: the second half of ``currentDigest(of:)``.
    func digest(of path: String, metadata: FileMetadata) -> ContentDigest? {
        try? digests.digest(
            ofFileAtPath: ProjectPath.absolute(path, project: projectDirectory), metadata: metadata, key: path)
    }

    /// The metadata of a project-relative (or absolute) path as observed now, and the digest it was
    /// hashed (or trusted) under: `nil` when it is missing, unreadable or not a regular file.
    func observedDigest(of path: String) -> (observation: FileObservation, digest: ContentDigest?) {
        let absolute = ProjectPath.absolute(path, project: projectDirectory)
        let metadata = knownMetadata?.metadata(of: path) ?? (try? fileSystem.metadata(atPath: absolute))
        var digest: ContentDigest?
        if let metadata, metadata.kind == .regularFile {
            digest = try? digests.digest(ofFileAtPath: absolute, metadata: metadata, key: path)
        }
        return (FileObservation(path: path, followsLinks: true, metadata: metadata), digest)
    }

    private func outputsMatch(_ instance: TaskInstance, record: TaskRecord) -> Bool {
        for output in instance.outputs {
            guard let recorded = record.outputDigests[output], currentDigest(of: output) == recorded else {
                return false
            }
        }
        return true
    }

    /// - Parameter inputs: The inputs with a digest, in the instance's order (its inputs are distinct).
    private func makeKeyInputs(
        _ instance: TaskInstance, inputs: consuming [ActionKeyInputs.InputDigest]
    ) -> ActionKeyInputs {
        inputs.sort { $0.path < $1.path }
        return ActionKeyInputs(
            commands: instance.commands, directory: instance.directory, environment: instance.environment,
            variables: referencedVariables?.values(forTask: instance.taskName) ?? variablesByTask[instance.taskName]
                ?? [:],
            sortedInputs: inputs,
            outputPaths: instance.outputs)
    }
}
