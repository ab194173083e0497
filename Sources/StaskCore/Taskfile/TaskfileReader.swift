import Yams

/// Walks the composed YAML of one Taskfile and builds the ``Taskfile`` model, checking as it goes.
///
/// Errors are thrown in document order, the first one wins.
struct TaskfileReader {
    static let topLevelKeys = ["version", "vars", "env", "budget", "default", "remote_cache", "remote", "tasks"]

    let source: SourceText
    let path: String
    let overrides: [String: String]
    /// Resolved var values, filled by ``readVars(_:)``.
    var variables: [String: String] = [:]
    /// Bounds the values visited, against alias bombs.
    let budget: ExpansionBudget
    /// Whether plain scalars get their tags from ``PlainScalarTag`` (Yams composes with no resolver rules):
    /// true unless the text holds a `!`, which may write an explicit tag (`!!str yes`) that the composed
    /// node would then not tell apart from a plain one.
    let tagsPlainScalarsByHand: Bool
    /// Whether ``FastYAMLComposer`` composes the text when it can (Yams composes the rest); tests turn it
    /// off to compare the two.
    let composesByHand: Bool

    init(source: SourceText, path: String, overrides: [String: String], composesByHand: Bool = true) {
        self.source = source
        self.path = path
        self.overrides = overrides
        self.composesByHand = composesByHand
        budget = ExpansionBudget(byteCount: source.text.utf8.count)
        tagsPlainScalarsByHand = !source.bytes.contains(UInt8(ascii: "!"))
    }

    /// The resolver Yams composes with; see ``tagsPlainScalarsByHand``.
    var resolver: Resolver { tagsPlainScalarsByHand ? .basic : .default }

    mutating func read() throws(TaskfileError) -> Taskfile {
        guard let root = try compose() else {
            throw .missingVersion(source.location(line: 1, column: 1))
        }
        let entries = try entries(
            of: root, key: "Taskfile", expected: "a mapping with the keys 'version' and 'tasks'")
        guard let version = entries.first(where: { $0.key == "version" }) else {
            throw .missingVersion(location(of: root))
        }
        try checkVersion(version.value)
        try checkKeys(entries, allowed: Self.topLevelKeys, context: "the Taskfile")
        func value(_ key: String) -> YAMLNode? { entries.first { $0.key == key }?.value }

        let vars = try readVars(value("vars"))
        var env: [EnvironmentVariable] = []
        if let node = value("env") {
            env = try readEnvironment(node, key: "env", rules: .taskfileEnvironment)
        }
        var budget: [String: Double] = [:]
        var budgetLocations: [String: SourceLocation] = [:]
        if let node = value("budget") {
            for entry in try self.entries(of: node, key: "budget") {
                let amount = try resourceAmount(entry.value, resource: entry.key, key: "budget.\(entry.key)")
                if amount < 0 {
                    throw .invalidValue(
                        location(of: entry.value), key: "budget.\(entry.key)", value: TaskfileError.number(amount),
                        reason: "must not be negative")
                }
                budget[entry.key] = amount
                budgetLocations[entry.key] = location(of: entry.value)
            }
        }
        var defaultTargets: [Located<String>] = []
        if let node = value("default") {
            defaultTargets = try strings(node, key: "default").map { Located($0.text, at: location(of: $0.node)) }
        }
        var remoteCache: Located<RemoteCacheEndpoint>?
        if let node = value("remote_cache") {
            let text = try string(node, key: "remote_cache")
            do {
                remoteCache = Located(try RemoteCacheEndpoint(parsing: text), at: location(of: node))
            } catch {
                guard case .invalidURL(_, let reason) = error else { preconditionFailure("one error case") }
                throw .invalidValue(
                    location(of: node), key: "remote_cache", value: RemoteCacheEndpoint.redacted(text), reason: reason)
            }
        }
        let remote = try value("remote").map { node throws(TaskfileError) in try readRemote(node) }
        var tasks: [TaskDefinition] = []
        if let node = value("tasks") {
            for entry in try self.entries(of: node, key: "tasks") {
                tasks.append(try readTask(entry))
            }
        }
        return Taskfile(
            path: path, displayPath: source.file, version: 1, vars: vars, env: env, budget: budget,
            budgetLocations: budgetLocations, defaultTargets: defaultTargets, remoteCache: remoteCache, remote: remote,
            tasks: tasks)
    }

