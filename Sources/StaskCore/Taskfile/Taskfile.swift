import AsyncStreams

/// A parsed, checked Taskfile (format version 1): the model ``GraphBuilder`` expands into a ``BuildGraph``.
///
/// Immutable and `Sendable`. Produced by ``TaskfileParser``; every string that may hold placeholders is
/// already a ``Template`` whose placeholders are known to exist, and every var is resolved (command-line
/// overrides applied).
package struct Taskfile: Sendable, Hashable {
    /// The absolute path of the file.
    package let path: String
    /// The file as named in messages (see ``SourceLocation/file``).
    package let displayPath: String
    /// The format version: always 1.
    package let version: Int
    /// `vars:` in file order, then vars defined only on the command line, sorted by name.
    package let vars: [TaskfileVariable]
    /// `env:`: added to the environment of every command, in file order.
    package let env: [EnvironmentVariable]
    /// `budget:`: resource name → total amount, as written (defaults and command-line values are applied
    /// by ``GraphBuilder``).
    package let budget: [String: Double]
    /// Where each `budget:` entry's value is written.
    package let budgetLocations: [String: SourceLocation]
    /// `default:`: the targets `stask build` builds when none is named; empty for "every task".
    package let defaultTargets: [Located<String>]
    /// `remote_cache:`: the shared cache to use unless the command line or `STASK_REMOTE_CACHE` says
    /// otherwise; `nil` when the key is absent.
    package let remoteCache: Located<RemoteCacheEndpoint>?
    /// `remote:`: the remote execution cluster to run tasks on, unless the command line or
    /// `STASK_REMOTE_EXECUTOR` says otherwise; `nil` when the key is absent.
    package let remote: TaskfileRemote?
    /// `tasks:` in file order.
    package let tasks: [TaskDefinition]

    /// Creates a Taskfile model. ``TaskfileParser`` is the usual source of these.
    package init(
        path: String, displayPath: String, version: Int = 1, vars: [TaskfileVariable] = [],
        env: [EnvironmentVariable] = [], budget: [String: Double] = [:],
        budgetLocations: [String: SourceLocation] = [:], defaultTargets: [Located<String>] = [],
        remoteCache: Located<RemoteCacheEndpoint>? = nil, remote: TaskfileRemote? = nil, tasks: [TaskDefinition] = []
    ) {
        self.path = path
        self.displayPath = displayPath
        self.version = version
        self.vars = vars
        self.env = env
        self.budget = budget
        self.budgetLocations = budgetLocations
        self.defaultTargets = defaultTargets
        self.remoteCache = remoteCache
        self.remote = remote
        self.tasks = tasks
    }

    /// The directory holding the Taskfile: the project directory, against which every relative path
    /// is resolved.
    package var directory: String { ProjectPath.parent(ofAbsolute: path) }

    /// The task named `name`, if any.
    ///
    /// - Complexity: O(*n*) in the number of tasks.
    package func task(named name: String) -> TaskDefinition? {
        tasks.first { $0.name == name }
    }

    /// The resolved value of each var, by name.
    package var variableValues: [String: String] {
        Dictionary(vars.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }
}

/// A Taskfile's `remote:` section: `{executor: grpc://HOST:PORT[/INSTANCE], instance: NAME, jobs: N}`.
package struct TaskfileRemote: Sendable, Hashable {
    /// `executor:`: the cluster.
    package var executor: Located<RemoteCacheEndpoint>
    /// `instance:`: its REAPI instance name, over the URL's path.
    package var instance: String?
    /// `jobs:`: how many tasks may run there at once.
    package var jobs: Int?

    package init(executor: Located<RemoteCacheEndpoint>, instance: String? = nil, jobs: Int? = nil) {
        self.executor = executor
        self.instance = instance
        self.jobs = jobs
    }
}
