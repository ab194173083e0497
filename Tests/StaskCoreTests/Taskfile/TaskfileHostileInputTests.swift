import Testing

@testable import StaskCore

/// Hostile Taskfiles: each loads, or is refused with a located `TaskfileError`; none crashes or hangs.
/// Regressions found by ``TaskfileFuzzTests`` are here too, named for the input that failed.
@Suite struct TaskfileHostileInputTests {
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
}
