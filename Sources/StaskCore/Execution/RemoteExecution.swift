package import AsyncStreams
import Synchronization

/// A build's use of a remote execution cluster: which instances go there, what each one's action holds, and
/// the local budget an instance falls back on when the cluster cannot run it.
///
/// - Eligible: every instance with commands whose task does not say `remote: false` and needs no jobserver
///   (a jobserver's pipe cannot cross machines).
/// - The action: the commands as one `/bin/sh -c` script (each in a subshell, as each runs in a process of its
///   own here, stopping at the first failure), run from the project's root after a `cd` to the task's `dir`;
///   the inputs are the declared and discovered files inside the project and what the task's `remote_inputs:`
///   match now (a file outside the project, such as a system header, is expected on the worker); the outputs are the declared ones, the depfile and the JUnit report;
///   the environment is exactly `PATH` and the variables the Taskfile and the task set (not the rest of this
///   machine's environment, which would make every machine's actions differ and miss the cache).
/// - Slots: an eligible instance costs the schedule nothing; it waits for one of the cluster's slots
///   (``RemoteSlots``, `--remote-jobs`) in critical-path order, while local work goes on.
/// - Fallback: when the cluster cannot run it, it takes its local cost (`cpu: 1` by default) from the
///   schedule's budget before it runs here (``LocalFallbackBudget``), so local work stays within `--cpu`.
package struct RemoteExecution: Sendable {
    /// The executor (in `stask`, the client in the `stask-remote` helper).
    package let executor: any RemoteExecutor
    /// The configuration: slots, `--remote-only`.
    package let configuration: RemoteExecutionConfiguration
    /// `PATH` as the commands get it on the worker.
    let path: String
    /// Where a fallback takes its local cost.
    let fallback = LocalFallbackBudget()
    /// The cluster's slots.
    let slots: RemoteSlots

    package init(executor: any RemoteExecutor, configuration: RemoteExecutionConfiguration, path: String?) {
        self.executor = executor
        self.configuration = configuration
        self.path = path ?? "/usr/local/bin:/usr/bin:/bin"
        self.slots = RemoteSlots(count: configuration.jobs)
    }

    /// Whether `instance` runs on the cluster (when it can).
    package static func isEligible(_ instance: TaskInstance) -> Bool {
        instance.allowsRemote && instance.jobserver == nil && !instance.commands.isEmpty
    }

    /// The remote action of one attempt of `instance`.
    ///
    /// - Parameters:
    ///   - discovered: The discovered inputs its last successful run recorded.
    ///   - fileSystem: Where `remote_inputs:` globs are matched (a pattern that matches nothing adds nothing).
    func request(
        for instance: TaskInstance, discovered: [String], projectDirectory: String, fileSystem: any FileSystem
    ) -> RemoteExecutionRequest {
        var script =
            instance.commands.count == 1
            ? instance.commands[0] : instance.commands.map { "(\($0))" }.joined(separator: " && ")
        if instance.directory != "." && !instance.directory.isEmpty {
            script =
                "cd \(Self.shellQuoted(instance.directory)) && "
                + (instance.commands.count == 1 ? "(\(script))" : script)
        }
        var environment = instance.environment
        if environment["PATH"] == nil { environment["PATH"] = path }
        var inputs: [String] = []
        var seen: Set<String> = []
        let extra = Self.remoteInputs(instance.remoteInputs, projectDirectory: projectDirectory, fileSystem: fileSystem)
        for path in instance.inputs + discovered + extra where Self.isInsideProject(path) && seen.insert(path).inserted
        {
            inputs.append(path)
        }
        let outputs = instance.outputs + [instance.depfile, instance.junitPath].compactMap { $0 }
        return RemoteExecutionRequest(
            taskID: instance.id, arguments: ["/bin/sh", "-c", script], environment: environment, inputs: inputs,
            outputs: outputs, projectDirectory: projectDirectory, timeout: instance.timeout,
            skipsCache: instance.always)
    }

    /// The files `patterns` (paths and globs, relative to the project) name now.
    static func remoteInputs(_ patterns: [String], projectDirectory: String, fileSystem: any FileSystem) -> [String] {
        guard !patterns.isEmpty else { return [] }
        let index = FileIndex(fileSystem: fileSystem, project: projectDirectory, ignored: [])
        var files: [String] = []
        for pattern in patterns {
            if Glob.isPattern(pattern) {
                files += (try? index.expand(pattern)) ?? []
            } else {
                files.append(ProjectPath.resolve(pattern, project: projectDirectory))
            }
        }
        return files
    }

    /// A relative path that stays inside the project.
    static func isInsideProject(_ path: String) -> Bool {
        !path.hasPrefix("/") && !path.split(separator: "/").contains("..")
    }

    /// `text` as one word of `/bin/sh`.
    static func shellQuoted(_ text: String) -> String {
        let plain = text.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
                || byte == UInt8(ascii: "/") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-")
        }
        if plain && !text.isEmpty { return text }
        return "'" + text.replacing("'", with: "'\\''") + "'"
    }
}

/// The local budget of instances the schedule gave a remote slot but that run here after all (the cluster
/// could not run them): each takes its local cost from the schedule's capacity as it comes free, and gives it
/// back when it ends, also when it fails or is cancelled.
package final class LocalFallbackBudget: Sendable {
    private let capacity = Mutex<ResourceCapacitySource?>(nil)

    package init() {}

    /// Uses `capacity` from now on (the scheduler attaches its capacity before it runs).
    package func attach(_ capacity: ResourceCapacitySource) {
        self.capacity.withLock { $0 = capacity }
    }

    /// Runs `body` holding `cost` (less what the budget has no limit for).
    ///
    /// - Throws: what `body` throws; `CancellationError` when cancelled while waiting (nothing stays held).
    package func holding<T: Sendable>(_ cost: ResourceCost, _ body: () async throws -> T) async throws -> T {
        guard let capacity = capacity.withLock({ $0 }) else { return try await body() }
        let limits = capacity.limits.amounts
        var wanted = ResourceCost([:])
        for (resource, amount) in cost.amounts where amount > 0 {
            if let limit = limits[resource] { wanted.amounts[resource] = min(amount, limit) }
        }
        guard !wanted.amounts.isEmpty else { return try await body() }
        // Subscribed before the first try, so a release between the try and the wait is not missed.
        var changes = capacity.changes().makeAsyncIterator()
        while !capacity.acquireIfAvailable(wanted) {
            try Task.checkCancellation()
            // nil: cancelled while waiting.
            guard await changes.next() != nil else { throw CancellationError() }
        }
        defer { capacity.release(wanted) }
        return try await body()
    }
}
