import Foundation
import Testing

@testable import StaskCore
@testable import StaskPosix

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.timeLimit(.minutes(1)))
struct ShellCommandTests {
    typealias Support = ExecutionTestSupport

    // MARK: - Analysis

    static let accepted: [(String, [String])] = [
        ("cp a b", ["cp", "a", "b"]),
        ("  cc\t-c  main.c -o main.o  ", ["cc", "-c", "main.c", "-o", "main.o"]),
        ("cp 'a b.c' 'build/a b.o'", ["cp", "a b.c", "build/a b.o"]),
        ("cp 'it'\\''s' x", ["cp", "it's", "x"]),
        ("cp '$(rm -rf ~).c' out", ["cp", "$(rm -rf ~).c", "out"]),
        ("tool --flag=1 a,b:c+d@e%f^g", ["tool", "--flag=1", "a,b:c+d@e%f^g"]),
        ("tool '' x", ["tool", "", "x"]),
        ("tool a\\ b \\$HOME \\#", ["tool", "a b", "$HOME", "#"]),
        ("tool 'line1\nline2'", ["tool", "line1\nline2"]),
        ("tool pre'quoted'post", ["tool", "prequotedpost"]),
        ("./build.sh", ["./build.sh"]),
        ("/bin/echo hi", ["/bin/echo", "hi"]),
        ("'cp' a b", ["cp", "a", "b"]),
    ]

    @Test(arguments: accepted)
    func splitsCommandsWithoutShellSyntax(_ command: String, _ arguments: [String]) {
        #expect(ShellCommand.directArguments(command) == arguments)
    }

    static let refused: [String] = [
        "", "   ", "echo hi", "'echo' hi", "true", "test -f x", "[ -f x ]", "cd build", "exit 1", "export A=1",
        ". ./env.sh", ": nothing", "exec cc", "if true", "for x", "! cc", "{ cc; }", "FOO=1 cc", "A=1",
        "cc | tee log", "cc > log", "cc < in", "cc && ld", "cc || ld", "cc; ld", "cc &", "cc $CFLAGS",
        "cc \"a b\"", "cc `x`", "cc *.c", "cc a?.c", "cc [ab].c", "cc ~/x", "cc {a,b}", "cc # comment",
        "cc (x)", "cc a\nld b", "cc a\rb", "cc 'unterminated", "cc trailing\\", "cc \\\n", "cc é", "'' x",
        "cc !x",
    ]

    @Test(arguments: refused)
    func refusesShellSyntax(_ command: String) {
        #expect(ShellCommand.directArguments(command) == nil)
    }

    @Test func shellNamesFollowThePOSIXRule() {
        #expect(ShellCommand.isShellName("PATH"))
        #expect(ShellCommand.isShellName("_x1"))
        #expect(!ShellCommand.isShellName("1x"))
        #expect(!ShellCommand.isShellName("A-B"))
        #expect(!ShellCommand.isShellName(""))
        #expect(!ShellCommand.isShellName("ä"))
    }

    @Test func theVerdictOnAnEnvironmentFollowsEachEnvironmentAskedAbout() {
        let plain = ["PATH": "/usr/bin:/bin", "HOME": "/root"]
        let withIFS = plain.merging(["IFS": ":"]) { $1 }
        let oddName = plain.merging(["A-B": "1"]) { $1 }
        let percentPath = ["PATH": "/usr/bin%builtin"]
        // Alternating, so that a remembered verdict would show.
        for _ in 0..<2 {
            #expect(ShellCommand.isDirectExecCompatible(program: "cp", environment: plain))
            #expect(!ShellCommand.isDirectExecCompatible(program: "cp", environment: withIFS))
            #expect(!ShellCommand.isDirectExecCompatible(program: "/bin/cp", environment: oddName))
            #expect(!ShellCommand.isDirectExecCompatible(program: "cp", environment: percentPath))
            #expect(ShellCommand.isDirectExecCompatible(program: "/bin/cp", environment: percentPath))
            #expect(!ShellCommand.isDirectExecCompatible(program: "cp", environment: [:]))
            #expect(ShellCommand.isDirectExecCompatible(program: "./tool", environment: [:]))
        }
    }

    // MARK: - Direct exec behaves as /bin/sh -c

    static let comparedCommands: [String] = [
        "/usr/bin/printf '[%s]\\n' a 'b c' 'd'\\''e' '' x\\ y \\$HOME",
        "/usr/bin/printf 'line1\nline2\\n'",
        "/usr/bin/env",
        "/bin/false",
        "/bin/pwd",
        "/bin/pwd -L",
        "cat /nonexistent/file",
        "ls -d . ..",
        "stask-no-such-program arg",
        "./script-without-shebang",
        "./not-executable",
        "./",
        "/bin/sh -c 'kill -SEGV $$'",
        "/bin/sh -c 'kill -TERM $$'",
        "/bin/sh -c 'kill -INT $$'",
        "/bin/sh -c 'kill -PIPE $$'",
        "/bin/sh -c 'echo out; echo err >&2; exit 7'",
    ]

    /// Environments: no PWD (dash sets the physical one), a wrong PWD (replaced), a logical PWD through a
    /// symbolic link (kept).
    enum EnvironmentCase: String, CaseIterable {
        case noPWD, wrongPWD, logicalPWD
    }

    @Test(arguments: comparedCommands, EnvironmentCase.allCases)
    func directExecMatchesTheShell(_ command: String, _ environmentCase: EnvironmentCase) async throws {
        let directory = try Support.makeDirectory()
        defer { Support.removeDirectory(directory) }
        try Support.write("echo from script\n", to: directory + "/script-without-shebang", mode: 0o755)
        try Support.write("echo never\n", to: directory + "/not-executable", mode: 0o644)
        var environment = Support.environment
        var workingDirectory = directory
        switch environmentCase {
        case .noPWD:
            break
        case .wrongPWD:
            environment["PWD"] = "/tmp"
        case .logicalPWD:
            try #require(symlink(directory, directory + "-link") == 0)
            workingDirectory = directory + "-link"
            environment["PWD"] = workingDirectory
        }
        defer { unlink(directory + "-link") }

        let direct = ProcessSpec.command(command, environment: environment, workingDirectory: workingDirectory)
        #expect(direct.isDirectExec)
        let shell = ProcessSpec.shell(command, environment: environment, workingDirectory: workingDirectory)
        let launcher = PosixProcessLauncher()
        let directResult = try await launcher.run(direct)
        let shellResult = try await launcher.run(shell)
        #expect(directResult.termination == shellResult.termination)
        if command == "/usr/bin/env" {
            // Same variables; the order of `environ` is not part of the contract.
            let directLines = Support.text(directResult.output).split(separator: "\n").sorted()
            let shellLines = Support.text(shellResult.output).split(separator: "\n").sorted()
            #expect(directLines == shellLines)
        } else {
            #expect(Support.text(directResult.output) == Support.text(shellResult.output))
        }
    }
}
