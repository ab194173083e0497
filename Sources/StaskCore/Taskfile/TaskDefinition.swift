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
            depfile, jobserver, remote
        case remoteInputs = "remote_inputs"
    }

    /// The values, behind one reference: the graph builder copies a definition for each of a task's
    /// instances and checks, and a copy of twenty fields costs twenty reference counts, of this one.
    private let storage: Storage

    private final class Storage: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private struct Fields: Sendable, Hashable {
        let name: String
        let location: SourceLocation
        let desc: String?
        let inputs: [Template]
        let outputs: [Template]
        let deps: [Located<String>]
        let run: [Template]
        let foreach: [Template]?
        let shards: Int?
        let cost: ResourceCost?
        let costLocations: [String: SourceLocation]
        let priority: Double
        let retry: RetryPolicy
        let timeout: Duration?
        let dir: Template?
        let env: [EnvironmentVariable]
        let always: Bool
        let depfile: Template?
        let jobserver: JobserverStyle?
        let remote: Bool
        let remoteInputs: [String]
        let keyLocations: [Key: SourceLocation]
        let valueLocations: [Key: SourceLocation]
    }

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.fields == rhs.storage.fields
    }

    package func hash(into hasher: inout Hasher) { storage.fields.hash(into: &hasher) }

    /// The task's name (the key under `tasks:`).
    package var name: String { storage.fields.name }
    /// Where the name is written.
    package var location: SourceLocation { storage.fields.location }
    /// `desc`: a one-line description shown by `stask list`.
    package var desc: String? { storage.fields.desc }
    /// `inputs`: paths or globs, relative to the Taskfile's directory. A string is a one-element list.
    package var inputs: [Template] { storage.fields.inputs }
    /// `outputs`: paths (never globs), relative to the Taskfile's directory.
    package var outputs: [Template] { storage.fields.outputs }
    /// `deps`: names of tasks every instance of which must finish first; their outputs count as inputs.
    package var deps: [Located<String>] { storage.fields.deps }
    /// `run`: commands run in order through `/bin/sh -c`, stopping at the first failure. Empty for a
    /// task that only groups others.
    package var run: [Template] { storage.fields.run }
    /// `foreach`: globs whose matches each become an instance (or are spread over shards). `nil`
    /// without `foreach`.
    package var foreach: [Template]? { storage.fields.foreach }
    /// `shards`: the number of shard instances, from 1 to ``maximumShards``; `nil` when not sharded.
    package var shards: Int? { storage.fields.shards }
    /// The largest `shards:` accepted: 1,000. More shards than cores or CI machines only adds overhead,
    /// and a count such as `99999999999` would otherwise make that many instances.
    package static let maximumShards = 1_000
    /// `cost`: the resources one instance holds while it runs; `nil` for the default `{cpu: 1}`.
    package var cost: ResourceCost? { storage.fields.cost }
    /// Where each resource amount of `cost` is written, by resource name.
    package var costLocations: [String: SourceLocation] { storage.fields.costLocations }
    /// `priority`: added to the critical-path priority the scheduler computes. Default 0.
    package var priority: Double { storage.fields.priority }
    /// `retry`: ``RetryPolicy/none`` when absent.
    package var retry: RetryPolicy { storage.fields.retry }
    /// `timeout`: the longest one try may run; `nil` for no limit.
    package var timeout: Duration? { storage.fields.timeout }
    /// `dir`: the working directory of the commands, relative to the Taskfile's directory; `nil` for
    /// the Taskfile's directory.
    package var dir: Template? { storage.fields.dir }
    /// `env`: environment variables added for this task, in file order.
    package var env: [EnvironmentVariable] { storage.fields.env }
    /// `always`: run even when up to date.
    package var always: Bool { storage.fields.always }
    /// `depfile`: the file, relative to the Taskfile's directory, in which the commands list the files they
    /// read (Makefile syntax, as `gcc -MMD -MF`); they become the instance's discovered inputs.
    package var depfile: Template? { storage.fields.depfile }
    /// `jobserver`: the GNU make jobserver the task's commands get (`true` or `pipe`, or `fifo`); `nil` for none.
    package var jobserver: JobserverStyle? { storage.fields.jobserver }
    /// `remote`: whether the task may run on the build's remote execution cluster, if it uses one. Default
    /// `true`; `false` keeps it on this machine (a step that needs local devices, files or services).
    package var remote: Bool { storage.fields.remote }
    /// `remote_inputs`: paths and globs of files a remote worker needs besides `inputs` (the headers of a
    /// compile whose depfile tracks them): sent with the task's actions, never part of its up-to-date check.
    package var remoteInputs: [String] { storage.fields.remoteInputs }
    /// The location of each key present.
    package var keyLocations: [Key: SourceLocation] { storage.fields.keyLocations }
    /// The location of each key's value.
    package var valueLocations: [Key: SourceLocation] { storage.fields.valueLocations }

    /// Creates a task definition. The parser is the usual source of these; tests may build them too.
    package init(
        name: String, location: SourceLocation, desc: String? = nil, inputs: [Template] = [],
        outputs: [Template] = [], deps: [Located<String>] = [], run: [Template] = [], foreach: [Template]? = nil,
        shards: Int? = nil, cost: ResourceCost? = nil, costLocations: [String: SourceLocation] = [:],
        priority: Double = 0, retry: RetryPolicy = .none, timeout: Duration? = nil, dir: Template? = nil,
        env: [EnvironmentVariable] = [], always: Bool = false, depfile: Template? = nil,
        jobserver: JobserverStyle? = nil, remote: Bool = true, remoteInputs: [String] = [],
        keyLocations: [Key: SourceLocation] = [:],
        valueLocations: [Key: SourceLocation] = [:]
    ) {
        storage = Storage(
            Fields(
                name: name, location: location, desc: desc, inputs: inputs, outputs: outputs, deps: deps, run: run,
                foreach: foreach, shards: shards, cost: cost, costLocations: costLocations, priority: priority,
                retry: retry, timeout: timeout, dir: dir, env: env, always: always, depfile: depfile,
                jobserver: jobserver, remote: remote, remoteInputs: remoteInputs, keyLocations: keyLocations,
                valueLocations: valueLocations))
    }

    /// The location of `key`'s value, else of the key, else of the task.
    package func location(of key: Key) -> SourceLocation {
        valueLocations[key] ?? keyLocations[key] ?? location
    }
}
