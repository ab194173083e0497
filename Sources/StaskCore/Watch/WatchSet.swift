/// What the builds of a watch session depend on outside themselves, and what a change to a path means for
/// the next build.
///
/// Made from the build's plan and records (``init(plan:taskfilePath:discoveredInputs:)``):
/// - **readers**: each file whose contents an instance reads (its inputs that no instance produces, and the
///   discovered inputs of its last run) → the instances reading it; a change reruns their check;
/// - **graph paths**: what graph construction examined (``BuildGraph``'s observations): directories that
///   globs and `foreach` listed, literal inputs, absent paths; an entry created in or deleted from such a
///   directory, or such a path changing kind, changes the graph;
/// - the **Taskfile**, whose change reloads it.
///
/// The build's own outputs, the directories holding them and everything in `.stask/` are never relevant
/// (``Outputs``). Paths are held as the graph resolves them (project-relative inside the project, absolute
/// outside). A value, owned by the session.
///
/// The set lives beside the builds' own tables for the whole session, so it is kept flat: the read paths in
/// one array (each `String` shares the graph's storage, or fits inline), found through ``ProbedSlots``, with
/// one `Int32` per path for its reader when it has one (the common case: a source read by one step) and a list
/// only for a path read by several; the graph paths are positions in the graph's own observations. At 100,000
/// targets that is some 4 MB, where a dictionary of reader lists took 10.
struct WatchSet: Sendable {
    /// How a change bears on the next build.
    enum Relevance: Equatable {
        /// Not at all: an output, the state directory, a file nothing reads.
        case none
        /// The Taskfile changed: load it again.
        case taskfile
        /// The graph may have changed: an entry of a listed directory, or a path graph construction examined.
        case structure
        /// The contents of a file instances read changed.
        case contents
    }

    let projectDirectory: String
    /// The Taskfile's absolute path.
    let taskfilePath: String
    let graph: BuildGraph
    /// Resolved paths of the files instances read, each once.
    private var readPaths: [String] = []
    /// Positions in ``readPaths``.
    private var readSlots = ProbedSlots()
    /// By position in ``readPaths``: the plan position of its one reader, or `~i` when it has several, listed
    /// (ascending) in `sharedReaders[i]`.
    private var readerEntries: [Int32] = []
    private var sharedReaders: [[Int32]] = []
    /// Positions in the graph's observations, one per resolved path graph construction examined: the one whose
    /// kind counts.
    private var graphPathSlots = ProbedSlots()
    /// Resolved directories that graph construction listed.
    private var listedDirectories: Set<String> = []
    /// What the builds write themselves (a directory the build creates must not re-plan the graph).
    let outputs: Outputs

    /// The set for `plan`, with `discoveredInputs` giving each instance's recorded discovered inputs.
    init(plan: BuildPlan, taskfilePath: String, discoveredInputs: (String) -> [String]) {
        graph = plan.graph
        projectDirectory = plan.graph.projectDirectory
        self.taskfilePath = taskfilePath
        outputs = Outputs(graph: plan.graph)
        let observations = plan.graph.fileObservations
        graphPathSlots = ProbedSlots(capacity: observations.count)
        for (position, observation) in observations.enumerated() {
            let path = observation.path
            let tag = ProbedSlots.tag(of: path)
            // A link's own observation comes first and its target's second: the target's kind counts.
            if observation.followsLinks
                || graphPathSlots.find(tag: tag, matches: { observations[$0].path == path }) == nil
            {
                graphPathSlots.insert(tag: tag, position: position) { observations[$0].path == path }
            }
            if observation.metadata?.kind == .directory { listedDirectories.insert(path) }
        }
        readSlots = ProbedSlots(capacity: plan.count)
        readPaths.reserveCapacity(plan.count)
        readerEntries.reserveCapacity(plan.count)
        for local in 0..<plan.count {
            let instance = plan.instance(local)
            for input in instance.inputs where plan.graph.producer(of: input) == nil {
                addReader(local, of: input)
            }
            addDiscoveredInputs(discoveredInputs(instance.id), of: local)
        }
    }

