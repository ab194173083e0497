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
/// The build's own outputs, the directories holding them and everything in `.stask/` are never relevant. Paths are held as the graph
/// resolves them (project-relative inside the project, absolute outside). A value, owned by the session.
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
    /// Resolved path → plan positions of the instances reading it.
    private(set) var readers: [String: [Int]] = [:]
    /// Resolved path → its kind when graph construction examined it (`nil`: absent).
    private var graphPaths: [String: FileKind?] = [:]
    /// Resolved directories that graph construction listed.
    private var listedDirectories: Set<String> = []
    /// Resolved directories that hold declared outputs (and their ancestors inside the project): the build
    /// creates them, which must not re-plan the graph.
    private var outputDirectories: Set<String> = []

    /// The set for `plan`, with `discoveredInputs` giving each instance's recorded discovered inputs.
    init(plan: BuildPlan, taskfilePath: String, discoveredInputs: (String) -> [String]) {
        graph = plan.graph
        projectDirectory = plan.graph.projectDirectory
        self.taskfilePath = taskfilePath
        for observation in plan.graph.fileObservations {
            let kind = observation.metadata?.kind
            // A link's own observation comes first and its target's second: the target's kind counts.
            if graphPaths[observation.path] == nil || observation.followsLinks {
                graphPaths[observation.path] = kind
            }
            if kind == .directory { listedDirectories.insert(observation.path) }
        }
        readers.reserveCapacity(plan.count)
        for instance in plan.graph.instances {
            for output in instance.outputs {
                var directory = ProjectPath.directory(of: output)
                while directory != "." && directory != "/" && outputDirectories.insert(directory).inserted {
                    directory = ProjectPath.directory(of: directory)
                }
            }
        }
        for local in 0..<plan.count {
            let instance = plan.instance(local)
            for input in instance.inputs where plan.graph.producer(of: input) == nil {
                readers[input, default: []].append(local)
            }
            addDiscoveredInputs(discoveredInputs(instance.id), of: local)
        }
    }

    /// Adds the discovered inputs an instance's latest run recorded (a path it no longer lists stays: one
    /// check too many costs nothing).
    mutating func addDiscoveredInputs(_ paths: [String], of local: Int) {
        for path in paths {
            let resolved = ProjectPath.resolve(path, project: projectDirectory)
            if readers[resolved]?.contains(local) != true { readers[resolved, default: []].append(local) }
        }
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
        if ProjectPath.isInside(path) && ProjectPath.isInStateDirectory(path) { return .none }
        if graph.producer(of: path) != nil || outputDirectories.contains(path) { return .none }
        if graphPaths.keys.contains(path) {
            return change.kind == .entry || readers[path] == nil ? .structure : .contents
        }
        if change.kind == .entry && listedDirectories.contains(ProjectPath.directory(of: path)) { return .structure }
        if readers[path] != nil { return .contents }
        return .none
    }

    /// The kind graph construction saw at a resolved path; `nil` when it did not examine it, `.some(nil)` when
    /// it found nothing there.
    func examinedKind(of path: String) -> FileKind?? {
        graphPaths[path]
    }

    /// Whether `path` (resolved) is a file instances read.
    func isRead(_ path: String) -> Bool { readers[path] != nil }

    /// What to watch: the listed directories, the directories of every file read or examined, the
    /// Taskfile's directory; the files read and the Taskfile.
    var targets: WatchTargets {
        var directories: Set<String> = [ProjectPath.parent(ofAbsolute: taskfilePath)]
        var files: Set<String> = [taskfilePath]
        for directory in listedDirectories { directories.insert(absolute(directory)) }
        for path in graphPaths.keys { directories.insert(absolute(ProjectPath.directory(of: path))) }
        for path in readers.keys {
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
