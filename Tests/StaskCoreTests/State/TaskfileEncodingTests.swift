import AsyncStreams
import Testing

@testable import StaskCore

/// The parsed Taskfile's binary form (the payload of `.stask/taskfile.cache`).
@Suite
struct TaskfileEncodingTests {
    /// Every key and placeholder form, including those the corpus leaves out: `depfile`, a timeout, a
    /// `cost` with fractions, escaped braces, a variable defined from others, command-line overrides.
    static let everyKey = """
        version: 1
        vars:
          CC: cc
          FLAGS: "{{CC}} -O2 {{{{literal}}"
        env:
          LC_ALL: C
        budget: {cpu: 3, mem_gb: 1.5}
        default: [link]
        remote_cache: "http://[::1]:8080/prefix"
        remote: {executor: "grpc://cluster:8980/main", instance: ci, jobs: 12}
        tasks:
          compile:
            desc: Compile one file
            foreach: ["src/*.c", "gen/**/*.c"]
            inputs: ["{{item}}", include/a.h]
            outputs: ["build/{{stem}}.o"]
            depfile: "build/{{stem}}.d"
            dir: "{{dir}}"
            run:
              - "{{CC}} -c {{item}} -o {{output}} -MMD -MF build/{{stem}}.d"
              - "echo {{name}} {{input}} {{inputs}} {{outputs}}"
            cost: {cpu: 0.5, io: 1}
            priority: 2.5
            retry: {attempts: 3, backoff: 150ms, max_backoff: 2s}
            timeout: 1m30s
            env: {OPT: "{{FLAGS}}"}
          link:
            deps: [compile]
            inputs: ["build/*.o"]
            outputs: [app]
            run: "{{CC}} -o app {{inputs}}"
            always: true
            remote: false
            remote_inputs: ["include/*.h", extra.txt]
          test:
            foreach: ["tests/*.sh"]
            shards: 3
            run: "run {{items}} --shard {{shard}}/{{shards}} --junit {{junit}}"
            retry: 2
        """

    static func roundTrip(_ taskfile: Taskfile) throws -> Taskfile {
        let bytes = taskfile.encoded()
        return try bytes.withUnsafeBytes { buffer throws -> Taskfile in try Taskfile.decoded(from: buffer) }
    }

    @Test("every corpus Taskfile decodes to a value equal to the parsed one", arguments: TaskfileCorpus.taskfiles)
    func corpusRoundTrips(_ yaml: String) throws {
        let parsed = try TaskfileFixture.parse(yaml)
        #expect(try Self.roundTrip(parsed) == parsed)
    }

    @Test("every key, placeholder, location and override survives the round trip, encoded the same each time")
    func everyKeyRoundTrips() throws {
        let parsed = try TaskfileFixture.parse(Self.everyKey, overrides: ["CC": "clang", "EXTRA": "x"])
        let decoded = try Self.roundTrip(parsed)
        #expect(decoded == parsed)
        #expect(decoded.encoded() == parsed.encoded())
        let compile = try #require(decoded.task(named: "compile"))
        #expect(compile.depfile?.text == "build/{{stem}}.d")
        #expect(compile.timeout == .seconds(90))
        #expect(compile.retry == RetryPolicy(attempts: 3, backoff: .milliseconds(150), maxBackoff: .seconds(2)))
        #expect(decoded.remoteCache?.value.description == "http://[::1]:8080/prefix")
        #expect(decoded.vars.contains { $0.name == "CC" && $0.value == "clang" && $0.origin == .commandLine })
    }

    @Test("a grpc:// remote cache keeps its scheme and instance name")
    func aGRPCRemoteCacheRoundTrips() throws {
        let parsed = try TaskfileFixture.parse("version: 1\nremote_cache: grpc://cache:8980/main\ntasks: {}\n")
        let decoded = try Self.roundTrip(parsed)
        #expect(decoded == parsed)
        #expect(decoded.remoteCache?.value.scheme == .grpc && decoded.remoteCache?.value.instanceName == "main")
    }

    @Test("a Taskfile with no tasks and none of the optional keys round-trips")
    func minimalRoundTrips() throws {
        let parsed = try TaskfileFixture.parse("version: 1\ntasks: {}\n")
        #expect(try Self.roundTrip(parsed) == parsed)
    }

    @Test("every truncation is refused; no single-byte change of any byte crashes the decoder or what uses its result")
    func damagedEncodingsNeverCrash() throws {
        let parsed = try TaskfileFixture.parse(Self.everyKey)
        let bytes = parsed.encoded()
        for length in 0..<bytes.count {
            let prefix = Array(bytes[..<length])
            #expect(throws: StateDecodingError.self) {
                try prefix.withUnsafeBytes { try Taskfile.decoded(from: $0) }
            }
        }
        var trailing = bytes
        trailing.append(0)
        #expect(throws: StateDecodingError.self) {
            try trailing.withUnsafeBytes { try Taskfile.decoded(from: $0) }
        }
        // The cache's checksum catches changed bytes; the decoder must still survive any it is given, and
        // whatever it returns must be usable (building a graph of it must not trap).
        for index in bytes.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var changed = bytes
                changed[index] ^= flip
                if let decoded = try? changed.withUnsafeBytes({ try Taskfile.decoded(from: $0) }) {
                    _ = try? GraphBuilder(fileSystem: TaskfileCorpus.fileSystem(), options: .init(cpuCount: 2))
                        .build(decoded)
                }
            }
        }
    }

    @Test("values the parser refuses are refused when decoded too: shard counts, amounts, priorities, ports")
    func refusesWhatTheParserRefuses() throws {
        func task(shards: Int? = nil, cost: ResourceCost? = nil, priority: Double = 0) -> TaskDefinition {
            TaskDefinition(
                name: "t", location: SourceLocation(file: "Taskfile", line: 3, column: 3), shards: shards,
                cost: cost, priority: priority)
        }
        let hostile = [
            Taskfile(path: "/p/Taskfile", displayPath: "Taskfile", tasks: [task(shards: 0)]),
            Taskfile(path: "/p/Taskfile", displayPath: "Taskfile", tasks: [task(shards: 1_000_001)]),
            Taskfile(path: "/p/Taskfile", displayPath: "Taskfile", tasks: [task(cost: ["cpu": -1])]),
            Taskfile(path: "/p/Taskfile", displayPath: "Taskfile", tasks: [task(cost: ["cpu": .infinity])]),
            Taskfile(path: "/p/Taskfile", displayPath: "Taskfile", tasks: [task(priority: .nan)]),
            Taskfile(path: "/p/Taskfile", displayPath: "Taskfile", budget: ["cpu": -2]),
        ]
        for taskfile in hostile {
            let bytes = taskfile.encoded()
            #expect(throws: StateDecodingError.self) { try bytes.withUnsafeBytes { try Taskfile.decoded(from: $0) } }
        }
        let fine = Taskfile(path: "/p/Taskfile", displayPath: "Taskfile", tasks: [task(shards: 3)])
        #expect(try Self.roundTrip(fine) == fine)
    }
}
