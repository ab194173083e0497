package import AsyncStreams

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
package struct BuildGraph: Sendable {
    /// The Taskfile the graph was built from.
    package let taskfile: Taskfile
    /// The absolute project directory (the Taskfile's directory).
    package let projectDirectory: String
    /// The whole budget: defaults (`cpu`: number of cores, `io`: 4), then the Taskfile's `budget:`, then
    /// the caller's overrides. A resource absent from the budget is unlimited.
    package let budget: ResourceCost
    /// Every instance, dependencies first.
    package let instances: [TaskInstance]
    /// Source files: inputs that no instance produces, sorted byte-wise.
    ///
    /// - Complexity: O(n log n) in the number of inputs, computed on each access (a build never needs it).
    package var sourceFiles: [String] {
        var sources = Set<String>()
        for instance in instances {
            for path in instance.inputs where producer(of: path) == nil { sources.insert(path) }
        }
        return sources.sorted(by: ProjectPath.precedes)
    }

    /// Every path the builder examined on disk (`lstat`/`stat`) with what it saw, in order: when they
    /// are all unchanged, so is the graph (given the same Taskfile and options).
    let fileObservations: [FileObservation]
    /// The ``DirectoryListingDigest`` of each directory the builder listed, by path.
    let listingDigests: [String: ContentDigest]

    /// The dependencies and dependents of each index (`dependencies(of:)`, `dependents(of:)`), for a plan
    /// of the whole graph to share rather than rebuild.
    let dependencyLists: [[Int]]
    let dependentLists: [[Int]]
    /// Instance id → index, over `instances` (see ``ProbedSlots``: a dictionary would copy 100,000 ids' worth
    /// of buckets at 24 bytes each).
    private let idSlots: ProbedSlots
    /// Declared output → producer, over `outputPaths` and `outputProducers`.
    private let outputSlots: ProbedSlots
    private let outputPaths: [String]
    private let outputProducers: [Int32]
    private let indicesByTask: [String: [Int]]

    init(
        taskfile: Taskfile, projectDirectory: String, budget: ResourceCost, instances: [TaskInstance],
        dependencies: [[Int]], fileObservations: [FileObservation] = [], listingDigests: [String: ContentDigest] = [:]
    ) {
        self.listingDigests = listingDigests
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
        var idSlots = ProbedSlots(capacity: instances.count)
        var outputSlots = ProbedSlots(capacity: instances.count)
        var outputPaths: [String] = []
        var outputProducers: [Int32] = []
        var indicesByTask: [String: [Int]] = [:]
        outputPaths.reserveCapacity(instances.count)
        outputProducers.reserveCapacity(instances.count)
        for (index, instance) in instances.enumerated() {
            idSlots.insert(tag: ProbedSlots.tag(of: instance.id), position: index) { instances[$0].id == instance.id }
            indicesByTask[instance.taskName, default: []].append(index)
            for output in instance.outputs {
                outputSlots.insert(tag: ProbedSlots.tag(of: output), position: outputPaths.count) {
                    outputPaths[$0] == output
                }
                outputPaths.append(output)
                outputProducers.append(Int32(index))
            }
        }
        self.idSlots = idSlots
        self.outputSlots = outputSlots
        self.outputPaths = outputPaths
        self.outputProducers = outputProducers
        self.indicesByTask = indicesByTask
    }

    /// The indices of the instances `index` depends on, ascending.
    ///
    /// - Complexity: O(1).
    package func dependencies(of index: Int) -> [Int] { dependencyLists[index] }

    /// The indices of the instances that depend on `index`, ascending.
    ///
    /// - Complexity: O(1).
    package func dependents(of index: Int) -> [Int] { dependentLists[index] }

    /// The index of the instance with `id`, if any.
    ///
    /// - Complexity: O(1) on average.
    package func index(of id: String) -> Int? {
        idSlots.find(tag: ProbedSlots.tag(of: id)) { instances[$0].id == id }
    }

    /// The instance with `id`, if any.
    package func instance(withID id: String) -> TaskInstance? { index(of: id).map { instances[$0] } }

    /// The index of the instance that declares `path` (project-relative, normalized) as an output.
    ///
    /// - Complexity: O(1) on average.
    package func producer(of path: String) -> Int? {
        outputSlots.find(tag: ProbedSlots.tag(of: path)) { outputPaths[$0] == path }.map { Int(outputProducers[$0]) }
    }

    /// Every declared output and the index of its producer.
    ///
    /// - Complexity: O(*n*): the table is made on each call.
    package var producers: [String: Int] {
        var result: [String: Int] = [:]
        for (path, producer) in zip(outputPaths, outputProducers) { result[path] = Int(producer) }
        return result
    }

    /// The indices of a task's instances, in graph order; empty for an unknown task (or one whose
    /// `foreach` matched nothing).
    package func instances(ofTask name: String) -> [Int] { indicesByTask[name] ?? [] }

    /// The number of edges.
    package var edgeCount: Int { dependencyLists.reduce(0) { $0 + $1.count } }

    /// The absolute path of a project-relative path.
    package func absolutePath(_ path: String) -> String {
        ProjectPath.absolute(path, project: projectDirectory)
    }
}
