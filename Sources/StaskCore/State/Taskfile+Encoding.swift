import AsyncStreams

/// A parsed Taskfile in a compact binary form, the payload of `ParsedTaskfileCache`.
///
/// Written by hand rather than with `Codable`: decoding a 10,000-task Taskfile must cost a few
/// milliseconds, not the hundreds that parsing its YAML does, and every value needs no more than a tag, a
/// varint or an inline string (see `StateBinaryWriter`). The file names of source locations, nearly
/// always the Taskfile's own, are written once in a table and shared by every location that names them.
///
/// Layout: the file table (count, then each name), then the Taskfile's fields in declaration order. An
/// optional is a byte (0 absent, 1 present) before its value; a list or dictionary is a count before its
/// elements (a dictionary's sorted by key, so that equal Taskfiles encode to equal bytes); a location is
/// (file index, line, column); a duration is its seconds and attoseconds; a task key is its position in
/// `TaskDefinition.Key.allCases`, one byte (the cache's key names the stask executable, so only the build of
/// stask that wrote a file reads it).
extension Taskfile {
    /// This Taskfile encoded; ``decoded(from:)`` gives back an equal value.
    func encoded() -> [UInt8] {
        var encoder = BinaryEncoder()
        encoder.taskfile(self)
        var table = StateBinaryWriter()
        table.varint(encoder.files.count)
        for file in encoder.files { table.inlineString(file) }
        table.append(encoder.out.bytes)
        return table.bytes
    }

    /// The layout's version, part of the cache file's header and key: raise it with every change to what
    /// ``encoded()`` writes (a file of another version is then a miss, never misread).
    static let encodingVersion: UInt32 = 4

    /// Decodes what ``encoded()`` wrote.
    ///
    /// - Throws: `StateDecodingError` when the bytes are not such an encoding, or hold a value the parser
    ///   would have refused (a shard count, resource amount, priority or port out of range): never a crash,
    ///   whatever they hold.
    static func decoded(from bytes: UnsafeRawBufferPointer) throws(StateDecodingError) -> Taskfile {
        var decoder = BinaryDecoder(reader: StateBinaryReader(bytes))
        let fileCount = try decoder.reader.count(limit: decoder.reader.remaining)
        decoder.files.reserveCapacity(fileCount)
        for _ in 0..<fileCount { decoder.files.append(try decoder.reader.inlineString()) }
        let taskfile = try decoder.taskfile()
        guard decoder.reader.isAtEnd else { throw StateDecodingError(detail: "trailing bytes after the Taskfile") }
        return taskfile
    }

    // MARK: - Encoding

    private struct BinaryEncoder {
        var out = StateBinaryWriter(capacity: 1 << 16)
        var files: [String] = []
        var fileIndices: [String: Int] = [:]

        mutating func taskfile(_ taskfile: Taskfile) {
            string(taskfile.path)
            string(taskfile.displayPath)
            out.varint(taskfile.version)
            list(taskfile.vars) { encoder, variable in encoder.variable(variable) }
            list(taskfile.env) { encoder, variable in encoder.environmentVariable(variable) }
            dictionary(taskfile.budget) { encoder, amount in encoder.out.float64(amount) }
            dictionary(taskfile.budgetLocations) { encoder, location in encoder.location(location) }
            list(taskfile.defaultTargets) { encoder, target in encoder.located(target) }
            optional(taskfile.remoteCache) { encoder, endpoint in encoder.endpoint(endpoint) }
            optional(taskfile.remote) { encoder, remote in
                encoder.endpoint(remote.executor)
                encoder.optional(remote.instance) { encoder, name in encoder.string(name) }
                encoder.optional(remote.jobs) { encoder, jobs in encoder.out.varint(jobs) }
            }
            list(taskfile.tasks) { encoder, task in encoder.task(task) }
        }

        mutating func endpoint(_ endpoint: Located<RemoteCacheEndpoint>) {
            string(endpoint.value.scheme.rawValue)
            string(endpoint.value.host)
            out.varint(endpoint.value.port)
            string(endpoint.value.pathPrefix)
            location(endpoint.location)
        }

