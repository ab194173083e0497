/// Everything that makes a Taskfile unusable, found while loading it or building its graph.
///
/// Each case carries the location of the offending key or value where there is one; ``description`` is
/// the compiler-style message users read, location first:
/// `Taskfile.yml:14:7: task 'link' depends on unknown task 'compil' (did you mean 'compile'?)`.
/// Any of these means "nothing runs" and exit status 2.
package enum TaskfileError: Error, Sendable, Equatable, CustomStringConvertible {
    // MARK: Finding and reading the file

    /// None of `Taskfile`, `Taskfile.yml`, `Taskfile.yaml` exists in `directory`.
    case noTaskfile(directory: String)
    /// The file named explicitly (`-f PATH`) does not exist.
    case fileNotFound(path: String)
    /// The path names a directory, not a file.
    case isDirectory(path: String)
    /// The file could not be read.
    case unreadable(path: String, underlying: FileSystemError)
    /// The file is not valid UTF-8; the location is the first bad byte.
    case invalidUTF8(SourceLocation)
    /// The YAML is malformed (libyaml's problem text and, if any, its context).
    case invalidYAML(SourceLocation, problem: String)

    // MARK: Structure and values

    /// There is no `version:` key (or the document is empty).
    case missingVersion(SourceLocation)
    /// `version:` is not 1. `isGoTask` when it is 2 or 3, the versions of go-task Taskfiles.
    case unsupportedVersion(SourceLocation, found: String, isGoTask: Bool)
    /// A key that is not allowed where it is written. `context` names the mapping (`task 'app'`, `the
    /// Taskfile`, `retry`); `suggestion` is the closest allowed key.
    case unknownKey(SourceLocation, key: String, context: String, suggestion: String?)
    /// A key written twice in one mapping; the location is the second one.
    case duplicateKey(SourceLocation, key: String, firstLine: Int?)
    /// A value of the wrong kind (`expected` such as "a string or a list of strings").
    case wrongType(SourceLocation, key: String, expected: String, found: String)
    /// A value of the right kind but not allowed (`shards: 0`, a negative cost, a bad retry).
    case invalidValue(SourceLocation, key: String, value: String, reason: String)
    /// A duration that does not read as `200ms`, `5s`, `2m`, `1h`, `1m30s`.
    case invalidDuration(SourceLocation, key: String, text: String)
    /// A task name that is empty or contains whitespace, `[`, `]` or `=`.
    case invalidTaskName(SourceLocation, name: String)
    /// A var name that is not `[A-Za-z_][A-Za-z0-9_]*` or is the name of a built-in placeholder.
    case invalidVariableName(SourceLocation, name: String, reason: String)
    /// A command-line var definition that is not `NAME=value` with a valid name.
    case invalidOverride(argument: String)

    // MARK: Placeholders and vars

    /// A `{{` without `}}`, or braces around something that is not a name.
    case malformedPlaceholder(SourceLocation, text: String)
    /// A placeholder that is neither built in nor a var.
    case unknownPlaceholder(SourceLocation, name: String, suggestion: String?)
    /// A placeholder used where it has no meaning (`{{item}}` without `foreach`, `{{output}}` in `outputs`).
    case unavailablePlaceholder(SourceLocation, name: String, reason: String)
    /// A placeholder that names an empty list for some instance (`{{input}}` when there is no input).
    case emptyPlaceholder(SourceLocation, name: String, instance: String)
    /// Vars referencing each other in a circle, named in full: `A -> B -> A`.
    case variableCycle(SourceLocation, cycle: [String])

    // MARK: Graph

    /// `deps:` names a task that does not exist.
    case unknownDependency(SourceLocation, task: String, dependency: String, suggestion: String?)
    /// Two task instances declare the same output; the location is the second declaration.
    case duplicateOutput(
        SourceLocation, path: String, instance: String, otherInstance: String, otherLocation: SourceLocation)
    /// Instances depending on each other in a circle, named in full: `a -> b -> c -> a` (each depends
    /// on the next). The location is the input or dep that makes the first depend on the second.
    case dependencyCycle(SourceLocation, cycle: [String])
    /// An input that does not exist and that no task produces.
    case missingInput(SourceLocation, instance: String, path: String)
    /// A plain (non-glob) input that names a directory.
    case inputIsDirectory(SourceLocation, instance: String, path: String)
    /// An output, a `dir:` or a `depfile:` outside the project directory (`../x`, an absolute path elsewhere).
    case outsideProject(SourceLocation, instance: String, key: String, path: String)
    /// An output, a `depfile:` or the state directory (`key`) whose directory lies outside the project through
    /// the symbolic link `link` (project-relative), which points to `destination`: stask would write there.
    case outsideProjectThroughLink(
        SourceLocation, instance: String, key: String, path: String, link: String, destination: String)
    /// An output or a `depfile:` (`key`) inside `.stask/`, stask's own state directory.
    case outputInStateDirectory(SourceLocation, instance: String, key: String, path: String)
    /// An output written as a glob (outputs are always plain paths).
    case outputIsGlob(SourceLocation, task: String, text: String)
    /// A task's cost of `resource` exceeds the whole budget of that resource, so it could never run.
    case costExceedsBudget(SourceLocation, task: String, resource: String, cost: Double, budget: Double)
    /// A budget given by the caller (command line) that is negative or not finite.
    case invalidBudget(resource: String, amount: Double)
    /// `foreach` globs of these tasks keep matching each other's new outputs.
    case foreachDoesNotSettle(SourceLocation, tasks: [String])
    /// The file system failed while matching globs or checking inputs.
    case fileSystem(SourceLocation, underlying: FileSystemError)

    // MARK: Targets

    /// A target named on the command line (or in `default:`) that is no task, instance or output.
    /// `location` is set for `default:` entries.
    case unknownTarget(SourceLocation?, target: String, suggestion: String?)
}
