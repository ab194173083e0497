package import AsyncStreams
import FoundationEssentials

/// Expands a ``Taskfile`` into a ``BuildGraph``: matches globs, creates an instance per `foreach` item
/// and per shard, expands every template, links inputs to the instances producing them, and checks the
/// result.
///
/// Pure: reads the file tree through its ``FileSystem`` only (directory listings and metadata, never
/// file contents) and starts no process. Each directory is listed at most once per build and each
/// pattern compiled once; inputs are matched against declared outputs through an index by path and by
/// directory, so building is roughly linear in the number of instances, inputs and files.
///
/// ```swift
/// let taskfile = try TaskfileParser(fileSystem: fs, workingDirectory: cwd).load()
/// let builder = GraphBuilder(fileSystem: fs, options: .init(budgetOverrides: ["cpu": 4]))
/// let graph = try builder.build(taskfile)
/// let ids = try graph.select(targets: ["app"])
/// ```
package struct GraphBuilder: Sendable {
    /// What the caller (the command line, the build history) adds to the Taskfile.
    package struct Options: Sendable {
        /// Budget values from the command line (`--cpu`, `--io`, `-j`, `--budget NAME=N`); they replace
        /// the Taskfile's `budget:` entries and the defaults.
        package var budgetOverrides: [String: Double]
        /// The default `cpu` budget: the number of cores.
        package var cpuCount: Int
        /// The default `io` budget (4).
        package var defaultIOBudget: Double
        /// The default `mem` budget in bytes (the machine's available memory when the build starts); `nil`
        /// leaves `mem` unlimited unless the Taskfile or the command line sets it. A task's declared `mem`
        /// cost above this default is not an error: the task then runs alone.
        package var defaultMemoryBudget: Double? = nil
        /// Assigns `foreach` items to shards; ``HashShardPlanner`` when there is no history.
        package var shardPlanner: any ShardPlanner
        /// Files produced by an earlier build that no task declares any more (from the build state).
        /// Globs do not match them on disk, so the object file of a deleted source is not linked in.
        package var staleOutputs: Set<String>
        /// The discovered inputs an instance's last run recorded (by instance id; from the build state), asked
        /// only for instances of tasks with a `depfile:`. One that another instance produces is an ordering
        /// edge, unless it would close a cycle.
        package var discoveredInputs: @Sendable (String) -> [String] = { _ in [] }

        /// Creates options.
        ///
        /// - Parameters:
        ///   - budgetOverrides: Command-line budget values, by resource name.
        ///   - cpuCount: The default `cpu` budget; `nil` for the number of active cores.
        ///   - defaultIOBudget: The default `io` budget.
        ///   - shardPlanner: The shard planner.
        ///   - staleOutputs: Project-relative paths globs must not match on disk.
        package init(
            budgetOverrides: [String: Double] = [:], cpuCount: Int? = nil, defaultIOBudget: Double = 4,
            shardPlanner: any ShardPlanner = HashShardPlanner(), staleOutputs: Set<String> = []
        ) {
            self.budgetOverrides = budgetOverrides
            self.cpuCount = cpuCount ?? ProcessInfo.processInfo.activeProcessorCount
            self.defaultIOBudget = defaultIOBudget
            self.shardPlanner = shardPlanner
            self.staleOutputs = staleOutputs
        }
    }

    /// The file system globs and inputs are checked against.
    package let fileSystem: any FileSystem
    /// The caller's options.
    package let options: Options

    /// Creates a builder.
    package init(fileSystem: any FileSystem, options: Options = Options()) {
        self.fileSystem = fileSystem
        self.options = options
    }

    /// Builds the graph of `taskfile`.
    ///
    /// Checks, in this order, reporting the first problem: unknown `deps:` (with a did-you-mean),
    /// outputs written as globs, invalid budget overrides, costs larger than the whole budget, `foreach`
    /// expansion, outputs (outside the project, in `.stask/`, declared twice), inputs (missing and
    /// produced by no task, or directories), placeholders naming an empty list, and cycles (named in
    /// full). A `foreach` or input glob matches files on disk and outputs other tasks declare; a task's
    /// globs never match its own outputs.
    ///
    /// - Returns: The graph; ``BuildGraph/instances`` is in dependency order.
    /// - Throws: `TaskfileError`: `.unknownDependency`, `.outputIsGlob`, `.invalidBudget`,
    ///   `.costExceedsBudget`, `.foreachDoesNotSettle`, `.outsideProject`, `.outputInStateDirectory`,
    ///   `.duplicateOutput`, `.missingInput`, `.inputIsDirectory`, `.emptyPlaceholder`,
    ///   `.dependencyCycle`, `.fileSystem`.
    /// - Complexity: O(*f* + *n* + *i* + *e*): files examined, instances, inputs and edges (plus sorting).
    package func build(_ taskfile: Taskfile) throws -> BuildGraph {
        var construction = GraphConstruction(taskfile: taskfile, fileSystem: fileSystem, options: options)
        return try construction.run()
    }

    /// The whole budget for `taskfile` under these options: `cpu` = ``Options/cpuCount``, `io` =
    /// ``Options/defaultIOBudget``, `mem` = ``Options/defaultMemoryBudget``, replaced by the Taskfile's `budget:`, replaced by
    /// ``Options/budgetOverrides``. A resource absent from the result is unlimited.
    ///
    /// - Throws: `TaskfileError.invalidBudget` for a negative or non-finite override.
    package func budget(for taskfile: Taskfile) throws -> ResourceCost {
        try budgetTyped(for: taskfile)
    }

    func budgetTyped(for taskfile: Taskfile) throws(TaskfileError) -> ResourceCost {
        var amounts: [String: Double] = ["cpu": Double(options.cpuCount), "io": options.defaultIOBudget]
        if let memory = options.defaultMemoryBudget, memory.isFinite, memory > 0 {
            amounts[MemorySyntax.resource] = memory
        }
        for (name, amount) in taskfile.budget { amounts[name] = amount }
        for (name, amount) in options.budgetOverrides.sorted(by: { $0.key < $1.key }) {
            guard amount >= 0, amount.isFinite else { throw .invalidBudget(resource: name, amount: amount) }
            amounts[name] = amount
        }
        return ResourceCost(amounts)
    }
}
