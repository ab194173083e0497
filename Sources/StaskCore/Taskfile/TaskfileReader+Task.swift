import AsyncStreams

// MARK: - Tasks

extension TaskfileReader {
    /// Reads one entry of `tasks:`.
    func readTask(_ entry: MappingEntry) throws(TaskfileError) -> TaskDefinition {
        let name = entry.key
        if name.isEmpty || Self.hasForbiddenCharacter(name) {
            throw .invalidTaskName(entry.keyLocation, name: name)
        }
        let context = "task '\(name)'"
        let entries = try self.entries(of: entry.value, key: name)
        // Each key's raw value is looked up once (a string switch); a task file of 10,000 tasks has 50,000.
        let keys = entries.map { TaskDefinition.Key(rawValue: $0.key) }
        if keys.contains(nil) {
            try checkKeys(entries, allowed: TaskDefinition.Key.allCases.map(\.rawValue), context: context)
        }
        var foreachNode: YAMLNode?
        var shardsNode: YAMLNode?
        var keyLocations = [TaskDefinition.Key: SourceLocation](minimumCapacity: entries.count)
        var valueLocations = [TaskDefinition.Key: SourceLocation](minimumCapacity: entries.count)
        for (entry, key) in zip(entries, keys) {
            guard let key else { continue }
            if key == .foreach { foreachNode = entry.value }
            if key == .shards { shardsNode = entry.value }
            keyLocations[key] = entry.keyLocation
            valueLocations[key] = location(of: entry.value)
        }

        // Keys are read in file order so that the first error in the file is the one reported; the
        // placeholder rules of some keys depend on `foreach` and `shards`, read first.
        let hasForeach: Bool
        if let node = foreachNode {
            hasForeach = node.kind == .sequence ? !node.children.isEmpty : !isNull(node)
        } else {
            hasForeach = false
        }
        var shards: Int?
        if let node = shardsNode {
            let count = try integer(node, key: "shards")
            if count < 1 {
                throw .invalidValue(
                    location(of: node), key: "shards", value: String(count), reason: "must be at least 1")
            }
            if count > TaskDefinition.maximumShards {
                throw .invalidValue(
                    location(of: node), key: "shards", value: String(count),
                    reason: "must be at most \(TaskDefinition.maximumShards)")
            }
            shards = count
        }
        func rules(_ place: PlaceholderRules.Place) -> PlaceholderRules {
            PlaceholderRules(place: place, task: name, hasForeach: hasForeach, isSharded: shards != nil)
        }

        var desc: String?
        var inputs: [Template] = []
        var outputs: [Template] = []
        var deps: [Located<String>] = []
        var run: [Template] = []
        var foreach: [Template]?
        var cost: ResourceCost?
        var costLocations: [String: SourceLocation] = [:]
        var priority: Double = 0
        var retry = RetryPolicy.none
        var timeout: Duration?
        var dir: Template?
        var env: [EnvironmentVariable] = []
        var always = false
        var remote = true
        var remoteInputs: [String] = []
        var jobserver: JobserverStyle?
        var depfile: Template?

        for (entry, key) in zip(entries, keys) {
            guard let key else { continue }
            let node = entry.value
            switch key {
            case .desc:
                desc = try string(node, key: "desc")
            case .inputs:
                inputs = try templates(node, key: "inputs", rules: rules(.inputs))
            case .outputs:
                outputs = try templates(node, key: "outputs", rules: rules(.outputs))
            case .deps:
                deps = try strings(node, key: "deps").map { Located($0.text, at: location(of: $0.node)) }
            case .run:
                run = try templates(node, key: "run", rules: rules(.run))
            case .foreach:
                let patterns = try templates(node, key: "foreach", rules: rules(.foreach))
                foreach = patterns.isEmpty ? nil : patterns
            case .shards:
                break
            case .cost:
                var amounts: [String: Double] = [:]
                for costEntry in try self.entries(of: node, key: "cost") {
                    let amount = try resourceAmount(
                        costEntry.value, resource: costEntry.key, key: "cost.\(costEntry.key)")
                    if amount < 0 {
                        throw .invalidValue(
                            location(of: costEntry.value), key: "cost.\(costEntry.key)",
                            value: TaskfileError.number(amount), reason: "must not be negative")
                    }
                    amounts[costEntry.key] = amount
                    costLocations[costEntry.key] = location(of: costEntry.value)
                }
                cost = ResourceCost(amounts)
            case .priority:
                priority = try number(node, key: "priority")
            case .retry:
                retry = try readRetry(node)
            case .timeout:
                timeout = try duration(node, key: "timeout", positive: true)
            case .dir:
                let text = try string(node, key: "dir")
                let template = try template(text, node: node)
                try check(template, rules: rules(.dir))
                dir = template
            case .env:
                env = try readEnvironment(node, key: "env", rules: rules(.taskEnvironment))
            case .always:
                always = try boolean(node, key: "always")
            case .remote:
                remote = try boolean(node, key: "remote")
            case .remoteInputs:
                for entry in try strings(node, key: "remote_inputs") {
                    guard !entry.text.contains("{{") else {
                        throw .invalidValue(
                            location(of: entry.node), key: "remote_inputs", value: entry.text,
                            reason: "takes plain paths and globs, without placeholders")
                    }
                    remoteInputs.append(entry.text)
                }
            case .jobserver:
                jobserver = try jobserverStyle(node)
            case .depfile:
                let text = try string(node, key: "depfile")
                let template = try template(text, node: node)
                try check(template, rules: rules(.depfile))
                depfile = template
            }
        }
        return TaskDefinition(
            name: name, location: entry.keyLocation, desc: desc, inputs: inputs, outputs: outputs, deps: deps,
            run: run, foreach: foreach, shards: shards, cost: cost, costLocations: costLocations, priority: priority,
            retry: retry, timeout: timeout, dir: dir, env: env, always: always, depfile: depfile,
            jobserver: jobserver, remote: remote, remoteInputs: remoteInputs, keyLocations: keyLocations,
            valueLocations: valueLocations)
    }