        mutating func task(_ task: TaskDefinition) {
            string(task.name)
            location(task.location)
            optional(task.desc) { encoder, desc in encoder.string(desc) }
            list(task.inputs) { encoder, template in encoder.template(template) }
            list(task.outputs) { encoder, template in encoder.template(template) }
            list(task.deps) { encoder, dependency in encoder.located(dependency) }
            list(task.run) { encoder, template in encoder.template(template) }
            optional(task.foreach) { encoder, patterns in
                encoder.list(patterns) { encoder, template in encoder.template(template) }
            }
            optional(task.shards) { encoder, shards in encoder.out.varint(shards) }
            optional(task.cost) { encoder, cost in
                encoder.dictionary(cost.amounts) { encoder, amount in encoder.out.float64(amount) }
            }
            dictionary(task.costLocations) { encoder, location in encoder.location(location) }
            out.float64(task.priority)
            out.varint(task.retry.attempts)
            duration(task.retry.backoff)
            duration(task.retry.maxBackoff)
            optional(task.timeout) { encoder, timeout in encoder.duration(timeout) }
            optional(task.dir) { encoder, template in encoder.template(template) }
            list(task.env) { encoder, variable in encoder.environmentVariable(variable) }
            out.byte(task.always ? 1 : 0)
            optional(task.depfile) { encoder, template in encoder.template(template) }
            out.byte(task.jobserver.map { $0 == .pipe ? 1 : 2 } ?? 0)
            out.byte(task.remote ? 1 : 0)
            list(task.remoteInputs) { encoder, pattern in encoder.string(pattern) }
            keyLocations(task.keyLocations)
            keyLocations(task.valueLocations)
        }

        mutating func variable(_ variable: TaskfileVariable) {
            string(variable.name)
            string(variable.value)
            optional(variable.written) { encoder, template in encoder.template(template) }
            out.byte(variable.origin == .taskfile ? 0 : 1)
            optional(variable.location) { encoder, location in encoder.location(location) }
        }

        mutating func environmentVariable(_ variable: EnvironmentVariable) {
            string(variable.name)
            template(variable.value)
            location(variable.location)
        }

        /// A template's segments follow its text, except in the two commonest cases, told by the first
        /// byte: no segments (0), and one literal segment equal to the text (1), whose string the decoder
        /// shares with the text's.
        mutating func template(_ template: Template) {
            string(template.text)
            location(template.location)
            if template.segments.isEmpty {
                out.byte(0)
                return
            }
            if template.segments.count == 1, case .literal(let literal) = template.segments[0],
                literal == template.text
            {
                out.byte(1)
                return
            }
            out.byte(2)
            list(template.segments) { encoder, segment in
                switch segment {
                case .literal(let literal):
                    encoder.out.byte(0)
                    encoder.string(literal)
                case .placeholder(let placeholder, let location):
                    encoder.out.byte(1)
                    encoder.string(placeholder.name)
                    encoder.location(location)
                }
            }
        }

        mutating func keyLocations(_ locations: [TaskDefinition.Key: SourceLocation]) {
            out.varint(locations.count)
            for (key, location) in locations.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                out.byte(UInt8(TaskDefinition.Key.allCases.firstIndex(of: key)!))
                self.location(location)
            }
        }

        mutating func located(_ value: Located<String>) {
            string(value.value)
            location(value.location)
        }

        mutating func location(_ location: SourceLocation) {
            let index: Int
            if let known = fileIndices[location.file] {
                index = known
            } else {
                index = files.count
                files.append(location.file)
                fileIndices[location.file] = index
            }
            out.varint(index)
            out.varint(location.line)
            out.varint(location.column)
        }

        mutating func duration(_ duration: Duration) {
            out.int64(duration.components.seconds)
            out.int64(duration.components.attoseconds)
        }

        mutating func string(_ value: String) { out.inlineString(value) }

        mutating func optional<Value>(_ value: Value?, _ encode: (inout Self, Value) -> Void) {
            guard let value else {
                out.byte(0)
                return
            }
            out.byte(1)
            encode(&self, value)
        }

        mutating func list<Element>(_ elements: [Element], _ encode: (inout Self, Element) -> Void) {
            out.varint(elements.count)
            for element in elements { encode(&self, element) }
        }

