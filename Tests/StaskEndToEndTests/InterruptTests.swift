import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension EndToEndTests {
    /// SIGINT and SIGTERM stop the build in order: the running command's process group is killed, nothing
    /// else starts, no record is written, and the exit status is 128 + the signal.
    @Suite struct InterruptTests {
        @Test(arguments: [(SIGINT, Int32(130), "SIGINT"), (SIGTERM, Int32(143), "SIGTERM")])
        func signalStopsTheBuildKillsTheCommandAndWritesNoRecord(signal: Int32, status: Int32, name: String)
            async throws
        {
            let project = try FixtureProject("interrupt")
            let fifo = project.url("ready.fifo").path
            try #require(mkfifo(fifo, 0o600) == 0)
            let started = ContinuousClock.now
            let result = try await StaskInvocation.run(["build", "--progress=plain"], in: project.root) { process in
                // Opening the FIFO blocks until the slow step opens it to write: then it is running.
                let descriptor = open(fifo, O_RDONLY)
                var buffer = [UInt8](repeating: 0, count: 64)
                while read(descriptor, &buffer, buffer.count) > 0 {}
                close(descriptor)
                kill(process.processIdentifier, signal)
            }
            #expect(result.status == status, "\(result)")
            #expect(result.standardOutput.contains("interrupted by \(name)"), "\(result)")
            #expect(ContinuousClock.now - started < .seconds(20), "the 30 s sleep must have been killed")
            #expect(!project.exists("out.txt"))
            #expect(project.ran == [], "the dependent step never starts")
            let dryRun = try await project.build("--dry-run")
            #expect(dryRun.standardOutput.contains("would run slow: never built"), "no record: \(dryRun)")
        }
    }
}
