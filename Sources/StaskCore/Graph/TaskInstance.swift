package import AsyncStreams

/// One runnable unit of a ``BuildGraph``: a task, or one `foreach` item of it, or one shard of it.
///
/// Everything is resolved: commands are expanded (paths shell-quoted), inputs and outputs are
/// project-relative paths (see below), and the environment holds the variables stask adds. Immutable.
///
/// Paths: relative to the project directory (the Taskfile's directory), normalized, `/`-separated;
/// an input outside the project is absolute or starts with `../`. Outputs always lie inside.
package struct TaskInstance: Sendable, Hashable, Identifiable {
    /// Which shard of a sharded task an instance is.
    package struct ShardPosition: Sendable, Hashable {
        /// 0-based, as `{{shard}}`, `STASK_SHARD_INDEX` and `TEST_SHARD_INDEX`.
        package let index: Int
        /// The task's `shards:`.
        package let count: Int

        /// Creates a position. - Precondition: `0 <= index < count`.
        package init(index: Int, count: Int) {
            precondition(index >= 0 && index < count, "shard index out of range")
            self.index = index
            self.count = count
        }

        /// 1-based, as in instance ids (`test[shard 2/4]` has index 1).
        package var number: Int { index + 1 }
    }

    /// Commands run one after another; the engine times each group separately.
    ///
    /// A sharded task whose `run` uses `{{item}}` (or `{{stem}}`, `{{name}}`, `{{dir}}`) has one group
    /// per item, so per-item durations can be recorded; otherwise an instance has one group.
    package struct CommandGroup: Sendable, Hashable {
        /// The item the group runs for: per-item groups, and the single group of a `foreach` instance.
        package let item: String?
        /// The expanded commands, each to be run with `/bin/sh -c`, stopping at the first failure.
        package let commands: [String]

        /// Creates a group.
        package init(item: String?, commands: [String]) {
            self.item = item
            self.commands = commands
        }
    }

    /// Stable identity: `app`, `compile[src/a.c]`, `test[shard 2/4]` (shard numbers are 1-based).
    /// Used as target name, in state records and in messages.
    package let id: String
    /// The task's name.
    package var taskName: String { settings.taskName }
    /// The `foreach` items: one for a `foreach` instance, a shard's items for a sharded one, else none.
    package let items: [String]
    /// The shard, for instances of a task with `shards:`.
    package let shard: ShardPosition?
    /// The commands, grouped (see ``CommandGroup``). Empty for a task without `run`.
    package var commandGroups: [CommandGroup] {
        switch storedCommands {
        case .none: []
        case .single(let item, let command): [CommandGroup(item: item, commands: [command])]
        case .groups(let groups): groups
        }
    }
    /// Every input, in order: the items, the matches of `inputs:` (each glob sorted byte-wise), then the
    /// outputs of `deps:` tasks; without duplicates. All of them are hashed for the action key.
    package let inputs: [String]
    /// The declared outputs, in declaration order. Their parent directories are created before running.
    package let outputs: [String]
    /// Environment variables stask adds (Taskfile `env`, task `env`, shard variables
    /// `STASK_SHARD_INDEX`, `STASK_SHARD_COUNT`, `TEST_SHARD_INDEX`, `TEST_TOTAL_SHARDS`).
    package let environment: [String: String]
    /// The working directory of the commands, project-relative (`.` for the project directory).
    package let directory: String
    /// The resources one run holds (default `{cpu: 1}`).
    package var cost: ResourceCost { settings.cost }
    /// The task's `priority:`, added to the scheduler's critical-path priority.
    package var priority: Double { settings.priority }
    /// The retry policy.
    package var retry: RetryPolicy { settings.retry }
    /// The time limit of one try, if any.
    package var timeout: Duration? { settings.timeout }
    /// Whether the instance runs even when up to date (`always: true`).
    package var always: Bool { settings.always }
    /// The GNU make jobserver its commands get (`jobserver:`), if any.
    package var jobserver: JobserverStyle? { settings.jobserver }
    /// The task's `remote:`: whether it may run on a remote execution cluster.
    package var allowsRemote: Bool { settings.allowsRemote }
    /// The task's `remote_inputs:` patterns.
    package var remoteInputs: [String] { settings.remoteInputs }
    /// Where `{{junit}}` points (project-relative, under `.stask/junit/`), when the commands use it.
    package let junitPath: String?
    /// The `depfile:` the commands write (project-relative, inside the project): after a successful run its
    /// prerequisites are recorded as discovered inputs.
    package let depfile: String?
    /// Where the task is defined.
    package var location: SourceLocation { settings.location }

    /// What every instance of the task shares, held once for all of them (see ``TaskSettings``).
    private(set) var settings: TaskSettings

    /// Gives this instance `settings` for its task's (a stored graph's instance, bound to its Taskfile).
    mutating func bind(to settings: TaskSettings) {
        self.settings = settings
    }

    /// ``commandGroups`` as stored.
    let storedCommands: CommandStorage

    /// The command groups of an instance, without arrays in the common case of one group of one command (a
    /// `foreach` step): at 100,000 instances the two arrays would cost some 11 MB.
    enum CommandStorage: Sendable, Hashable {
        case none
        case single(item: String?, command: String)
        case groups([CommandGroup])

        init(_ groups: [CommandGroup]) {
            if groups.isEmpty {
                self = .none
            } else if groups.count == 1, groups[0].commands.count == 1 {
                self = .single(item: groups[0].item, command: groups[0].commands[0])
            } else {
                self = .groups(groups)
            }
        }
    }

    /// Creates an instance. ``GraphBuilder`` is the usual source of these.
    package init(
        id: String, taskName: String, items: [String] = [], shard: ShardPosition? = nil,
        commandGroups: [CommandGroup] = [], inputs: [String] = [], outputs: [String] = [],
        environment: [String: String] = [:], directory: String = ".", cost: ResourceCost = ["cpu": 1],
        priority: Double = 0, retry: RetryPolicy = .none, timeout: Duration? = nil, always: Bool = false,
        junitPath: String? = nil, depfile: String? = nil, location: SourceLocation
    ) {
        self.init(
            id: id, items: items, shard: shard, commandGroups: commandGroups, inputs: inputs, outputs: outputs,
            environment: environment, directory: directory, junitPath: junitPath, depfile: depfile,
            settings: TaskSettings(
                taskName: taskName, cost: cost, priority: priority, retry: retry, timeout: timeout, always: always,
                location: location))
    }

    /// Creates an instance sharing `settings` with the task's other instances.
    init(
        id: String, items: [String], shard: ShardPosition?, commandGroups: [CommandGroup], inputs: [String],
        outputs: [String], environment: [String: String], directory: String, junitPath: String?,
        depfile: String? = nil, settings: TaskSettings
    ) {
        self.id = id
        self.items = items
        self.shard = shard
        self.storedCommands = CommandStorage(commandGroups)
        self.inputs = inputs
        self.outputs = outputs
        self.environment = environment
        self.directory = directory
        self.junitPath = junitPath
        self.depfile = depfile
        self.settings = settings
    }

    /// Every command, in order (the groups concatenated).
    package var commands: [String] {
        switch storedCommands {
        case .none: []
        case .single(_, let command): [command]
        case .groups(let groups): groups.flatMap(\.commands)
        }
    }

    /// The single `foreach` item of a non-sharded `foreach` instance.
    package var item: String? { shard == nil && items.count == 1 ? items[0] : nil }

    /// The instance id for a task, an optional item and an optional shard.
    package static func makeID(task: String, item: String? = nil, shard: ShardPosition? = nil) -> String {
        if let shard { return "\(task)[shard \(shard.number)/\(shard.count)]" }
        if let item { return "\(task)[\(item)]" }
        return task
    }
}