    /// Adds the discovered inputs an instance's latest run recorded (a path it no longer lists stays: one
    /// check too many costs nothing).
    mutating func addDiscoveredInputs(_ paths: [String], of local: Int) {
        for path in paths { addReader(local, of: ProjectPath.resolve(path, project: projectDirectory)) }
    }

    /// Notes that the instance at plan position `local` reads the resolved `path` (once, however often told).
    private mutating func addReader(_ local: Int, of path: String) {
        let reader = Int32(local)
        let tag = ProbedSlots.tag(of: path)
        guard let position = readSlots.find(tag: tag, matches: { readPaths[$0] == path }) else {
            readSlots.insert(tag: tag, position: readPaths.count) { readPaths[$0] == path }
            readPaths.append(path)
            readerEntries.append(reader)
            return
        }
        let entry = readerEntries[position]
        if entry >= 0 {
            guard entry != reader else { return }
            readerEntries[position] = ~Int32(sharedReaders.count)
            sharedReaders.append(entry < reader ? [entry, reader] : [reader, entry])
            return
        }
        let shared = Int(~entry)
        // Ascending, so that a path read by thousands of instances (a system header) is searched, not scanned.
        var low = 0
        var high = sharedReaders[shared].count
        while low < high {
            let middle = (low + high) / 2
            if sharedReaders[shared][middle] < reader { low = middle + 1 } else { high = middle }
        }
        if low == sharedReaders[shared].count || sharedReaders[shared][low] != reader {
            sharedReaders[shared].insert(reader, at: low)
        }
    }

    /// The plan positions of the instances reading the resolved `path`, ascending; empty when none does.
    ///
    /// - Complexity: O(1) on average, plus the readers listed.
    func readers(of path: String) -> [Int] {
        guard let position = readPosition(of: path) else { return [] }
        let entry = readerEntries[position]
        return entry >= 0 ? [Int(entry)] : sharedReaders[Int(~entry)].map(Int.init)
    }

    private func readPosition(of path: String) -> Int? {
        readSlots.find(tag: ProbedSlots.tag(of: path)) { readPaths[$0] == path }
    }

    /// The project-resolved form of an absolute path a watcher reported.
    func resolved(_ absolutePath: String) -> String {
        ProjectPath.resolve(absolutePath, project: projectDirectory)
    }

    /// How `change` bears on the next build.
    func relevance(of change: FileChange) -> Relevance {
        if change.kind == .overflow { return .structure }
        if change.path == taskfilePath { return .taskfile }
        let path = resolved(change.path)
        if outputs.contains(path) { return .none }
        if examinedKind(of: path) != nil {
            return change.kind == .entry || !isRead(path) ? .structure : .contents
        }
        if change.kind == .entry && listedDirectories.contains(ProjectPath.directory(of: path)) { return .structure }
        if isRead(path) { return .contents }
        return .none
    }

    /// The kind graph construction saw at a resolved path; `nil` when it did not examine it, `.some(nil)` when
    /// it found nothing there.
    func examinedKind(of path: String) -> FileKind?? {
        let observations = graph.fileObservations
        return graphPathSlots.find(tag: ProbedSlots.tag(of: path)) { observations[$0].path == path }
            .map { observations[$0].metadata?.kind }
    }

    /// Whether `path` (resolved) is a file instances read.
    func isRead(_ path: String) -> Bool { readPosition(of: path) != nil }

    /// What to watch: the listed directories, the directories of every file read or examined, the
    /// Taskfile's directory; the files read and the Taskfile.
    var targets: WatchTargets {
        var directories: Set<String> = [ProjectPath.parent(ofAbsolute: taskfilePath)]
        var files: Set<String> = [taskfilePath]
        for directory in listedDirectories { directories.insert(absolute(directory)) }
        for observation in graph.fileObservations {
            directories.insert(absolute(ProjectPath.directory(of: observation.path)))
        }
        for path in readPaths {
            let absolute = absolute(path)
            files.insert(absolute)
            directories.insert(ProjectPath.parent(ofAbsolute: absolute))
        }
        return WatchTargets(directories: directories, files: files)
    }

    private func absolute(_ path: String) -> String {
        ProjectPath.absolute(path, project: projectDirectory)
    }
}
