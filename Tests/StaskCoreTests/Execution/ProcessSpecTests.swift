import Testing

@testable import StaskCore

@Suite struct ProcessSpecTests {
    let environment = ["PATH": "/usr/bin:/bin", "HOME": "/root"]

    @Test func commandWithoutShellSyntaxExecsDirectly() {
        let spec = ProcessSpec.command("cp 'a b' c", environment: environment, workingDirectory: "/p")
        #expect(spec.arguments == ["cp", "a b", "c"])
        #expect(spec.shellCommand == "cp 'a b' c")
        #expect(spec.isDirectExec)
    }

    @Test func commandWithShellSyntaxGoesThroughTheShell() {
        let spec = ProcessSpec.command("cc $CFLAGS -c a.c", environment: environment, workingDirectory: "/p")
        #expect(spec.arguments == ["/bin/sh", "-c", "cc $CFLAGS -c a.c"])
        #expect(spec.shellCommand == "cc $CFLAGS -c a.c")
        #expect(!spec.isDirectExec)
    }

    @Test(arguments: [
        ["PATH": "/usr/bin", "A-B": "1"],
        ["PATH": "/usr/bin", "IFS": ":"],
        ["PATH": "/usr/bin", "OPTIND": "3"],
        ["PATH": "/usr/bin", "PPID": "1"],
        ["PATH": "/usr/bin:%builtin"],
        ["HOME": "/root"],
    ])
    func environmentsTheShellWouldChangeGoThroughTheShell(_ environment: [String: String]) {
        let spec = ProcessSpec.command("cp a b", environment: environment, workingDirectory: "/p")
        #expect(!spec.isDirectExec)
        #expect(spec.arguments == ["/bin/sh", "-c", "cp a b"])
    }

    @Test func programPathNeedsNoPATH() {
        let spec = ProcessSpec.command("/bin/cp a b", environment: ["HOME": "/root"], workingDirectory: "/p")
        #expect(spec.isDirectExec)
    }

    @Test func shellAndHandBuiltSpecsAreNotDirectExec() {
        #expect(!ProcessSpec.shell("cp a b", environment: environment, workingDirectory: "/p").isDirectExec)
        let manual = ProcessSpec(arguments: ["cp", "a", "b"], environment: environment, workingDirectory: "/p")
        #expect(manual.shellCommand == nil)
        #expect(!manual.isDirectExec)
        #expect(manual.logDirectory == nil)
    }

    @Test func resultDefaultsCountTheWholeOutput() {
        let result = ProcessResult(termination: .exited(0), output: Array("abc".utf8), wallTime: .zero, cpuTime: .zero)
        #expect(result.outputByteCount == 3)
        #expect(!result.isOutputTruncated)
        #expect(result.logPath == nil)
    }

    @Test func errorsReadLikeCompilerMessages() {
        #expect(
            ProcessError.spawnFailed(program: "cc", errno: 2).description
                == "cannot run 'cc': No such file or directory (errno 2)")
        #expect(
            ProcessError.invalidWorkingDirectory(path: "/p/sub", errno: 2).description
                == "/p/sub: cannot enter working directory: No such file or directory (errno 2)")
    }
}