        mutating func dictionary<Value>(_ values: [String: Value], _ encode: (inout Self, Value) -> Void) {
            out.varint(values.count)
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                string(key)
                encode(&self, value)
            }
        }
    }

    // MARK: - Decoding

    private struct BinaryDecoder {
        var reader: StateBinaryReader
        var files: [String] = []

        mutating func taskfile() throws(StateDecodingError) -> Taskfile {
            let path = try string()
            let displayPath = try string()
            let version = try int()
            let vars = try list { (decoder: inout Self) throws(StateDecodingError) in try decoder.variable() }
            let env = try list { (decoder: inout Self) throws(StateDecodingError) in try decoder.environmentVariable() }
            let budget = try dictionary { (decoder: inout Self) throws(StateDecodingError) in try decoder.amount() }
            let budgetLocations = try dictionary { (decoder: inout Self) throws(StateDecodingError) in
                try decoder.location()
            }
            let defaultTargets = try list { (decoder: inout Self) throws(StateDecodingError) in try decoder.located() }
            let remoteCache = try optional { (decoder: inout Self) throws(StateDecodingError) in try decoder.endpoint()
            }
            let remote = try optional { (decoder: inout Self) throws(StateDecodingError) in
                let executor = try decoder.endpoint()
                let instance = try decoder.optional { (decoder: inout Self) throws(StateDecodingError) in
                    try decoder.string()
                }
                let jobs = try decoder.optional { (decoder: inout Self) throws(StateDecodingError) in try decoder.int()
                }
                return TaskfileRemote(executor: executor, instance: instance, jobs: jobs)
            }
            let tasks = try list { (decoder: inout Self) throws(StateDecodingError) in try decoder.task() }
            return Taskfile(
                path: path, displayPath: displayPath, version: version, vars: vars, env: env, budget: budget,
                budgetLocations: budgetLocations, defaultTargets: defaultTargets, remoteCache: remoteCache,
                remote: remote, tasks: tasks)
        }

        mutating func endpoint() throws(StateDecodingError) -> Located<RemoteCacheEndpoint> {
            guard let scheme = RemoteCacheEndpoint.Scheme(rawValue: try string()) else {
                throw StateDecodingError(detail: "unknown remote endpoint scheme")
            }
            let host = try string()
            let port = try int()
            guard (1...65_535).contains(port) else { throw StateDecodingError(detail: "port out of range") }
            let endpoint = RemoteCacheEndpoint(scheme: scheme, host: host, port: port, pathPrefix: try string())
            return Located(endpoint, at: try location())
        }

        mutating func task() throws(StateDecodingError) -> TaskDefinition {
            let name = try string()
            let location = try self.location()
            let desc = try optional { (decoder: inout Self) throws(StateDecodingError) in try decoder.string() }
            let inputs = try templates()
            let outputs = try templates()
            let deps = try list { (decoder: inout Self) throws(StateDecodingError) in try decoder.located() }
            let run = try templates()
            let foreach = try optional { (decoder: inout Self) throws(StateDecodingError) in try decoder.templates() }
            let shards = try optional { (decoder: inout Self) throws(StateDecodingError) in
                let count = try decoder.int()
                guard (1...TaskDefinition.maximumShards).contains(count) else {
                    throw StateDecodingError(detail: "shard count out of range")
                }
                return count
            }
            let cost = try optional { (decoder: inout Self) throws(StateDecodingError) in
                ResourceCost(
                    try decoder.dictionary { (decoder: inout Self) throws(StateDecodingError) in try decoder.amount() })
            }
            let costLocations = try dictionary { (decoder: inout Self) throws(StateDecodingError) in
                try decoder.location()
            }
            let priority = try reader.float64()
            guard priority.isFinite else { throw StateDecodingError(detail: "priority is not finite") }
            let attempts = try int()
            let backoff = try duration()
            let maxBackoff = try duration()
            guard attempts >= 1, backoff >= .zero, maxBackoff >= backoff else {
                throw StateDecodingError(detail: "invalid retry policy")
            }
            let timeout = try optional { (decoder: inout Self) throws(StateDecodingError) in try decoder.duration() }
            let dir = try optional { (decoder: inout Self) throws(StateDecodingError) in try decoder.template() }
            let env = try list { (decoder: inout Self) throws(StateDecodingError) in try decoder.environmentVariable() }
            let always = try reader.byte() != 0
            let depfile = try optional { (decoder: inout Self) throws(StateDecodingError) in try decoder.template() }
            let jobserver: JobserverStyle?
            switch try reader.byte() {
            case 0: jobserver = nil
            case 1: jobserver = .pipe
            case 2: jobserver = .fifo
            case let other: throw StateDecodingError(detail: "unknown jobserver style \(other)")
            }
            let remote = try reader.byte() != 0
            let remoteInputs = try list { (decoder: inout Self) throws(StateDecodingError) in try decoder.string() }
            let keyLocations = try self.keyLocations()
            let valueLocations = try self.keyLocations()
            return TaskDefinition(
                name: name, location: location, desc: desc, inputs: inputs, outputs: outputs, deps: deps, run: run,
                foreach: foreach, shards: shards, cost: cost, costLocations: costLocations, priority: priority,
                retry: RetryPolicy(attempts: attempts, backoff: backoff, maxBackoff: maxBackoff), timeout: timeout,
                dir: dir, env: env, always: always, depfile: depfile, jobserver: jobserver, remote: remote,
                remoteInputs: remoteInputs, keyLocations: keyLocations, valueLocations: valueLocations)
        }

        mutating func variable() throws(StateDecodingError) -> TaskfileVariable {
            let name = try string()
            let value = try string()
            let written = try optional { (decoder: inout Self) throws(StateDecodingError) in try decoder.template() }
            let origin: TaskfileVariable.Origin = try reader.byte() == 0 ? .taskfile : .commandLine
            let location = try optional { (decoder: inout Self) throws(StateDecodingError) in try decoder.location() }
            return TaskfileVariable(name: name, value: value, written: written, origin: origin, location: location)
        }

        mutating func environmentVariable() throws(StateDecodingError) -> EnvironmentVariable {
            let name = try string()
            let value = try template()
            return EnvironmentVariable(name: name, value: value, location: try location())
        }

        mutating func templates() throws(StateDecodingError) -> [Template] {
            try list { (decoder: inout Self) throws(StateDecodingError) in try decoder.template() }
        }

        mutating func template() throws(StateDecodingError) -> Template {
            let text = try string()
            let location = try self.location()
            let segments: [Template.Segment]
            switch try reader.byte() {
            case 0: segments = []
            case 1: segments = [.literal(text)]
            case 2:
                segments = try list { (decoder: inout Self) throws(StateDecodingError) in
                    switch try decoder.reader.byte() {
                    case 0: return .literal(try decoder.string())
                    case 1:
                        let name = try decoder.string()
                        let placeholder = Placeholder.builtIns[name] ?? .variable(name)
                        return .placeholder(placeholder, try decoder.location())
                    default: throw StateDecodingError(detail: "unknown template segment")
                    }
                }
            default: throw StateDecodingError(detail: "unknown template form")
            }
            return Template(text: text, location: location, segments: segments)
        }

        mutating func keyLocations() throws(StateDecodingError) -> [TaskDefinition.Key: SourceLocation] {
            let count = try reader.count(limit: reader.remaining)
            var locations: [TaskDefinition.Key: SourceLocation] = [:]
            locations.reserveCapacity(count)
            let keys = TaskDefinition.Key.allCases
            for _ in 0..<count {
                let index = Int(try reader.byte())
                guard index < keys.count else { throw StateDecodingError(detail: "unknown task key \(index)") }
                locations[keys[index]] = try location()
            }
            return locations
        }

        mutating func located() throws(StateDecodingError) -> Located<String> {
            let value = try string()
            return Located(value, at: try location())
        }

        mutating func location() throws(StateDecodingError) -> SourceLocation {
            let index = try int()
            guard index < files.count else { throw StateDecodingError(detail: "unknown file in a location") }
            let line = try int()
            return SourceLocation(file: files[index], line: line, column: try int())
        }

        /// A resource amount, as the parser accepts it: finite and not negative.
        mutating func amount() throws(StateDecodingError) -> Double {
            let amount = try reader.float64()
            guard amount.isFinite, amount >= 0 else { throw StateDecodingError(detail: "invalid resource amount") }
            return amount
        }

        mutating func duration() throws(StateDecodingError) -> Duration {
            let seconds = try reader.int64()
            return Duration(secondsComponent: seconds, attosecondsComponent: try reader.int64())
        }

        mutating func string() throws(StateDecodingError) -> String { try reader.inlineString() }

        mutating func int() throws(StateDecodingError) -> Int {
            let value = try reader.varint()
            guard value <= UInt64(Int.max) else { throw StateDecodingError(detail: "number out of range") }
            return Int(value)
        }

        mutating func optional<Value>(
            _ decode: (inout Self) throws(StateDecodingError) -> Value
        ) throws(StateDecodingError) -> Value? {
            switch try reader.byte() {
            case 0: return nil
            case 1: return try decode(&self)
            default: throw StateDecodingError(detail: "malformed optional")
            }
        }

        mutating func list<Element>(
            _ decode: (inout Self) throws(StateDecodingError) -> Element
        ) throws(StateDecodingError) -> [Element] {
            // Every element takes at least one byte: a count above what is left is corrupt.
            let count = try reader.count(limit: reader.remaining)
            var elements: [Element] = []
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try decode(&self)) }
            return elements
        }

        mutating func dictionary<Value>(
            _ decode: (inout Self) throws(StateDecodingError) -> Value
        ) throws(StateDecodingError) -> [String: Value] {
            let count = try reader.count(limit: reader.remaining)
            var values: [String: Value] = [:]
            values.reserveCapacity(count)
            for _ in 0..<count {
                let key = try string()
                values[key] = try decode(&self)
            }
            return values
        }
    }
}
