public import AsyncStreams

/// The expanded, checked graph of a Taskfile: every task instance, the edges between them, which
/// instance produces which file, and the source files. A value: immutable and `Sendable`.
///
/// Built by ``GraphBuilder``. Instances are addressed by position in ``instances`` (an *index*) or by
/// ``TaskInstance/id``. ``instances`` is in topological order: every instance comes after all of its
/// dependencies; otherwise instances keep Taskfile order (tasks in file order, `foreach` items sorted
/// byte-wise, shards by number). The order is deterministic for a given Taskfile and file tree.
///
/// An edge *a → b* (b in `dependencies(of: a)`) exists when an input of *a* is an output of *b*
/// (named directly or matched by a glob), or when *a*'s task lists *b*'s task in `deps:`.
///
/// ```swift
/// let graph = try GraphBuilder(fileSystem: fs).build(taskfile)
/// for index in try graph.selectIndices(targets: ["app"]) {
///     let instance = graph.instances[index]
///     print(instance.id, graph.dependencies(of: index).map { graph.instances[$0].id })
/// }
/// ```
public struct BuildGraph: Sendable {
    /// The Taskfile the graph was built from.
    public let taskfile: Taskfile
    /// The absolute project directory (the Taskfile's directory).
    public let projectDirectory: String
    /// The whole budget: defaults (`cpu`: number of cores, `io`: 4), then the Taskfile's `budget:`, then
    /// the caller's overrides. A resource absent from the budget is unlimited.
    public let budget: ResourceCost
    /// Every instance, dependencies first.
    public let instances: [TaskInstance]
    /// Source files: inputs that no instance produces, sorted byte-wise.
    ///
    /// - Complexity: O(n log n) in the number of inputs, computed on each access (a build never needs it).
    public var sourceFiles: [String] {
        var sources = Set<String>()
        for instance in instances {
            for path in instance.inputs where producerByPath[path] == nil { sources.insert(path) }
        }
        return sources.sorted(by: ProjectPath.precedes)
    }

    /// Every path the builder examined on disk (`lstat`/`stat`) with what it saw, in order: when they
    /// are all unchanged, so is the graph (given the same Taskfile and options).
    let fileObservations: [FileObservation]

    /// The dependencies and dependents of each index (`dependencies(of:)`, `dependents(of:)`), for a plan
    /// of the whole graph to share rather than rebuild.
    let dependencyLists: [[Int]]
    let dependentLists: [[Int]]
    private let indexByID: [String: Int]
    private let producerByPath: [String: Int]
    private let indicesByTask: [String: [Int]]

    init(
        taskfile: Taskfile, projectDirectory: String, budget: ResourceCost, instances: [TaskInstance],
        dependencies: [[Int]], producers: [String: Int]? = nil, fileObservations: [FileObservation] = []
    ) {
        self.taskfile = taskfile
        self.fileObservations = fileObservations
        self.projectDirectory = projectDirectory
        self.budget = budget
        self.instances = instances
        self.dependencyLists = dependencies
        var dependents = Array(repeating: [Int](), count: instances.count)
        for (index, list) in dependencies.enumerated() {
            for dependency in list { dependents[dependency].append(index) }
        }
        self.dependentLists = dependents
        var indexByID: [String: Int] = [:]
        var producerByPath = producers ?? [:]
        var indicesByTask: [String: [Int]] = [:]
        indexByID.reserveCapacity(instances.count)
        for (index, instance) in instances.enumerated() {
            indexByID[instance.id] = index
            indicesByTask[instance.taskName, default: []].append(index)
            if producers == nil {
                for output in instance.outputs { producerByPath[output] = index }
            }
        }
        self.indexByID = indexByID
        self.producerByPath = producerByPath
        self.indicesByTask = indicesByTask
    }

    /// The indices of the instances `index` depends on, ascending.
    ///
    /// - Complexity: O(1).
    public func dependencies(of index: Int) -> [Int] { dependencyLists[index] }

    /// The indices of the instances that depend on `index`, ascending.
    ///
    /// - Complexity: O(1).
    public func dependents(of index: Int) -> [Int] { dependentLists[index] }

    /// The index of the instance with `id`, if any.
    ///
    /// - Complexity: O(1) on average.
    public func index(of id: String) -> Int? { indexByID[id] }

    /// The instance with `id`, if any.
    public func instance(withID id: String) -> TaskInstance? { indexByID[id].map { instances[$0] } }

    /// The index of the instance that declares `path` (project-relative, normalized) as an output.
    ///
    /// - Complexity: O(1) on average.
    public func producer(of path: String) -> Int? { producerByPath[path] }

    /// Every declared output and the index of its producer.
    public var producers: [String: Int] { producerByPath }

    /// The indices of a task's instances, in graph order; empty for an unknown task (or one whose
    /// `foreach` matched nothing).
    public func instances(ofTask name: String) -> [Int] { indicesByTask[name] ?? [] }

    /// The number of edges.
    public var edgeCount: Int { dependencyLists.reduce(0) { $0 + $1.count } }

    /// The absolute path of a project-relative path.
    public func absolutePath(_ path: String) -> String {
        ProjectPath.absolute(path, project: projectDirectory)
    }
}
