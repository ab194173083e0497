import Testing

@testable import StaskCore

/// The parsed Taskfile's binary form (the payload of `.stask/taskfile.cache`).
@Suite
struct TaskfileBinaryCodingTests {
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
          test:
            foreach: ["tests/*.sh"]
            shards: 3
            run: "run {{items}} --shard {{shard}}/{{shards}} --junit {{junit}}"
            retry: 2
        """

    static func roundTrip(_ taskfile: Taskfile) throws -> Taskfile {
        let bytes = TaskfileBinaryCoding.encode(taskfile)
        return try bytes.withUnsafeBytes { buffer throws -> Taskfile in try TaskfileBinaryCoding.decode(buffer) }
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
        #expect(TaskfileBinaryCoding.encode(decoded) == TaskfileBinaryCoding.encode(parsed))
        let compile = try #require(decoded.task(named: "compile"))
        #expect(compile.depfile?.text == "build/{{stem}}.d")
        #expect(compile.timeout == .seconds(90))
        #expect(compile.retry == RetryPolicy(attempts: 3, backoff: .milliseconds(150), maxBackoff: .seconds(2)))
        #expect(decoded.remoteCache?.value.description == "http://[::1]:8080/prefix")
        #expect(decoded.vars.contains { $0.name == "CC" && $0.value == "clang" && $0.origin == .commandLine })
    }

    @Test("a Taskfile with no tasks and none of the optional keys round-trips")
    func minimalRoundTrips() throws {
        let parsed = try TaskfileFixture.parse("version: 1\ntasks: {}\n")
        #expect(try Self.roundTrip(parsed) == parsed)
    }

    @Test("every truncation and every single-byte change of the encoding is refused or decodes without a crash")
    func damagedEncodingsNeverCrash() throws {
        let parsed = try TaskfileFixture.parse(Self.everyKey)
        let bytes = TaskfileBinaryCoding.encode(parsed)
        for length in 0..<bytes.count {
            let prefix = Array(bytes[..<length])
            #expect(throws: StateDecodingError.self) {
                try prefix.withUnsafeBytes { try TaskfileBinaryCoding.decode($0) }
            }
        }
        var trailing = bytes
        trailing.append(0)
        #expect(throws: StateDecodingError.self) {
            try trailing.withUnsafeBytes { try TaskfileBinaryCoding.decode($0) }
        }
        // The cache's checksum catches changed bytes; the decoder must still survive any it is given.
        for index in stride(from: 0, to: bytes.count, by: 7) {
            var changed = bytes
            changed[index] ^= 0xFF
            _ = try? changed.withUnsafeBytes { try TaskfileBinaryCoding.decode($0) }
        }
    }
}
