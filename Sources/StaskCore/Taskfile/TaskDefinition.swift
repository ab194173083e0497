package import AsyncStreams

/// One entry of a Taskfile's `tasks:`, as written (before `foreach`, globs and sharding are expanded).
///
/// Strings that may hold placeholders are ``Template``s, parsed and checked at load time; each carries
/// its location. ``keyLocations`` and ``valueLocations`` give the location of every key present, for
/// error messages about the key as a whole.
package struct TaskDefinition: Sendable, Hashable {
    /// The keys a task may have, spelled as in YAML by `rawValue`.
    package enum Key: String, Sendable, Hashable, CaseIterable {
        case desc, inputs, outputs, deps, run, foreach, shards, cost, priority, retry, timeout, dir, env, always,
            depfile
    }

    /// The task's name (the key under `tasks:`).
    package let name: String
    /// Where the name is written.
    package let location: SourceLocation
    /// `desc`: a one-line description shown by `stask list`.
    package let desc: String?
    /// `inputs`: paths or globs, relative to the Taskfile's directory. A string is a one-element list.
    package let inputs: [Template]
    /// `outputs`: paths (never globs), relative to the Taskfile's directory.
    package let outputs: [Template]
    /// `deps`: names of tasks every instance of which must finish first; their outputs count as inputs.
    package let deps: [Located<String>]
    /// `run`: commands run in order through `/bin/sh -c`, stopping at the first failure. Empty for a
    /// task that only groups others.
    package let run: [Template]
    /// `foreach`: globs whose matches each become an instance (or are spread over shards). `nil`
    /// without `foreach`.
    package let foreach: [Template]?
    /// `shards`: the number of shard instances, from 1 to ``maximumShards``; `nil` when not sharded.
    package let shards: Int?
    /// The largest `shards:` accepted: 1,000. More shards than cores or CI machines only adds overhead,
    /// and a count such as `99999999999` would otherwise make that many instances.
    package static let maximumShards = 1_000
    /// `cost`: the resources one instance holds while it runs; `nil` for the default `{cpu: 1}`.
    package let cost: ResourceCost?
    /// Where each resource amount of `cost` is written, by resource name.
    package let costLocations: [String: SourceLocation]
    /// `priority`: added to the critical-path priority the scheduler computes. Default 0.
    package let priority: Double
    /// `retry`: ``RetryPolicy/none`` when absent.
    package let retry: RetryPolicy
    /// `timeout`: the longest one try may run; `nil` for no limit.
    package let timeout: Duration?
    /// `dir`: the working directory of the commands, relative to the Taskfile's directory; `nil` for
    /// the Taskfile's directory.
    package let dir: Template?
    /// `env`: environment variables added for this task, in file order.
    package let env: [EnvironmentVariable]
    /// `always`: run even when up to date.
    package let always: Bool
    /// `depfile`: the file, relative to the Taskfile's directory, in which the commands list the files they
    /// read (Makefile syntax, as `gcc -MMD -MF`); they become the instance's discovered inputs.
    package let depfile: Template?
    /// The location of each key present.
    package let keyLocations: [Key: SourceLocation]
    /// The location of each key's value.
    package let valueLocations: [Key: SourceLocation]

    /// Creates a task definition. The parser is the usual source of these; tests may build them too.
    package init(
        name: String, location: SourceLocation, desc: String? = nil, inputs: [Template] = [],
        outputs: [Template] = [], deps: [Located<String>] = [], run: [Template] = [], foreach: [Template]? = nil,
        shards: Int? = nil, cost: ResourceCost? = nil, costLocations: [String: SourceLocation] = [:],
        priority: Double = 0, retry: RetryPolicy = .none, timeout: Duration? = nil, dir: Template? = nil,
        env: [EnvironmentVariable] = [], always: Bool = false, depfile: Template? = nil,
        keyLocations: [Key: SourceLocation] = [:],
        valueLocations: [Key: SourceLocation] = [:]
    ) {
        self.name = name
        self.location = location
        self.desc = desc
        self.inputs = inputs
        self.outputs = outputs
        self.deps = deps
        self.run = run
        self.foreach = foreach
        self.shards = shards
        self.cost = cost
        self.costLocations = costLocations
        self.priority = priority
        self.retry = retry
        self.timeout = timeout
        self.dir = dir
        self.env = env
        self.always = always
        self.depfile = depfile
        self.keyLocations = keyLocations
        self.valueLocations = valueLocations
    }

    /// The location of `key`'s value, else of the key, else of the task.
    package func location(of key: Key) -> SourceLocation {
        valueLocations[key] ?? keyLocations[key] ?? location
    }
}
