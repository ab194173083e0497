import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension EndToEndTests {
    /// Two stask processes in one directory: the second does not touch the state while the first builds.
    @Suite struct LockTests {
        @Test func secondBuildWithNoWaitStopsAtOnceWithAMessage() async throws {
            let project = try FixtureProject("interrupt")
            let ready = try FIFO(project.url("ready.fifo"))
            let root = project.root
            let first = try await StaskInvocation.run(["build", "--progress=plain"], in: root) { process in
                // The first build holds the lock while its slow step runs (it has written to the FIFO).
                _ = try await ready.lines(what: "the first build's slow step to start")
                let second = try await StaskInvocation.run(["build", "--progress=plain", "--no-wait"], in: root)
                #expect(second.status == 1, "\(second)")
                #expect(second.standardError.hasPrefix("stask: error:"), "\(second)")
                #expect(second.standardError.contains("another stask"), "\(second)")
                kill(process.processIdentifier, SIGINT)
            }
            #expect(first.status == 130, "\(first)")
        }
    }
}

extension EndToEndTests.LockTests {
    /// The second build waits with a message while the first holds the lock (its first
    /// task blocked on a FIFO), then finds everything up to date: the state was never written by both.
    @Test func secondBuildWaitsWithAMessageThenFindsEverythingBuilt() async throws {
        let project = try FixtureProject(files: Self.gatedProject)
        let fifo = try FIFO(project.url("gate.fifo"))
        let first = try WatchedProcess.stask(["build", "--progress=plain"], in: project.root)
        // Opening the FIFO to write returns once the gated task has opened it to read; it then reads until the
        // test closes it. So the first build holds the lock until `close(gate)`.
        let gate = try await fifo.openForWriting(what: "the first build's gated task to start")
        let second = try WatchedProcess.stask(["build", "--progress=plain"], in: project.root)
        #expect(await second.output(containing: "waiting for another stask"))
        close(gate)
        let firstResult = await first.result()
        let secondResult = await second.result()
        #expect(firstResult.status == 0, "\(firstResult)")
        #expect(secondResult.status == 0, "\(secondResult)")
        #expect(secondResult.standardOutput.contains("built 0, up to date 3"), "\(secondResult)")
        #expect(project.logLines.sorted() == ["a", "b", "gated"], "each task ran once")
        #expect(!(secondResult.standardOutput + secondResult.standardError).contains("build state"))
    }

    /// Regression (fault suite): a signal while waiting for the lock was ignored until the other build ended
    /// (and lost when nothing was left to run); now it stops the wait at once with 128 + signal.
    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func signalWhileWaitingForTheLockStopsAtOnce(signal: Int32, status: Int32) async throws {
        let project = try FixtureProject(files: Self.gatedProject)
        let fifo = try FIFO(project.url("gate.fifo"))
        let first = try WatchedProcess.stask(["build", "--progress=plain"], in: project.root)
        let gate = try await fifo.openForWriting(what: "the first build's gated task to start")
        let second = try WatchedProcess.stask(["build", "--progress=plain"], in: project.root)
        #expect(await second.output(containing: "waiting for another stask"))
        second.signal(signal)
        let secondResult = await second.result(timeout: .seconds(20))
        #expect(secondResult.status == status, "\(secondResult)")
        #expect(first.process.isRunning, "the second stopped while the first still held the lock")
        close(gate)
        let firstResult = await first.result()
        #expect(firstResult.status == 0, "\(firstResult)")
        #expect(project.logLines.sorted() == ["a", "b", "gated"])
    }

    /// A project whose `gated` task reads `gate.fifo` until the test opens it to write and closes it.
    static let gatedProject = [
        "Taskfile": """
        version: 1
        tasks:
          gated:
            outputs: [gated.txt]
            run:
              - echo gated >> log.txt
              - cat gate.fifo
              - echo done > gated.txt
          a:
            deps: [gated]
            outputs: [a.txt]
            run:
              - echo a >> log.txt
              - echo a > a.txt
          b:
            outputs: [b.txt]
            run:
              - echo b >> log.txt
              - echo b > b.txt

        """
    ]
}
