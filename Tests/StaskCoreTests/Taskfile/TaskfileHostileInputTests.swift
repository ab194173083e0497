import Testing

@testable import StaskCore

/// Hostile Taskfiles: each loads, or is refused with a located `TaskfileError`; none crashes or hangs.
/// Regressions found by ``TaskfileFuzzTests`` are here too, named for the input that failed.
@Suite(.timeLimit(.minutes(1))) struct TaskfileHostileInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let yaml: String
        /// The error's description, or `nil` when the Taskfile must load.
        let message: String?
        var testDescription: String { message ?? yaml }
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
