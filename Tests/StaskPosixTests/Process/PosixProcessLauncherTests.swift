import Foundation
import Testing

@testable import StaskCore
@testable import StaskPosix

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.timeLimit(.minutes(1)))
struct PosixProcessLauncherTests {
    typealias Support = ExecutionTestSupport
    let environment = ExecutionTestSupport.environment

    private func launcher(_ capabilities: ProcessSpawner.Capabilities = .detected) -> PosixProcessLauncher {
        PosixProcessLauncher(outputMemoryLimit: 4 << 20, outputTailSize: 64 << 10, capabilities: capabilities)
    }

    // MARK: - Exit, output, environment

    @Test(arguments: ExecutionTestSupport.capabilitySets)
    func reportsExitStatus(_ capabilities: ProcessSpawner.Capabilities) async throws {
        let launcher = launcher(capabilities)
        let failed = try await launcher.run(.shell("exit 3", environment: environment, workingDirectory: "/"))
        #expect(failed.termination == .exited(3))
        #expect(!failed.termination.isSuccess)
        let passed = try await launcher.run(
            ProcessSpec(arguments: ["true"], environment: environment, workingDirectory: "/"))
        #expect(passed.termination == .exited(0))
        #expect(passed.termination.isSuccess)
    }

    @Test func reportsDeathBySignal() async throws {
        let result = try await launcher().run(
            .shell("kill -SEGV $$", environment: environment, workingDirectory: "/tmp"))
        #expect(result.termination == .signalled(SIGSEGV))
    }

    @Test func interleavesStdoutAndStderrAsWritten() async throws {
        let result = try await launcher().run(
            .shell("echo 1; echo 2 >&2; echo 3; echo 4 >&2", environment: environment, workingDirectory: "/"))
        #expect(Support.text(result.output) == "1\n2\n3\n4\n")
        #expect(result.outputByteCount == 8)
        #expect(result.logPath == nil)
        #expect(!result.isOutputTruncated)
    }

    @Test(arguments: ExecutionTestSupport.capabilitySets)
    func passesEnvironmentAndWorkingDirectory(_ capabilities: ProcessSpawner.Capabilities) async throws {
        let directory = try Support.makeDirectory()
        defer { Support.removeDirectory(directory) }
        var environment = environment
        environment["STASK_TEST_VALUE"] = "a b"
        let result = try await launcher(capabilities).run(
            .shell(
                "printf '%s\\n' \"$STASK_TEST_VALUE\"; /bin/pwd", environment: environment, workingDirectory: directory)
        )
        #expect(Support.text(result.output) == "a b\n\(directory)\n")
    }

    @Test func givesOnlyDevNullAndTheOutputPipe() async throws {
        let result = try await launcher().run(
            ProcessSpec(
                arguments: ["/bin/sh", "-c", "cat; ls /proc/self/fd; readlink /proc/self/fd/0"],
                environment: environment, workingDirectory: "/"))
        // cat sees end of file at once; ls's own directory handle is descriptor 3.
        #expect(Support.text(result.output) == "0\n1\n2\n3\n/dev/null\n")
    }

    @Test func resetsIgnoredSignalsAndMaskInTheChild() async throws {
        // stask ignores SIGPIPE (InterruptMonitor); its children must not inherit that.
        signal(SIGPIPE, SIG_IGN)
        let result = try await launcher().run(
            ProcessSpec(
                arguments: ["grep", "-E", "^(SigBlk|SigIgn)", "/proc/self/status"], environment: environment,
                workingDirectory: "/"))
        #expect(Support.text(result.output) == "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n")
    }

    @Test func measuresWallAndCPUTime() async throws {
        let result = try await launcher().run(
            .shell(
                "i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done", environment: environment,
                workingDirectory: "/"))
        #expect(result.cpuTime > .zero)
        #expect(result.wallTime >= result.cpuTime / 2)
    }

    // MARK: - Failures to start

