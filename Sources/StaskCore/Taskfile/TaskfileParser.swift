/// Finds, reads and checks a Taskfile, producing the ``Taskfile`` model.
///
/// The parser reads through a ``FileSystem`` only, composes the YAML keeping every node's line and column
/// (with ``FastYAMLComposer`` when the text is in the block subset it knows, with Yams otherwise), and checks
/// everything that can be checked without looking at other files: the version, every key and value type,
/// durations, retry policies, costs, shard counts, var references (with cycles) and every placeholder.
/// Globs, outputs and the graph are ``GraphBuilder``'s work.
///
/// ```swift
/// let parser = TaskfileParser(fileSystem: fileSystem, workingDirectory: cwd)
/// let taskfile = try parser.load(file: nil, in: cwd, variableOverrides: ["CC": "clang"])
/// let graph = try GraphBuilder(fileSystem: fs).build(taskfile)
/// ```
package struct TaskfileParser: Sendable {
    /// The names looked for in a directory, in order: `Taskfile`, `Taskfile.yml`, `Taskfile.yaml`.
    package static let fileNames = ["Taskfile", "Taskfile.yml", "Taskfile.yaml"]

    /// The file system everything is read through.
    package let fileSystem: any FileSystem
    /// The absolute directory relative paths are resolved against, and below which file names in
    /// messages are shown relative.
    package let workingDirectory: String
    /// Whether the hand-written YAML composer is tried before Yams (see ``FastYAMLComposer``); the tests and
    /// `TaskfileParseBenchmark` turn it off to compare the two paths.
    package var composesByHand = true

    /// Creates a parser.
    ///
    /// - Parameters:
    ///   - fileSystem: Where files are read.
    ///   - workingDirectory: An absolute path: the process's current directory (after `-C`).
    package init(fileSystem: any FileSystem, workingDirectory: String) {
        self.fileSystem = fileSystem
        self.workingDirectory = ProjectPath.normalizedAbsolute(workingDirectory)
    }

    /// The Taskfile of `directory`: the first of ``fileNames`` that exists there.
    ///
    /// - Parameter directory: Absolute, or relative to ``workingDirectory``.
    /// - Returns: The absolute path of the Taskfile.
    /// - Throws: `TaskfileError.noTaskfile` when none exists, `.unreadable` when the file system fails.
    package func locate(in directory: String) throws -> String {
        try locateTyped(in: directory)
    }

    /// Locates (unless `file` is given), reads and checks a Taskfile.
    ///
    /// - Parameters:
    ///   - file: An explicit path (`-f PATH`), absolute or relative to ``workingDirectory``; `nil` to
    ///     look in `directory`.
    ///   - directory: Where to look when `file` is `nil`; `nil` for ``workingDirectory``.
    ///   - variableOverrides: `NAME=value` pairs from the command line. They replace the file's vars and
    ///     may define new ones; values are taken literally.
    /// - Throws: `TaskfileError`: `.noTaskfile`, `.fileNotFound`, `.isDirectory`, `.unreadable` (also for
    ///   a FIFO, a device or anything else that is not a regular file), and every case
    ///   ``parse(contents:path:variableOverrides:)`` throws.
    package func load(
        file: String? = nil, in directory: String? = nil, variableOverrides: [String: String] = [:]
    ) throws -> Taskfile {
        let (path, bytes) = try readSource(file: file, in: directory)
        return try parseTyped(contents: bytes, path: path, variableOverrides: variableOverrides)
    }

    /// Reads and checks the Taskfile at `path`.
    ///
    /// - Throws: `TaskfileError`: `.fileNotFound`, `.isDirectory`, `.unreadable` (also for a FIFO, a
    ///   device or anything else that is not a regular file), and every case
    ///   ``parse(contents:path:variableOverrides:)`` throws.
    package func parse(fileAt path: String, variableOverrides: [String: String] = [:]) throws -> Taskfile {
        try parseTyped(fileAt: ProjectPath.absolute(path, base: workingDirectory), variableOverrides: variableOverrides)
    }

    /// Checks Taskfile `contents` as if read from `path`.
    ///
    /// - Parameters:
    ///   - contents: The bytes of the file (UTF-8; a byte-order mark is allowed).
    ///   - path: The absolute path the contents belong to (it sets the project directory).
    ///   - variableOverrides: As in ``load(file:in:variableOverrides:)``.
    /// - Throws: `TaskfileError`: `.invalidUTF8`, `.invalidYAML`, `.duplicateKey`, `.missingVersion`,
    ///   `.unsupportedVersion`, `.unknownKey`, `.wrongType`, `.invalidValue`, `.invalidDuration`,
    ///   `.invalidTaskName`, `.invalidVariableName`, `.invalidOverride`, `.malformedPlaceholder`,
    ///   `.unknownPlaceholder`, `.unavailablePlaceholder`, `.variableCycle`.
    package func parse(contents: [UInt8], path: String, variableOverrides: [String: String] = [:]) throws -> Taskfile {
        try parseTyped(contents: contents, path: path, variableOverrides: variableOverrides)
    }

    /// Splits a command-line argument of the form `NAME=value` into a var override.
    ///
    /// - Returns: `nil` when the argument is not `NAME=value` with `NAME` a valid var name (then it is a
    ///   target). The value may be empty and may contain `=`.
    package static func variableOverride(from argument: String) -> (name: String, value: String)? {
        guard let equals = argument.firstIndex(of: "=") else { return nil }
        let name = argument[..<equals]
        guard Template.isValidName(name) else { return nil }
        return (String(name), String(argument[argument.index(after: equals)...]))
    }

    // MARK: - Typed implementation

    func locateTyped(in directory: String) throws(TaskfileError) -> String {
        let directory = ProjectPath.absolute(directory, base: workingDirectory)
        for name in Self.fileNames {
            let candidate = ProjectPath.join(directory, name)
            do {
                if let metadata = try fileSystem.metadata(atPath: candidate), metadata.kind != .directory {
                    return candidate
                }
            } catch {
                throw .unreadable(path: displayPath(candidate), underlying: error)
            }
        }
        throw .noTaskfile(directory: displayPath(directory))
    }

    func parseTyped(fileAt path: String, variableOverrides: [String: String]) throws(TaskfileError) -> Taskfile {
        try parseTyped(contents: try readTyped(fileAt: path), path: path, variableOverrides: variableOverrides)
    }

    /// Locates (unless `file` is given) and reads a Taskfile without parsing it: its absolute path and bytes.
    ///
    /// - Throws: `TaskfileError`, as ``load(file:in:variableOverrides:)`` before parsing.
    func readSource(file: String?, in directory: String? = nil) throws(TaskfileError) -> (path: String, bytes: [UInt8])
    {
        let path: String
        if let file {
            path = ProjectPath.absolute(file, base: workingDirectory)
        } else {
            path = try locateTyped(in: directory ?? workingDirectory)
        }
        return (path, try readTyped(fileAt: path))
    }

    /// The bytes of the Taskfile at the absolute `path`, which must be a regular file (or a link to one).
    func readTyped(fileAt path: String) throws(TaskfileError) -> [UInt8] {
        let shown = displayPath(path)
        let metadata: FileMetadata?
        do {
            metadata = try fileSystem.metadata(atPath: path)
        } catch {
            throw .unreadable(path: shown, underlying: error)
        }
        guard let metadata else { throw .fileNotFound(path: shown) }
        if metadata.kind == .directory { throw .isDirectory(path: shown) }
        // Reading a FIFO without a writer blocks for ever, a device may never end: only regular files
        // (or links to them) are read.
        guard metadata.kind == .regularFile else {
            throw .unreadable(path: shown, underlying: .wrongKind(path: path, expected: "a regular file"))
        }
        let bytes: [UInt8]
        do {
            bytes = try fileSystem.readFile(atPath: path)
        } catch {
            throw .unreadable(path: shown, underlying: error)
        }
        return bytes
    }

    func parseTyped(
        contents: [UInt8], path: String, variableOverrides: [String: String]
    ) throws(TaskfileError) -> Taskfile {
        let path = ProjectPath.absolute(path, base: workingDirectory)
        let source = try SourceText(bytes: contents, file: displayPath(path))
        var reader = TaskfileReader(
            source: source, path: path, overrides: variableOverrides, composesByHand: composesByHand)
        return try reader.read()
    }

    /// `path` relative to the working directory when below it, else as is.
    func displayPath(_ path: String) -> String {
        ProjectPath.relative(path, toAncestor: workingDirectory) ?? path
    }
}