    /// Whether a task name holds whitespace, `[`, `]` or `=`.
    static func hasForbiddenCharacter(_ name: String) -> Bool {
        // Looking up Unicode's whitespace property is slow; an ASCII name (nearly every one) is checked by
        // byte, with ASCII's whitespace: tab, line feed, vertical tab, form feed, carriage return, space.
        var isASCII = true
        for byte in name.utf8 {
            if byte >= 0x80 {
                isASCII = false
                break
            }
            if byte == 0x20 || (0x09...0x0D).contains(byte) || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
                || byte == UInt8(ascii: "=")
            {
                return true
            }
        }
        if isASCII { return false }
        return name.unicodeScalars.contains { $0.properties.isWhitespace || "[]=".unicodeScalars.contains($0) }
    }

    /// A string or list of strings, each parsed as a template and checked against `rules`.
    private func templates(_ node: YAMLNode, key: String, rules: PlaceholderRules) throws(TaskfileError) -> [Template] {
        var result: [Template] = []
        for (text, item) in try strings(node, key: key) {
            let template = try template(text, node: item)
            try check(template, rules: rules)
            result.append(template)
        }
        return result
    }

    /// `retry: 3` or `retry: {attempts: 3, backoff: 200ms, max_backoff: 5s}`.
    private func readRetry(_ node: YAMLNode) throws(TaskfileError) -> RetryPolicy {
        func attempts(_ node: YAMLNode, key: String) throws(TaskfileError) -> Int {
            let count = try integer(node, key: key)
            if count < 1 {
                throw .invalidValue(
                    location(of: node), key: key, value: String(count),
                    reason: "must be at least 1 (the first try counts)")
            }
            return count
        }
        if node.kind == .scalar {
            return RetryPolicy(attempts: try attempts(node, key: "retry"))
        }
        guard node.kind == .mapping else {
            throw .wrongType(
                location(of: node), key: "retry", expected: "a number of attempts or a mapping",
                found: kindName(of: node))
        }
        let entries = try self.entries(of: node, key: "retry")
        try checkKeys(entries, allowed: ["attempts", "backoff", "max_backoff"], context: "retry")
        guard let attemptsEntry = entries.first(where: { $0.key == "attempts" }) else {
            throw .invalidValue(location(of: node), key: "retry", value: "", reason: "'attempts' is required")
        }
        let count = try attempts(attemptsEntry.value, key: "attempts")
        var backoff = RetryPolicy.defaultBackoff
        var maxBackoff: Duration?
        var maxBackoffNode: YAMLNode?
        for entry in entries {
            switch entry.key {
            case "backoff": backoff = try duration(entry.value, key: "backoff", positive: false)
            case "max_backoff":
                maxBackoff = try duration(entry.value, key: "max_backoff", positive: false)
                maxBackoffNode = entry.value
            default: break
            }
        }
        if let maxBackoff, let maxBackoffNode, maxBackoff < backoff {
            throw .invalidValue(
                location(of: maxBackoffNode), key: "max_backoff", value: (try? string(maxBackoffNode, key: "")) ?? "",
                reason: "must not be shorter than 'backoff'")
        }
        return RetryPolicy(
            attempts: count, backoff: backoff, maxBackoff: maxBackoff ?? max(backoff, RetryPolicy.defaultMaxBackoff))
    }

    /// `jobserver: true` (or `pipe`), `fifo`, or `false`.
    func jobserverStyle(_ node: YAMLNode) throws(TaskfileError) -> JobserverStyle? {
        if node.kind == .scalar, tagName(node) == .str {
            switch node.string {
            case "pipe": return .pipe
            case "fifo": return .fifo
            default:
                throw .invalidValue(
                    location(of: node), key: "jobserver", value: node.string,
                    reason: "expected true, false, pipe or fifo")
            }
        }
        return try boolean(node, key: "jobserver") ? .pipe : nil
    }
}
