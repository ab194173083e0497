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
            let fifo = project.url("ready.fifo").path
            try #require(mkfifo(fifo, 0o600) == 0)
            let root = project.root
            let first = try await StaskInvocation.run(["build", "--progress=plain"], in: root) { process in
                // The first build holds the lock while its slow step waits on the FIFO.
                let descriptor = open(fifo, O_RDONLY)
                let second = try? await StaskInvocation.run(["build", "--progress=plain", "--no-wait"], in: root)
                #expect(second?.status == 1, "\(second.map(String.init(describing:)) ?? "")")
                #expect(second?.standardError.hasPrefix("stask: error:") == true)
                #expect(second?.standardError.contains("another stask") == true)
                var buffer = [UInt8](repeating: 0, count: 64)
                while read(descriptor, &buffer, buffer.count) > 0 {}
                close(descriptor)
                kill(process.processIdentifier, SIGINT)
            }
            #expect(first.status == 130, "\(first)")
        }
    }
}