    /// `remote: {executor: grpc://…, instance: NAME, jobs: N}`.
    private func readRemote(_ node: YAMLNode) throws(TaskfileError) -> TaskfileRemote {
        let entries = try self.entries(of: node, key: "remote")
        try checkKeys(entries, allowed: ["executor", "instance", "jobs"], context: "remote")
        func value(_ key: String) -> YAMLNode? { entries.first { $0.key == key }?.value }
        guard let executorNode = value("executor") else {
            throw .invalidValue(
                location(of: node), key: "remote", value: "",
                reason: "needs an executor: grpc://HOST:PORT[/INSTANCE] (the Remote Execution API cluster)")
        }
        let text = try string(executorNode, key: "remote.executor")
        let executor: RemoteExecutorSelection
        do {
            executor = try RemoteExecutorSelection(parsing: text)
        } catch {
            guard case .invalidURL(_, let reason) = error else { preconditionFailure("one error case") }
            throw .invalidValue(
                location(of: executorNode), key: "remote.executor", value: RemoteCacheEndpoint.redacted(text),
                reason: reason)
        }
        guard case .server(let endpoint) = executor else {
            throw .invalidValue(
                location(of: executorNode), key: "remote.executor", value: text,
                reason: "expected grpc://HOST:PORT[/INSTANCE]; leave the remote section out for none")
        }
        var remote = TaskfileRemote(executor: Located(endpoint, at: location(of: executorNode)))
        if let node = value("instance") { remote.instance = try string(node, key: "remote.instance") }
        if let node = value("jobs") {
            let jobs = try integer(node, key: "remote.jobs")
            guard jobs > 0 else {
                throw .invalidValue(
                    location(of: node), key: "remote.jobs", value: "\(jobs)", reason: "must be at least 1")
            }
            remote.jobs = jobs
        }
        return remote
    }

    // MARK: - YAML

    private func compose() throws(TaskfileError) -> YAMLNode? {
        if composesByHand, let root = FastYAMLComposer(source: source).compose() { return root }
        try refuseAliasKeys()
        do {
            return try YAMLNode.composedByYams(
                source.text, resolver: resolver, tagsPlainScalarsByHand: tagsPlainScalarsByHand)
        } catch let error as YamlError {
            throw translate(error)
        } catch {
            throw .invalidYAML(source.location(line: 1, column: 1), problem: "\(error)")
        }
    }

    func translate(_ error: YamlError) -> TaskfileError {
        func described(_ problem: String, _ context: YamlError.Context?) -> String {
            guard let context else { return problem }
            return "\(problem) (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let location = source.location(line: mark.line, column: mark.column)
            // libyaml's words for two common mistakes name neither the mistake nor the fix.
            if problem == "found character that cannot start any token" && source.startsWithTab(at: location) {
                return .invalidYAML(
                    location, problem: "found a tab character where YAML allows only spaces (indent with spaces)")
            }
            if problem.hasPrefix("Maximum nesting level reached") {
                return .invalidYAML(location, problem: "lists and mappings nest more than 1000 levels deep")
            }
            return .invalidYAML(location, problem: described(problem, context))
        case .reader(let problem, let offset, _, _):
            return .invalidYAML(source.location(ofCharacterOffset: offset ?? 0), problem: problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? ""
            let first = source.location(line: context.mark.line, column: context.mark.column)
            if let second = source.repeatedKey(key, after: first) {
                return .duplicateKey(second, key: key, firstLine: first.line)
            }
            return .duplicateKey(first, key: key, firstLine: nil)
        default:
            return .invalidYAML(source.location(line: 1, column: 1), problem: "\(error)")
        }
    }

    // MARK: - Version

    private func checkVersion(_ node: YAMLNode) throws(TaskfileError) {
        guard node.kind == .scalar, !isNull(node) else {
            throw .wrongType(location(of: node), key: "version", expected: "1", found: kindName(of: node))
        }
        let text = node.string.trimmingSpaces()
        if text == "1" { return }
        let major = text.split(separator: ".").first.map(String.init) ?? text
        throw .unsupportedVersion(location(of: node), found: text, isGoTask: major == "2" || major == "3")
    }

    // MARK: - Vars

    /// Reads `vars:`, applies the command-line overrides and resolves references between vars.
    private mutating func readVars(_ node: YAMLNode?) throws(TaskfileError) -> [TaskfileVariable] {
        for name in overrides.keys.sorted() {
            guard Template.isValidName(name), Placeholder.builtIns[name] == nil else {
                throw .invalidOverride(argument: "\(name)=\(overrides[name] ?? "")")
            }
        }
        var written: [(name: String, template: Template, location: SourceLocation)] = []
        if let node {
            for entry in try entries(of: node, key: "vars") {
                if !Template.isValidName(entry.key) {
                    throw .invalidVariableName(
                        entry.keyLocation, name: entry.key,
                        reason: "use letters, digits and '_', not starting with a digit")
                }
                if Placeholder.builtIns[entry.key] != nil {
                    throw .invalidVariableName(
                        entry.keyLocation, name: entry.key, reason: "it is the name of a built-in placeholder")
                }
                let text = try string(entry.value, key: entry.key, nullAsEmpty: true)
                written.append((entry.key, try template(text, node: entry.value), entry.keyLocation))
            }
        }
        let templates = Dictionary(written.map { ($0.name, $0.template) }, uniquingKeysWith: { first, _ in first })
        let byteLimit = (1 << 20) + 16 * source.text.utf8.count
        var resolver = VariableResolver(templates: templates, overrides: overrides, byteLimit: byteLimit)
        for entry in written { _ = try resolver.resolve(entry.name) }
        variables = resolver.values
        var result = written.map { entry in
            TaskfileVariable(
                name: entry.name, value: resolver.values[entry.name] ?? "", written: entry.template,
                origin: overrides[entry.name] == nil ? .taskfile : .commandLine, location: entry.location)
        }
        for name in overrides.keys.sorted() where templates[name] == nil {
            result.append(
                TaskfileVariable(
                    name: name, value: overrides[name] ?? "", written: nil, origin: .commandLine, location: nil))
        }
        return result
    }

    // MARK: - Environment

    func readEnvironment(_ node: YAMLNode, key: String, rules: PlaceholderRules) throws(TaskfileError)
        -> [EnvironmentVariable]
    {
        var result: [EnvironmentVariable] = []
        for entry in try entries(of: node, key: key) {
            if entry.key.isEmpty || entry.key.contains("=") || entry.key.unicodeScalars.contains("\0") {
                throw .invalidValue(
                    entry.keyLocation, key: key, value: entry.key,
                    reason: "an environment variable name cannot be empty or contain '='")
            }
            let text = try string(entry.value, key: entry.key, nullAsEmpty: true)
            let value = try template(text, node: entry.value)
            try check(value, rules: rules)
            result.append(EnvironmentVariable(name: entry.key, value: value, location: entry.keyLocation))
        }
        return result
    }
}

/// Resolves vars that reference other vars, depth first, detecting cycles.
///
/// Iterative, with a stack of its own: a chain of thousands of vars (`V0: "{{V1}}"`, `V1: "{{V2}}"`,
/// …) overflowed the call stack when each reference was a recursive call. The values of all vars
/// together may not exceed `byteLimit`: vars that each name the previous one twice double at every
/// step, and 40 of them would ask for a terabyte.
private struct VariableResolver {
    let templates: [String: Template]
    let overrides: [String: String]
    let byteLimit: Int
    var values: [String: String] = [:]
    private var resolvedBytes = 0

