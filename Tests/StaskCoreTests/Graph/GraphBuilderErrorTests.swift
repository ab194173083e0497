import AsyncStreams
import Testing

@testable import StaskCore

/// Every load-time graph error, with its exact location and message.
@Suite struct GraphBuilderErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let yaml: String
        var files: [String] = []
        var budgetOverrides: [String: Double] = [:]
        let message: String
        var testDescription: String { message }
    }

    static let cases: [Case] = [
        Case(
            yaml: "version: 1\ntasks:\n  compile:\n    run: x\n  link:\n    deps: [compil]\n",
            message: "Taskfile.yml:6:12: task 'link' depends on unknown task 'compil' (did you mean 'compile'?)"),
        Case(
            yaml: "version: 1\ntasks:\n  a:\n    outputs: [out.txt]\n  b:\n    outputs: [out.txt]\n",
            message: "Taskfile.yml:6:15: output 'out.txt' of 'b' is already declared by 'a' at Taskfile.yml:4:15"),
        Case(
            yaml: """
                version: 1
                tasks:
                  a:
                    inputs: [b.out]
                    outputs: [a.out]
                  b:
                    inputs: [c.out]
                    outputs: [b.out]
                  c:
                    deps: [a]
                    outputs: [c.out]
                """,
            message: "Taskfile.yml:4:14: dependency cycle: a -> b -> c -> a"),
        Case(yaml: "version: 1\ntasks:\n  a: {deps: [a]}\n", message: "Taskfile.yml:3:14: dependency cycle: a -> a"),
        Case(
            yaml: "version: 1\ntasks:\n  a:\n    inputs: [x]\n    outputs: [x]\n",
            message: "Taskfile.yml:4:14: dependency cycle: a -> a"),
        Case(
            yaml: "version: 1\ntasks:\n  t:\n    foreach: '*.c'\n    inputs: [\"*.o\"]\n    outputs: ['{{stem}}.o']\n",
            files: ["a.c", "b.c"],
            message: "Taskfile.yml:5:14: dependency cycle: t[a.c] -> t[b.c] -> t[a.c]"),
        Case(
            yaml: "version: 1\ntasks:\n  a: {inputs: [src/missing.c], run: x}\n",
            message: "Taskfile.yml:3:16: input 'src/missing.c' of 'a' does not exist and no task produces it"),
        Case(
            yaml: "version: 1\ntasks:\n  a: {inputs: [src]}\n", files: ["src/x.c"],
            message: "Taskfile.yml:3:16: input 'src' of 'a' is a directory (use a glob such as 'src/**')"),
        Case(
            yaml: "version: 1\ntasks:\n  a: {outputs: [../x]}\n",
            message: "Taskfile.yml:3:17: output '../x' of 'a' lies outside the project directory"),
        Case(
            yaml: "version: 1\ntasks:\n  a: {outputs: [/tmp/x]}\n",
            message: "Taskfile.yml:3:17: output '/tmp/x' of 'a' lies outside the project directory"),
        Case(
            yaml: "version: 1\ntasks:\n  a: {outputs: [.stask/x]}\n",
            message: "Taskfile.yml:3:17: output '.stask/x' of 'a' lies in stask's state directory '.stask'"),
        Case(
            yaml: "version: 1\ntasks:\n  a: {outputs: ['build/*.o']}\n",
            message: "Taskfile.yml:3:17: output 'build/*.o' of task 'a' is a glob; outputs must be plain paths"),
        Case(
            yaml: "version: 1\ntasks:\n  a: {depfile: ../a.d, run: x}\n",
            message: "Taskfile.yml:3:16: depfile '../a.d' of 'a' lies outside the project directory"),
        Case(
            yaml: "version: 1\ntasks:\n  a: {depfile: .stask/a.d, run: x}\n",
            message: "Taskfile.yml:3:16: depfile '.stask/a.d' of 'a' lies in stask's state directory '.stask'"),
        Case(
            yaml: "version: 1\ntasks:\n  a: {dir: ../x, run: x}\n",
            message: "Taskfile.yml:3:12: dir '../x' of 'a' lies outside the project directory"),
        Case(
            yaml: "version: 1\nbudget: {cpu: 4}\ntasks:\n  a: {cost: {cpu: 8}}\n",
            message: "Taskfile.yml:4:19: task 'a' costs cpu: 8, more than the whole budget (cpu: 4)"),
        Case(
            yaml: "version: 1\ntasks:\n  a: {cost: {cpu: 8}}\n", budgetOverrides: ["cpu": 2.5],
            message: "Taskfile.yml:3:19: task 'a' costs cpu: 8, more than the whole budget (cpu: 2.5)"),
        Case(
            yaml: "version: 1\ntasks:\n  a: {run: x}\n", budgetOverrides: ["cpu": 0],
            message: "Taskfile.yml:3:3: task 'a' costs cpu: 1, more than the whole budget (cpu: 0)"),
        Case(
            yaml: "version: 1\ntasks:\n  a: {run: x}\n", budgetOverrides: ["io": -1],
            message: "invalid budget io=-1: must be a non-negative number"),
        Case(
            yaml: "version: 1\ntasks:\n  a: {run: 'cat {{input}}'}\n",
            message: "Taskfile.yml:3:17: placeholder '{{input}}' has nothing to name in 'a'"),
        Case(
            yaml: """
                version: 1
                tasks:
                  x:
                    foreach: "d/*.x"
                    outputs: ["d/{{stem}}1.y"]
                  y:
                    foreach: "d/*.y"
                    outputs: ["d/{{stem}}2.x"]
                """,
            files: ["d/a.x"],
            message: "Taskfile.yml:4:14: the foreach globs of 'x', 'y' keep matching each other's outputs"),
    ]

    @Test(arguments: cases) func reportsGraphErrorWithLocation(_ errorCase: Case) throws {
        let options = GraphBuilder.Options(budgetOverrides: errorCase.budgetOverrides, cpuCount: 8)
        let error = try TaskfileFixture.graphError(errorCase.yaml, files: errorCase.files, options: options)
        #expect(error?.description == errorCase.message)
    }

    @Test func resourceAbsentFromBudgetIsUnlimited() throws {
        let graph = try TaskfileFixture.graph("version: 1\ntasks:\n  a: {cost: {gpu: 1000, cpu: 8}}\n")
        #expect(graph.instances[0].cost == ["gpu": 1000, "cpu": 8])
    }

    @Test func absoluteOutputInsideTheProjectIsMadeRelative() throws {
        let graph = try TaskfileFixture.graph("version: 1\ntasks:\n  a: {outputs: [/p/build/./x]}\n")
        #expect(graph.instances[0].outputs == ["build/x"])
    }

    @Test func cycleErrorNamesTheCase() throws {
        let error = try TaskfileFixture.graphError("version: 1\ntasks:\n  a: {deps: [b]}\n  b: {deps: [a]}\n")
        #expect(
            error
                == .dependencyCycle(SourceLocation(file: "Taskfile.yml", line: 3, column: 14), cycle: ["a", "b", "a"]))
    }
}
