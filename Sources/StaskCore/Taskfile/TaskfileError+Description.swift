// MARK: - CustomStringConvertible

extension TaskfileError {
    /// The compiler-style message: `file:line:column: what is wrong (hint)`.
    package var description: String {
        switch self {
        case .noTaskfile(let directory):
            return "\(directory): no Taskfile found (looked for 'Taskfile', 'Taskfile.yml', 'Taskfile.yaml')"
        case .fileNotFound(let path):
            return "\(path): no such Taskfile"
        case .isDirectory(let path):
            return "\(path): is a directory, not a Taskfile"
        case .unreadable(let path, let underlying):
            return "\(path): cannot read the Taskfile: \(underlying)"
        case .invalidUTF8(let location):
            return "\(location): the Taskfile is not valid UTF-8"
        case .invalidYAML(let location, let problem):
            return "\(location): invalid YAML: \(problem)"
        case .missingVersion(let location):
            return "\(location): missing 'version: 1' (stask reads Taskfile version 1)"
        case .unsupportedVersion(let location, let found, let isGoTask):
            if isGoTask {
                return "\(location): this looks like a go-task Taskfile (version \(found)); stask reads version 1"
            }
            return "\(location): unsupported Taskfile version '\(found)'; stask reads version 1"
        case .unknownKey(let location, let key, let context, let suggestion):
            return "\(location): unknown key '\(key)' in \(context)\(hint(suggestion))"
        case .duplicateKey(let location, let key, let firstLine):
            let first = firstLine.map { " (first written on line \($0))" } ?? ""
            return "\(location): duplicate key '\(key)'\(first)"
        case .wrongType(let location, let key, let expected, let found):
            return "\(location): '\(key)' must be \(expected), not \(found)"
        case .invalidValue(let location, let key, let value, let reason):
            if value.isEmpty { return "\(location): invalid '\(key)': \(reason)" }
            return "\(location): invalid '\(key)' value '\(value)': \(reason)"
        case .invalidDuration(let location, let key, let text):
            return "\(location): invalid duration '\(text)' for '\(key)' (write e.g. 200ms, 5s, 2m, 1h, 1m30s)"
        case .invalidTaskName(let location, let name):
            return "\(location): invalid task name '\(name)' (no spaces, '[', ']' or '=')"
        case .invalidVariableName(let location, let name, let reason):
            return "\(location): invalid var name '\(name)': \(reason)"
        case .invalidOverride(let argument):
            return "'\(argument)': expected a var definition NAME=value"
        case .malformedPlaceholder(let location, let text):
            return "\(location): malformed placeholder '\(text)' (write {{NAME}}; write {{{{ for a literal '{{')"
        case .unknownPlaceholder(let location, let name, let suggestion):
            return "\(location): unknown placeholder '{{\(name)}}'\(hint(suggestion.map { "{{\($0)}}" }))"
        case .unavailablePlaceholder(let location, let name, let reason):
            return "\(location): placeholder '{{\(name)}}' \(reason)"
        case .emptyPlaceholder(let location, let name, let instance):
            return "\(location): placeholder '{{\(name)}}' has nothing to name in '\(instance)'"
        case .variableCycle(let location, let cycle):
            return "\(location): vars reference each other in a cycle: \(cycle.joined(separator: " -> "))"
        case .unknownDependency(let location, let task, let dependency, let suggestion):
            return "\(location): task '\(task)' depends on unknown task '\(dependency)'\(hint(suggestion))"
        case .duplicateOutput(let location, let path, let instance, let otherInstance, let otherLocation):
            return
                "\(location): output '\(path)' of '\(instance)' is already declared by '\(otherInstance)' at \(otherLocation)"
        case .dependencyCycle(let location, let cycle):
            return "\(location): dependency cycle: \(cycle.joined(separator: " -> "))"
        case .missingInput(let location, let instance, let path):
            return "\(location): input '\(path)' of '\(instance)' does not exist and no task produces it"
        case .inputIsDirectory(let location, let instance, let path):
            return "\(location): input '\(path)' of '\(instance)' is a directory (use a glob such as '\(path)/**')"
        case .outsideProject(let location, let instance, let key, let path):
            return "\(location): \(key) '\(path)' of '\(instance)' lies outside the project directory"
        case .outsideProjectThroughLink(let location, let instance, let key, let path, let link, let destination):
            return "\(location): \(key) '\(path)' of '\(instance)' lies outside the project directory through the "
                + "symbolic link '\(link)' (-> \(destination)); stask writes and removes only inside the project"
        case .outputInStateDirectory(let location, let instance, let key, let path):
            return "\(location): \(key) '\(path)' of '\(instance)' lies in stask's state directory '.stask'"
        case .outputIsGlob(let location, let task, let text):
            return "\(location): output '\(text)' of task '\(task)' is a glob; outputs must be plain paths"
        case .costExceedsBudget(let location, let task, let resource, let cost, let budget):
            return
                "\(location): task '\(task)' costs \(resource): \(Self.number(cost)), more than the whole budget (\(resource): \(Self.number(budget)))"
        case .invalidBudget(let resource, let amount):
            return "invalid budget \(resource)=\(Self.number(amount)): must be a non-negative number"
        case .foreachDoesNotSettle(let location, let tasks):
            return
                "\(location): the foreach globs of \(tasks.map { "'\($0)'" }.joined(separator: ", ")) keep matching each other's outputs"
        case .fileSystem(let location, let underlying):
            return "\(location): \(underlying)"
        case .unknownTarget(let location, let target, let suggestion):
            let prefix = location.map { "\($0): " } ?? ""
            return "\(prefix)unknown target '\(target)'\(hint(suggestion))"
        }
    }

    /// The location, where the error has one.
    package var location: SourceLocation? {
        switch self {
        case .noTaskfile, .fileNotFound, .isDirectory, .unreadable, .invalidOverride, .invalidBudget: nil
        case .invalidUTF8(let location), .invalidYAML(let location, _), .missingVersion(let location),
            .unsupportedVersion(let location, _, _), .unknownKey(let location, _, _, _),
            .duplicateKey(let location, _, _), .wrongType(let location, _, _, _),
            .invalidValue(let location, _, _, _), .invalidDuration(let location, _, _),
            .invalidTaskName(let location, _), .invalidVariableName(let location, _, _),
            .malformedPlaceholder(let location, _), .unknownPlaceholder(let location, _, _),
            .unavailablePlaceholder(let location, _, _), .emptyPlaceholder(let location, _, _),
            .variableCycle(let location, _), .unknownDependency(let location, _, _, _),
            .duplicateOutput(let location, _, _, _, _), .dependencyCycle(let location, _),
            .missingInput(let location, _, _), .inputIsDirectory(let location, _, _),
            .outsideProject(let location, _, _, _), .outputInStateDirectory(let location, _, _, _),
            .outsideProjectThroughLink(let location, _, _, _, _, _),
            .outputIsGlob(let location, _, _), .costExceedsBudget(let location, _, _, _, _),
            .foreachDoesNotSettle(let location, _), .fileSystem(let location, _):
            location
        case .unknownTarget(let location, _, _): location
        }
    }

    private func hint(_ suggestion: String?) -> String {
        suggestion.map { " (did you mean '\($0)'?)" } ?? ""
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
