import Testing

@testable import StaskCore

/// Hostile Taskfiles: each loads, or is refused with a located `TaskfileError`; none crashes or hangs.
/// Regressions found by ``TaskfileFuzzTests`` are here too, named for the input that failed.
@Suite(.timeLimit(.minutes(3))) struct TaskfileHostileInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let yaml: String
        /// The error's description, or `nil` when the Taskfile must load.
        let message: String?
        var testDescription: String { message ?? yaml }
    }

    // MARK: - Documents, versions, tabs, duplicate keys

    static let documentCases: [Case] = [
        Case(
            yaml: "just a scalar\n",
            message:
                "Taskfile.yml:1:1: 'Taskfile' must be a mapping with the keys 'version' and 'tasks', not a string ('just a scalar')"
        ),
        Case(
            yaml: "- version: 1\n",
            message: "Taskfile.yml:1:1: 'Taskfile' must be a mapping with the keys 'version' and 'tasks', not a list"),
        Case(
            yaml: "version: 1\n---\nversion: 1\n",
            message:
                "Taskfile.yml:2:1: invalid YAML: but found another document (expected a single document in the stream at line 1, column 1)"
        ),
        Case(yaml: "%YAML 1.1\n---\nversion: 1\n...\n", message: nil),
        Case(yaml: "\u{FEFF}version: 1\n", message: nil),
        Case(yaml: "version: '1'\n", message: nil),
        Case(yaml: "version: !!str 1\n", message: nil),
        Case(
            yaml: "version: 1.0\n",
            message: "Taskfile.yml:1:10: unsupported Taskfile version '1.0'; stask reads version 1"),
        Case(
            yaml: "version: \"1.0\"\n",
            message: "Taskfile.yml:1:10: unsupported Taskfile version '1.0'; stask reads version 1"),
        Case(
            yaml: "version: 0x1\n",
            message: "Taskfile.yml:1:10: unsupported Taskfile version '0x1'; stask reads version 1"),
        Case(
            yaml: "version: 3.0\n",
            message: "Taskfile.yml:1:10: this looks like a go-task Taskfile (version 3.0); stask reads version 1"),
        Case(yaml: "version: ~\n", message: "Taskfile.yml:1:10: 'version' must be 1, not null"),
        Case(yaml: "version: [1]\n", message: "Taskfile.yml:1:10: 'version' must be 1, not a list"),
        Case(
            yaml: "version: 1\ntasks:\n\ta: {}\n",
            message:
                "Taskfile.yml:3:1: invalid YAML: found a tab character where YAML allows only spaces (indent with spaces)"
        ),
        Case(
            yaml: "version: 1\ntasks:\n  a:\n\t  run: x\n",
            message:
                "Taskfile.yml:4:1: invalid YAML: found a tab character where YAML allows only spaces (indent with spaces)"
        ),
        Case(yaml: "version: 1\ntasks:\n  a:\t{run:\techo\tx}\n", message: nil),
        Case(
            yaml: "version: 1\nversion: 1\n",
            message: "Taskfile.yml:2:1: duplicate key 'version' (first written on line 1)"),
        Case(yaml: "version: 1\ntasks: {a: {}, a: {}}\n", message: "Taskfile.yml:2:9: duplicate key 'a'"),
        Case(
            yaml: "version: 1\ntasks:\n  a:\n    run: x\n    'run': y\n",
            message: "Taskfile.yml:5:5: duplicate key 'run' (first written on line 4)"),
        Case(
            yaml: "version: 1\nvars:\n  A: 1\n  \"A\": 2\n",
            message: "Taskfile.yml:4:3: duplicate key 'A' (first written on line 3)"),
        Case(yaml: "version: 1\ntasks:\n  a: {<<: {run: y}, run: z}\n", message: nil),
        Case(
            yaml: "version: 1\nx: a\u{0}b\n",
            message: "Taskfile.yml:2:5: invalid YAML: control characters are not allowed"),
        Case(
            yaml: "version: 1\nx: é\u{FFFE}\n",
            message: "Taskfile.yml:2:5: invalid YAML: control characters are not allowed"),
        Case(
            yaml: "version: 1\nx: \"\\uD800\"\n",
            message:
                "Taskfile.yml:2:7: invalid YAML: found invalid Unicode character escape code (while parsing a quoted scalar at line 2, column 4)"
        ),
    ]

    @Test(arguments: documentCases)
    func documentsVersionsTabsAndDuplicates(_ testCase: Case) {
        #expect(TaskfileFixture.parseError(testCase.yaml)?.description == testCase.message)
    }

    // MARK: - Nesting

    /// `depth` levels of `open`, written on line 2 under `vars: {A: …}`; closed when `close` is given.
    static func nested(_ open: String, depth: Int, close: String? = nil, inner: String = "x") -> String {
        let body = String(repeating: open, count: depth) + inner + String(repeating: close ?? "", count: depth)
        return "version: 1\nvars: {A: " + body + "}\n"
    }

    /// `depth` block mappings, each indented one space more than the last.
    static func ladder(depth: Int) -> String {
        "version: 1\nvars:\n" + (0..<depth).map { String(repeating: " ", count: $0 + 2) + "a:\n" }.joined()
    }

    static let nestingCases: [Case] = [
        Case(
            yaml: nested("[", depth: 10_000),
            message: "Taskfile.yml:2:12: invalid YAML: lists and mappings nest more than 1000 levels deep"),
        Case(
            yaml: nested("{a: ", depth: 10_000),
            message: "Taskfile.yml:2:3999: invalid YAML: lists and mappings nest more than 1000 levels deep"),
        Case(
            yaml: nested("[{a: ", depth: 5_000),
            message: "Taskfile.yml:2:1482: invalid YAML: lists and mappings nest more than 1000 levels deep"),
        Case(
            yaml: String(repeating: "- ", count: 10_000) + "x\n",
            message: "Taskfile.yml:1:1999: invalid YAML: lists and mappings nest more than 1000 levels deep"),
        Case(
            yaml: ladder(depth: 1_200),
            message: "Taskfile.yml:1001:1001: invalid YAML: lists and mappings nest more than 1000 levels deep"),
        Case(yaml: nested("[", depth: 997, close: "]"), message: "Taskfile.yml:2:11: 'A' must be a string, not a list"),
        Case(
            yaml: nested("{a: ", depth: 997, close: "}"),
            message: "Taskfile.yml:2:11: 'A' must be a string, not a mapping"),
        Case(yaml: ladder(depth: 997), message: "Taskfile.yml:4:4: 'a' must be a string, not a mapping"),
    ]

    /// libyaml stops at 1,000 levels; everything below composes and is refused by the reader, on the
    /// test's own thread (no extra stack): neither Yams's recursion nor freeing the nodes overflows.
    @Test(arguments: nestingCases)
    func deepNestingIsRefusedWithoutOverflowingTheStack(_ testCase: Case) {
        #expect(TaskfileFixture.parseError(testCase.yaml)?.description == testCase.message)
    }

    // MARK: - Long lines and many tasks

    static let tenMegabytes = String(repeating: "x", count: 10_000_000)

    @Test func tenMegabyteLineLoads() async throws {
        try await onOwnThread {
            let graph = try TaskfileFixture.graph("version: 1\ntasks:\n  a:\n    run: echo \(Self.tenMegabytes)\n")
            #expect(graph.instances[0].commandGroups[0].commands[0].utf8.count == 10_000_005)
        }
    }

    @Test func invalidByteAtTheEndOfATenMegabyteLineIsLocated() async {
        await onOwnThread {
            let bytes = Array("version: 1\ntasks:\n  a:\n    run: echo \(Self.tenMegabytes)".utf8) + [0xC0, 0x0A]
            #expect(
                throws: TaskfileError.invalidUTF8(SourceLocation(file: "Taskfile.yml", line: 4, column: 10_000_015))
            ) {
                try TaskfileFixture.parser(TaskfileFixture.fileSystem("")).parse(
                    contents: bytes, path: "/p/Taskfile.yml")
            }
        }
    }

    @Test func tenMegabyteKeyIsLocated() async throws {
        try await onOwnThread {
            let error = try #require(TaskfileFixture.parseError("version: 1\n\(Self.tenMegabytes): 1\n"))
            #expect(error.description.hasPrefix("Taskfile.yml:2:10000001: invalid YAML: "))
        }
    }

    @Test func lineOfTwoHundredThousandPlaceholders() async throws {
        try await onOwnThread {
            let run = String(repeating: "{{A}}", count: 200_000)
            let graph = try TaskfileFixture.graph("version: 1\nvars: {A: a}\ntasks:\n  t:\n    run: é \(run)\n")
            #expect(graph.instances[0].commandGroups[0].commands[0] == "é " + String(repeating: "a", count: 200_000))
            let error = try #require(
                TaskfileFixture.parseError("version: 1\nvars: {A: a}\ntasks:\n  t:\n    run: é \(run){{B}}\n"))
            #expect(error.location == SourceLocation(file: "Taskfile.yml", line: 5, column: 12 + 1_000_000))
        }
    }

    /// 100,000 tasks, each with an output, and one task whose glob input matches all of them.
    @Test func hundredThousandTasksLoad() async throws {
        try await onOwnThread {
            var yaml = "version: 1\ntasks:\n  all: {inputs: [\"o/*\"], outputs: [all], run: \"cat {{inputs}}\"}\n"
            for index in 0..<100_000 { yaml += "  t\(index): {outputs: o/\(index), run: \"touch {{output}}\"}\n" }
            let graph = try TaskfileFixture.graph(yaml)
            #expect(graph.instances.count == 100_001)
            #expect(graph.instances.last?.id == "all")
            #expect(graph.dependencies(of: 100_000).count == 100_000)
        }
    }

    // MARK: - Vars

    /// Crashed (stack overflow at about 3,000 vars on a test thread): a chain of vars each naming the
    /// next, resolved by one recursive call per reference.
    @Test func longChainOfVarsResolves() throws {
        let count = 20_000
        let yaml =
            "version: 1\nvars:\n" + (0..<count).map { "  V\($0): \"{{V\($0 + 1)}}\"\n" }.joined()
            + "  V\(count): end\ntasks:\n  a: {run: \"echo {{V0}}\"}\n"
        let taskfile = try TaskfileFixture.parse(yaml)
        #expect(taskfile.variableValues["V0"] == "end")
        let cycle = try #require(
            TaskfileFixture.parseError(yaml.replacing("  V\(count): end", with: "  V\(count): '{{V0}}'")))
        guard case .variableCycle(_, let names) = cycle else {
            Issue.record("expected a cycle, got \(cycle)")
            return
        }
        #expect(names.count == count + 2 && names.first == "V0" && names.last == "V0")
    }

    /// Vars naming the previous one twice double at every step: 40 of them would ask for a terabyte.
    @Test func doublingVarsAreStoppedByTheByteLimit() {
        let yaml =
            "version: 1\nvars:\n  V0: ab\n"
            + (1...40).map { "  V\($0): \"{{V\($0 - 1)}}{{V\($0 - 1)}}\"\n" }.joined()
        #expect(
            TaskfileFixture.parseError(yaml)?.description
                == "Taskfile.yml:22:9: invalid 'V19': vars expand to more than 1063888 bytes in all")
    }

    /// A 100 kB var named 6,000 times in a command made a 600 MB command (in every `foreach` instance:
    /// memory exhausted); the graph builder stops at 512 MiB of expansions.
    @Test func commandNamingAHugeVarThousandsOfTimesIsStopped() async throws {
        try await onOwnThread { () throws in
            let yaml =
                "version: 1\nvars:\n  A: \(String(repeating: "a", count: 100_000))\ntasks:\n  t:\n    run: \""
                + String(repeating: "{{A}}", count: 6_000) + "\"\n"
            #expect(
                try TaskfileFixture.graphError(yaml)?.description
                    == "Taskfile.yml:6:10: invalid 'run': the commands and paths of all tasks expand to more than 536870912 bytes"
            )
        }
    }

    // MARK: - Numbers

    /// Numbers as YAML 1.1 resolves them (Yams's readings), including base-60 values that overflow.
    static let numberCases: [Case] = [
        Case(
            yaml: "version: 1\ntasks:\n  a:\n    shards: 1:2:3:4:5:6:7:8:9:10:11:12\n",
            message: "Taskfile.yml:4:13: invalid 'shards' value '1:2:3:4:5:6:7:8:9:10:11:12': is out of range"),
        Case(
            yaml: "version: 1\ntasks:\n  a:\n    retry: 59:59:59:59:59:59:59:59:59:59:59\n",
            message: "Taskfile.yml:4:12: invalid 'retry' value '59:59:59:59:59:59:59:59:59:59:59': is out of range"),
        Case(
            yaml: "version: 1\ntasks:\n  a:\n    shards: 99999999999999999999\n",
            message: "Taskfile.yml:4:13: invalid 'shards' value '99999999999999999999': is out of range"),
        Case(
            yaml: "version: 1\ntasks:\n  a:\n    shards: 9223372036854775807\n",
            message: "Taskfile.yml:4:13: invalid 'shards' value '9223372036854775807': must be at most 1000"),
        Case(
            yaml: "version: 1\ntasks:\n  a:\n    shards: 1001\n",
            message: "Taskfile.yml:4:13: invalid 'shards' value '1001': must be at most 1000"),
        Case(yaml: "version: 1\ntasks:\n  a:\n    shards: 1000\n", message: nil),
        Case(yaml: "version: 1\ntasks:\n  a:\n    priority: 1:2:3:4:5:6:7:8:9:10:11:12\n", message: nil),
        Case(yaml: "version: 1\nbudget: {cpu: 59:59:59:59:59:59:59:59:59:59:59}\n", message: nil),
        Case(yaml: "version: 1\ntasks:\n  a:\n    shards: 1:30\n    retry: 0x10\n", message: nil),
        Case(yaml: "version: 1\ntasks:\n  a:\n    shards: 0o17\n    retry: 1_000\n", message: nil),
        Case(
            yaml: "version: 1\ntasks:\n  a:\n    shards: -0\n",
            message: "Taskfile.yml:4:13: invalid 'shards' value '0': must be at least 1"),
        Case(
            yaml: "version: 1\ntasks:\n  a:\n    priority: .nan\n",
            message: "Taskfile.yml:4:15: invalid 'priority' value '.nan': must be a finite number"),
        Case(
            yaml: "version: 1\ntasks:\n  a:\n    cost: {cpu: -1e400}\n",
            message: "Taskfile.yml:4:17: invalid 'cost.cpu' value '-1e400': must be a finite number"),
    ]

    @Test(arguments: numberCases)
    func numbersNeverTrap(_ testCase: Case) {
        #expect(TaskfileFixture.parseError(testCase.yaml)?.description == testCase.message)
    }

    @Test func baseSixtyAndPrefixedIntegersReadAsYamsReadsThem() throws {
        let taskfile = try TaskfileFixture.parse("version: 1\ntasks:\n  a:\n    shards: 1:30\n    retry: 0x10\n")
        #expect(taskfile.tasks[0].shards == 90)
        #expect(taskfile.tasks[0].retry.attempts == 16)
        #expect(TaskfileReader.integerValue("-1_0") == -10)
        #expect(TaskfileReader.integerValue("017") == 15)
        #expect(TaskfileReader.integerValue("0b101") == 5)
        #expect(TaskfileReader.integerValue("9223372036854775807") == Int.max)
        #expect(TaskfileReader.integerValue("9223372036854775808") == nil)
    }

    // MARK: - Aliases

    /// `levels` anchors, each a list or mapping naming the previous one four times: 4^levels values.
    static func aliasLadder(levels: Int, mapping: Bool) -> String {
        var text = mapping ? "version: 1\ntasks:\n  l0: &l0 {run: x}\n" : "version: 1\nvars:\n  l0: &l0 [a, b]\n"
        for level in 1...levels {
            let refs = Array(repeating: "*l\(level - 1)", count: 4).joined(separator: ", ")
            text += mapping ? "  l\(level): &l\(level) {<<: [\(refs)]}\n" : "  l\(level): &l\(level) [\(refs)]\n"
        }
        return text
    }

    static let aliasCases: [Case] = [
        // Found while writing this suite: merge keys of merge keys took time exponential in the levels
        // (a 400-byte file, 10 levels: 8 s); 30 levels would take years.
        Case(
            yaml: aliasLadder(levels: 30, mapping: true),
            message: "Taskfile.yml:4:7: invalid '<<': aliases expand the Taskfile to more than 15076 values"),
        // Yams hashed an alias key in its full expansion while composing (10 levels: 2 s).
        Case(
            yaml: aliasLadder(levels: 30, mapping: false) + "  ? *l30\n  : x\n",
            message: "Taskfile.yml:34:5: 'vars' must be a mapping with plain keys, not an alias"),
        Case(
            yaml: aliasLadder(levels: 30, mapping: false) + "  *l30 : x\n",
            message: "Taskfile.yml:34:3: 'vars' must be a mapping with plain keys, not an alias"),
        Case(
            yaml: aliasLadder(levels: 30, mapping: false) + "  [*l30]: x\n",
            message: "Taskfile.yml:34:3: 'vars' must be a mapping with plain keys, not a complex key"),
        Case(
            yaml: aliasLadder(levels: 30, mapping: false) + "  x: {*l30: x}\n",
            message: "Taskfile.yml:34:7: 'x' must be a mapping with plain keys, not an alias"),
        Case(
            yaml: "version: 1\nvars: {&n A: 1, *n : 2}\n",
            message: "Taskfile.yml:2:17: 'vars' must be a mapping with plain keys, not an alias"),
        Case(
            yaml: "version: 1\nx: &n k\nvars: {*n : 1, *n : 2}\n",
            message: "Taskfile.yml:3:8: invalid YAML: an alias cannot be a mapping key"),
        Case(yaml: "version: 1\nvars: {A: &n 1, B: *n}\ntasks:\n  a: {run: echo 2*n && x}\n", message: nil),
        // An alias of a long list in every task: quadratic, not exponential, but as bad for 1 MB files.
        Case(
            yaml: "version: 1\ntasks:\n  base: {inputs: &L ["
                + Array(repeating: "a", count: 2_000).joined(separator: ", ")
                + "]}\n" + (0..<100).map { "  t\($0): {inputs: *L}\n" }.joined(),
            message: "Taskfile.yml:3:18: invalid 'inputs': aliases expand the Taskfile to more than 42120 values"),
    ]

    @Test(arguments: aliasCases)
    func aliasesCannotBlowUpTheWork(_ testCase: Case) {
        #expect(TaskfileFixture.parseError(testCase.yaml)?.description == testCase.message)
    }

    @Test func sharedAliasesWithinTheBudgetLoad() throws {
        let yaml =
            "version: 1\nvars: {X: x}\ntasks:\n  base: &base {inputs: &in [a, b, c], cost: &c {cpu: 1}}\n"
            + (0..<200).map { "  t\($0): {<<: *base, inputs: *in, cost: *c, outputs: [out/\($0)]}\n" }.joined()
        let graph = try TaskfileFixture.graph(yaml, files: ["a", "b", "c"])
        #expect(graph.instances.count == 201)
        #expect(graph.instances.last?.inputs == ["a", "b", "c"])
    }
}
