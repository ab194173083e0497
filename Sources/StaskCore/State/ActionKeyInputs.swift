/// Everything that goes into a task instance's action key, kept so `stask explain` can say what changed.
///
/// The action key hashes the expanded commands, the environment and working directory, the
/// content digest of every input, and the declared output paths. `actionKey` computes it canonically (maps
/// in sorted order, every field tagged and length-prefixed by `ActionKeyHasher`).
///
/// `variables` is *not* part of the key: a variable matters only through the commands, paths or environment
/// it expands into, which are. It is stored so that `explain` can name the variable whose new value changed
/// a command. The engine decides which variables to list (typically those the task's templates reference).
package struct ActionKeyInputs: Sendable, Hashable {
    /// The expanded commands, in the order they run.
    package var commands: [String]
    /// The working directory of the commands.
    package var directory: String
    /// The environment entries stask adds (Taskfile and task `env`), not the whole inherited environment.
    package var environment: [String: String]
    /// Values of the variables the task's templates reference (informational, not hashed).
    package var variables: [String: String]
    /// Input path → content digest.
    package var inputDigests: [String: ContentDigest] {
        get { Dictionary(uniqueKeysWithValues: sortedInputs.lazy.map { ($0.path, $0.digest) }) }
        set { sortedInputs = Self.sorted(newValue) }
    }
    /// The inputs as stored: sorted by path, each path once. An array, not a dictionary: an aggregate step's
    /// 100,000 inputs take 3 MB instead of 8, and the key and the state read them in this order anyway.
    private(set) var sortedInputs: [InputDigest]
    /// The declared output paths.
    package var outputPaths: [String]

    /// Creates the key inputs of one task instance.
    package init(
        commands: [String], directory: String, environment: [String: String] = [:],
        variables: [String: String] = [:], inputDigests: [String: ContentDigest] = [:], outputPaths: [String] = []
    ) {
        self.commands = commands
        self.directory = directory
        self.environment = environment
        self.variables = variables
        self.sortedInputs = Self.sorted(inputDigests)
        self.outputPaths = outputPaths
    }

    /// Creates the key inputs from inputs already sorted by path, each path once.
    init(
        commands: [String], directory: String, environment: [String: String], variables: [String: String],
        sortedInputs: [InputDigest], outputPaths: [String]
    ) {
        assert(zip(sortedInputs, sortedInputs.dropFirst()).allSatisfy { $0.path < $1.path }, "inputs not sorted")
        self.commands = commands
        self.directory = directory
        self.environment = environment
        self.variables = variables
        self.sortedInputs = sortedInputs
        self.outputPaths = outputPaths
    }

    /// One input and its digest.
    struct InputDigest: Sendable, Hashable {
        var path: String
        var digest: ContentDigest
    }

    private static func sorted(_ digests: [String: ContentDigest]) -> [InputDigest] {
        digests.map { InputDigest(path: $0.key, digest: $0.value) }.sorted { $0.path < $1.path }
    }

    /// The action key: an `ActionKeyHasher` digest of commands, directory, environment, input digests and
    /// output paths (sorted), in domain `stask.action-key.v1`.
    ///
    /// - Complexity: O(n log n) in the number of entries.
    package var actionKey: ContentDigest {
        var hasher = ActionKeyHasher()
        hasher.add("commands")
        hasher.add(commands.count)
        for command in commands { hasher.add(command) }
        hasher.add("directory")
        hasher.add(directory)
        hasher.add("environment")
        hasher.add(environment.count)
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
            hasher.add(name)
            hasher.add(value)
        }
        hasher.add("inputs")
        hasher.add(sortedInputs.count)
        for input in sortedInputs {
            hasher.add(input.path)
            hasher.add(input.digest)
        }
        hasher.add("outputs")
        hasher.add(outputPaths.count)
        for path in outputPaths.sorted() { hasher.add(path) }
        return hasher.finalize()
    }
}

// MARK: - Input digests changed since another record

extension ActionKeyInputs {
    /// One input whose digest changed: its position among the inputs sorted by path, and its new digest.
    struct InputChange: Sendable, Hashable {
        var index: Int
        var digest: ContentDigest
    }

    /// The inputs whose digests differ from `base`'s, when that is all that differs (the same commands,
    /// directory, environment, variables, input paths and output paths); `nil` otherwise.
    func inputChanges(since base: ActionKeyInputs) -> [InputChange]? {
        guard sortedInputs.count == base.sortedInputs.count, commands == base.commands,
            directory == base.directory, environment == base.environment, variables == base.variables,
            outputPaths == base.outputPaths
        else { return nil }
        var changes: [InputChange] = []
        for (index, (input, old)) in zip(sortedInputs, base.sortedInputs).enumerated() {
            guard input.path == old.path else { return nil }
            if input.digest != old.digest { changes.append(InputChange(index: index, digest: input.digest)) }
        }
        return changes
    }

    /// These inputs with `changes` applied; `nil` when a change's position is out of range.
    func applying(_ changes: [InputChange]) -> ActionKeyInputs? {
        var result = self
        for change in changes {
            guard result.sortedInputs.indices.contains(change.index) else { return nil }
            result.sortedInputs[change.index].digest = change.digest
        }
        return result
    }
}