/// The part of a ``TaskInstance`` that is the same for every instance of its task, held once.
///
/// Why a class: a `foreach` over 100,000 files makes 100,000 instances, and these fields (about 130 bytes)
/// would otherwise be copied into each; shared, an instance is about half the size. Immutable, and compared
/// by value, so instances compare as if the fields were their own.
final class TaskSettings: Sendable, Hashable {
    let taskName: String
    let cost: ResourceCost
    let priority: Double
    let retry: RetryPolicy
    let timeout: Duration?
    let always: Bool
    let jobserver: JobserverStyle?
    let allowsRemote: Bool
    let remoteInputs: [String]
    let location: SourceLocation

    init(
        taskName: String, cost: ResourceCost, priority: Double, retry: RetryPolicy, timeout: Duration?, always: Bool,
        jobserver: JobserverStyle? = nil, allowsRemote: Bool = true, remoteInputs: [String] = [],
        location: SourceLocation
    ) {
        self.jobserver = jobserver
        self.allowsRemote = allowsRemote
        self.remoteInputs = remoteInputs
        self.taskName = taskName
        self.cost = cost
        self.priority = priority
        self.retry = retry
        self.timeout = timeout
        self.always = always
        self.location = location
    }

    /// The settings of a task's instances, as graph construction makes them.
    convenience init(definition: TaskDefinition) {
        self.init(
            taskName: definition.name, cost: definition.cost ?? Self.defaultCost, priority: definition.priority,
            retry: definition.retry, timeout: definition.timeout, always: definition.always,
            jobserver: definition.jobserver, allowsRemote: definition.remote, remoteInputs: definition.remoteInputs,
            location: definition.location)
    }

    /// The cost of a task without `cost:`, one value shared by every such instance (a dictionary literal
    /// per instance would allocate its storage 100,000 times at 100,000 targets).
    static let defaultCost: ResourceCost = ["cpu": 1]

    static func == (lhs: TaskSettings, rhs: TaskSettings) -> Bool {
        lhs === rhs
            || (lhs.taskName == rhs.taskName && lhs.cost == rhs.cost && lhs.priority == rhs.priority
                && lhs.retry == rhs.retry && lhs.timeout == rhs.timeout && lhs.always == rhs.always
                && lhs.jobserver == rhs.jobserver && lhs.allowsRemote == rhs.allowsRemote
                && lhs.remoteInputs == rhs.remoteInputs
                && lhs.location == rhs.location)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(taskName)
        hasher.combine(cost)
        hasher.combine(priority)
        hasher.combine(retry)
        hasher.combine(timeout)
        hasher.combine(always)
        hasher.combine(jobserver)
        hasher.combine(allowsRemote)
        hasher.combine(remoteInputs)
        hasher.combine(location)
    }
}