    /// A var being resolved: its template, the next segment to add, the value so far.
    private struct Frame {
        let name: String
        let segments: [Template.Segment]
        var next = 0
        var value = ""
    }

    init(templates: [String: Template], overrides: [String: String], byteLimit: Int) {
        self.templates = templates
        self.overrides = overrides
        self.byteLimit = byteLimit
        for (name, value) in overrides { values[name] = value }
    }

    mutating func resolve(_ name: String) throws(TaskfileError) -> String {
        if let value = values[name] { return value }
        guard let template = templates[name] else { preconditionFailure("resolve only known vars") }
        var stack = [Frame(name: name, segments: template.segments)]
        var inProgress: Set<String> = [name]
        while let frame = stack.last {
            guard frame.next < frame.segments.count else {
                stack.removeLast()
                inProgress.remove(frame.name)
                values[frame.name] = frame.value
                if !stack.isEmpty { try append(frame.value, to: &stack, at: nil) }
                continue
            }
            let segment = frame.segments[frame.next]
            stack[stack.count - 1].next += 1
            switch segment {
            case .literal(let text):
                try append(text, to: &stack, at: nil)
            case .placeholder(.variable(let reference), let location):
                if let value = values[reference] {
                    try append(value, to: &stack, at: location)
                    continue
                }
                if inProgress.contains(reference) {
                    let names = stack.map(\.name)
                    let start = names.firstIndex(of: reference) ?? 0
                    let cycle = Array(names[start...]) + [reference]
                    let first = templates[cycle[0]]?.placeholders.first { $0.placeholder == .variable(cycle[1]) }
                    throw .variableCycle(first?.location ?? location, cycle: cycle)
                }
                guard let referenced = templates[reference] else {
                    let candidates = templates.keys.sorted() + overrides.keys.sorted()
                    throw .unknownPlaceholder(
                        location, name: reference, suggestion: Suggestion.closest(to: reference, in: candidates))
                }
                inProgress.insert(reference)
                stack.append(Frame(name: reference, segments: referenced.segments))
            case .placeholder(let placeholder, let location):
                throw .unavailablePlaceholder(
                    location, name: placeholder.name,
                    reason: "cannot be used in a var (a var has one value for every task)")
            }
        }
        return values[name] ?? ""
    }

    /// Adds `text` to the value of the var on top of `stack`, within the byte limit.
    private mutating func append(
        _ text: String, to stack: inout [Frame], at location: SourceLocation?
    ) throws(TaskfileError) {
        resolvedBytes += text.utf8.count
        if resolvedBytes > byteLimit {
            let name = stack[stack.count - 1].name
            throw .invalidValue(
                location ?? templates[name]?.location ?? SourceLocation(file: "", line: 1, column: 1), key: name,
                value: "", reason: "vars expand to more than \(byteLimit) bytes in all")
        }
        stack[stack.count - 1].value += text
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
