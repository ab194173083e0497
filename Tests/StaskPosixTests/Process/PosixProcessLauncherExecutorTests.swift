import Synchronization
import Testing

@testable import StaskCore
@testable import StaskPosix

#if canImport(Glibc)
    import Glibc
#endif

/// The launcher's monitor thread as a task executor: the build's event loop.
@Suite(.timeLimit(.minutes(1)))
struct PosixProcessLauncherExecutorTests {
    let environment = ExecutionTestSupport.environment

    /// The calling thread's id.
    static func threadID() -> UInt { UInt(bitPattern: Int(bitPattern: pthread_self())) }

    @Test func tasksPreferringItRunOnOneThreadAcrossSpawnsAndChildTasks() async throws {
        let launcher = PosixProcessLauncher()
        let executor = try #require(launcher.taskExecutor)
        let threads = try await withTaskExecutorPreference(executor) {
            var seen: Set<UInt> = [Self.threadID()]
            _ = try await launcher.run(.command("true", environment: environment, workingDirectory: "/"))
            seen.insert(Self.threadID())
            let children = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        _ = try await launcher.run(.command("true", environment: environment, workingDirectory: "/"))
                        return Self.threadID()
                    }
                }
                return try await group.reduce(into: Set<UInt>()) { $0.insert($1) }
            }
            return seen.union(children)
        }
        #expect(threads.count == 1)
    }

    @Test func manyConcurrentRunsOnTheExecutorEachGetTheirOwnResult() async throws {
        let launcher = PosixProcessLauncher()
        let outputs = try await withTaskExecutorPreference(launcher.taskExecutor) {
            try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let result = try await launcher.run(
                            .command("printf \(index)", environment: environment, workingDirectory: "/"))
                        return (index, String(decoding: result.output, as: UTF8.self))
                    }
                }
                return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
            }
        }
        #expect(outputs.count == 40)
        for index in 0..<40 { #expect(outputs[index] == "\(index)") }
    }

    @Test func cancellingATaskOnTheExecutorKillsItsChild() async throws {
        let launcher = PosixProcessLauncher()
        let directory = try ExecutionTestSupport.makeDirectory()
        defer { ExecutionTestSupport.removeDirectory(directory) }
        let fifo = try ExecutionTestSupport.makeFIFO(in: directory)
        let run = Task {
            try await withTaskExecutorPreference(launcher.taskExecutor) {
                try await launcher.run(
                    .shell(
                        "echo up > '\(fifo)'; exec sleep 30", environment: environment, workingDirectory: directory,
                        gracePeriod: .milliseconds(100)))
            }
        }
        #expect(await ExecutionTestSupport.readLine(fromFIFO: fifo) == "up")
        run.cancel()
        await #expect(throws: ProcessError.cancelled) { try await run.value }
    }

    @Test func theExecutorRunsPlainJobsThatNeverSpawn() async throws {
        let launcher = PosixProcessLauncher()
        let sum = await withTaskExecutorPreference(launcher.taskExecutor) {
            await withTaskGroup(of: Int.self) { group in
                for value in 1...100 {
                    group.addTask {
                        await Task.yield()
                        return value
                    }
                }
                return await group.reduce(0, +)
            }
        }
        #expect(sum == 5050)
    }

    @Test func theExecutorThreadLeavesSIGCHLDUnblocked() async throws {
        // Its children's SIGCHLD is then dropped by the kernel instead of waking another thread.
        let launcher = PosixProcessLauncher()
        let blocked = await withTaskExecutorPreference(launcher.taskExecutor) {
            var mask = sigset_t()
            pthread_sigmask(SIG_BLOCK, nil, &mask)
            return sigismember(&mask, SIGCHLD) == 1
        }
        #expect(!blocked)
    }

    @Test func withoutItsWakePipeTheLauncherOffersNoExecutorAndJobsStillRun() async throws {
        let launcher = PosixProcessLauncher(
            outputMemoryLimit: 4 << 20, outputTailSize: 64 << 10, capabilities: .detected, makesWakePipe: false)
        #expect(launcher.taskExecutor == nil)
        await #expect(throws: ProcessError.self) {
            try await launcher.run(.command("true", environment: environment, workingDirectory: "/"))
        }
        // The monitor itself, used as an executor anyway, hands its jobs to the global executor.
        let monitor = ProcessMonitor(
            spawner: ProcessSpawner(capabilities: .detected), memoryLimit: 1 << 20, tailSize: 1 << 10,
            makesWakePipe: false)
        let value = await withTaskExecutorPreference(monitor) {
            await Task.yield()
            return 42
        }
        #expect(value == 42)
    }

    @Test func directExecGetsThePWDOfEachWorkingDirectory() async throws {
        let launcher = PosixProcessLauncher()
        let first = try ExecutionTestSupport.makeDirectory()
        let second = try ExecutionTestSupport.makeDirectory()
        defer {
            ExecutionTestSupport.removeDirectory(first)
            ExecutionTestSupport.removeDirectory(second)
        }
        var seen: [String] = []
        for directory in [first, second, first] {
            let spec = ProcessSpec.command("env", environment: environment, workingDirectory: directory)
            #expect(spec.isDirectExec)
            let output = String(decoding: try await launcher.run(spec).output, as: UTF8.self)
            seen.append(output.split(separator: "\n").first { $0.hasPrefix("PWD=") }.map(String.init) ?? "")
        }
        #expect(seen == ["PWD=\(first)", "PWD=\(second)", "PWD=\(first)"])
    }
}