    @Test func throwsSpawnFailedForMissingProgram() async throws {
        let launcher = launcher()
        await #expect(throws: ProcessError.spawnFailed(program: "/nonexistent/program", errno: ENOENT)) {
            try await launcher.run(
                ProcessSpec(arguments: ["/nonexistent/program"], environment: environment, workingDirectory: "/"))
        }
        await #expect(throws: ProcessError.spawnFailed(program: "stask-no-such-program", errno: ENOENT)) {
            try await launcher.run(
                ProcessSpec(arguments: ["stask-no-such-program"], environment: environment, workingDirectory: "/"))
        }
    }

    @Test func shellCommandWithMissingProgramFailsAsTheShellDoes() async throws {
        let spec = ProcessSpec.command("stask-no-such-program x", environment: environment, workingDirectory: "/")
        #expect(spec.isDirectExec)
        let result = try await launcher().run(spec)
        #expect(result.termination == .exited(127))
        #expect(Support.text(result.output) == "/bin/sh: 1: stask-no-such-program: not found\n")
    }

    @Test(arguments: ExecutionTestSupport.capabilitySets)
    func throwsForMissingWorkingDirectory(_ capabilities: ProcessSpawner.Capabilities) async throws {
        let launcher = launcher(capabilities)
        await #expect(throws: ProcessError.invalidWorkingDirectory(path: "/nonexistent/dir", errno: ENOENT)) {
            try await launcher.run(.command("ls", environment: environment, workingDirectory: "/nonexistent/dir"))
        }
    }

    // MARK: - Timeout and cancellation

    @Test(arguments: ExecutionTestSupport.capabilitySets)
    func timeoutKillsTheWholeGroup(_ capabilities: ProcessSpawner.Capabilities) async throws {
        // On a loaded machine the shell may not reach `echo` before a short timeout: then there is no
        // grandchild to look for, and the run is repeated with a longer one.
        for timeout: Duration in [.milliseconds(200), .seconds(2), .seconds(20)] {
            var spec = ProcessSpec.shell(
                "sleep 100 & echo $!; sleep 100", environment: environment, workingDirectory: "/", timeout: timeout)
            // A grace period far above anything a loaded machine adds, so the bound below tells "SIGTERM
            // sufficed" from "waited for the grace period" and nothing else.
            spec.gracePeriod = .seconds(120)
            let clock = ContinuousClock()
            let start = clock.now
            let result = try await launcher(capabilities).run(spec)
            #expect(result.termination == .timedOut)
            // SIGTERM sufficed: nobody waited for the grace period.
            #expect(clock.now - start < timeout + .seconds(60))
            guard let grandchild = pid_t(Support.text(result.output).trimmingCharacters(in: .whitespacesAndNewlines))
            else { continue }
            #expect(await Support.hasExited(grandchild))
            return
        }
        Issue.record("the shell never started its grandchild, even with a 20 s timeout")
    }

    @Test func timeoutEscalatesToSIGKILLAfterTheGracePeriod() async throws {
        let spec = ProcessSpec.shell(
            "trap '' TERM; sleep 100", environment: environment, workingDirectory: "/", timeout: .milliseconds(100),
            gracePeriod: .milliseconds(300))
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await launcher().run(spec)
        #expect(result.termination == .timedOut)
        #expect(clock.now - start >= .milliseconds(400))
    }

    @Test func cancellationKillsTheGroupAndThrowsPromptly() async throws {
        let directory = try Support.makeDirectory()
        defer { Support.removeDirectory(directory) }
        let fifo = try Support.makeFIFO(in: directory)
        let launcher = launcher()
        let spec = ProcessSpec.shell(
            "sleep 100 & echo $! > '\(fifo)'; wait", environment: environment, workingDirectory: directory,
            gracePeriod: .seconds(20))
        let clock = ContinuousClock()
        let task = Task { try await launcher.run(spec) }
        let grandchild = try #require(pid_t(await Support.readLine(fromFIFO: fifo)))
        let cancelledAt = clock.now
        task.cancel()
        await #expect(throws: ProcessError.cancelled) { try await task.value }
        #expect(clock.now - cancelledAt < .seconds(10))
        #expect(await Support.hasExited(grandchild))
    }

    @Test func cancellationEscalatesToSIGKILLAfterTheGracePeriod() async throws {
        let directory = try Support.makeDirectory()
        defer { Support.removeDirectory(directory) }
        let fifo = try Support.makeFIFO(in: directory)
        let launcher = launcher()
        let spec = ProcessSpec.shell(
            "trap '' TERM; echo ready > '\(fifo)'; sleep 100", environment: environment, workingDirectory: directory,
            gracePeriod: .milliseconds(300))
        let clock = ContinuousClock()
        let task = Task { try await launcher.run(spec) }
        #expect(await Support.readLine(fromFIFO: fifo) == "ready")
        let cancelledAt = clock.now
        task.cancel()
        await #expect(throws: ProcessError.cancelled) { try await task.value }
        #expect(clock.now - cancelledAt >= .milliseconds(300))
    }

    @Test func cancelledTaskSpawnsNothing() async throws {
        let directory = try Support.makeDirectory()
        defer { Support.removeDirectory(directory) }
        let launcher = launcher()
        let marker = directory + "/marker"
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await launcher.run(
                .command("touch marker", environment: environment, workingDirectory: directory))
        }
        await #expect(throws: ProcessError.cancelled) { try await task.value }
        #expect(access(marker, F_OK) != 0)
    }

    @Test func killAllSignalsEveryRunningGroup() async throws {
        let directory = try Support.makeDirectory()
        defer { Support.removeDirectory(directory) }
        let launcher = launcher()
        let first = try Support.makeFIFO(in: directory, name: "first")
        let second = try Support.makeFIFO(in: directory, name: "second")
        let viaShell = ProcessSpec.shell(
            "echo ready > first; exec sleep 100", environment: environment, workingDirectory: directory)
        let direct = ProcessSpec.command(
            "/bin/sh -c 'echo ready > second; exec sleep 100'", environment: environment, workingDirectory: directory)
        #expect(direct.isDirectExec)
        async let firstResult = launcher.run(viaShell)
        async let secondResult = launcher.run(direct)
        #expect(await Support.readLine(fromFIFO: first) == "ready")
        #expect(await Support.readLine(fromFIFO: second) == "ready")
        launcher.killAll(signal: SIGKILL)
        // Killed by stask, so reported as a signal even for the directly exec'd one.
        #expect(try await firstResult.termination == .signalled(SIGKILL))
        #expect(try await secondResult.termination == .signalled(SIGKILL))
    }

    // MARK: - Grandchildren and output volume

    @Test func backgroundGrandchildHoldingThePipeDoesNotHang() async throws {
        let result = try await launcher().run(
            .shell("sleep 100 & echo $!", environment: environment, workingDirectory: "/"))
        #expect(result.termination == .exited(0))
        let grandchild = try #require(
            pid_t(Support.text(result.output).trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(grandchild, SIGKILL)
    }

    @Test func largeOutputSpillsToALogFileAndKeepsTheTail() async throws {
        let directory = try Support.makeDirectory()
        defer { Support.removeDirectory(directory) }
        let command = "seq 1 2500000"
        let expectedPath = directory + "/expected"
        _ = try await launcher().run(
            .shell("\(command) > expected", environment: environment, workingDirectory: directory))
        let expected = try [UInt8](Data(contentsOf: URL(fileURLWithPath: expectedPath)))
        #expect(expected.count > 18_000_000)

        let logs = directory + "/logs/nested"
        let result = try await launcher().run(
            .command(command, environment: environment, workingDirectory: directory, logDirectory: logs))
        #expect(result.termination == .exited(0))
        #expect(result.outputByteCount == expected.count)
        #expect(result.output == Array(expected.suffix(64 << 10)))
        #expect(result.isOutputTruncated)
        let logPath = try #require(result.logPath)
        #expect(logPath.hasPrefix(logs + "/"))
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: logPath))) == expected)
    }

    @Test func largeOutputWithoutLogDirectoryKeepsOnlyTheTail() async throws {
        let launcher = PosixProcessLauncher(outputMemoryLimit: 100_000, outputTailSize: 1_000)
        let result = try await launcher.run(.command("seq 1 100000", environment: environment, workingDirectory: "/"))
        #expect(result.outputByteCount == 588_895)
        #expect(result.logPath == nil)
        #expect(Support.text(result.output).hasSuffix("99999\n100000\n"))
        #expect(result.output.count == 1_000)
    }

    @Test(arguments: ExecutionTestSupport.capabilitySets)
    func reapsManyConcurrentProcesses(_ capabilities: ProcessSpawner.Capabilities) async throws {
        let launcher = launcher(capabilities)
        let count = capabilities == .detected ? 200 : 50
        let results = try await withThrowingTaskGroup(of: (Int, ProcessResult).self) { group in
            for index in 0..<count {
                group.addTask {
                    let spec = ProcessSpec.shell(
                        "echo \(index); exit \(index % 7)", environment: environment, workingDirectory: "/")
                    return (index, try await launcher.run(spec))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == count)
        for (index, result) in results {
            #expect(result.termination == .exited(Int32(index % 7)))
            #expect(Support.text(result.output) == "\(index)\n")
        }
    }
}
