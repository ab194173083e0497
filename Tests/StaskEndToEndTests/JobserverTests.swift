import Foundation
import Glibc
import Testing

extension EndToEndTests {
    /// stask as a client of GNU make's jobserver: the whole tree shares make's job slots (from the
    /// commands' own timestamps), and every token taken goes back.
    @Suite struct JobserverTests {
        @Test func underMakeMinusJ3TheWholeTreeNeverRunsMoreThanThreeJobs() async throws {
            let project = try FixtureProject("jobserver")
            let result = try await runTool(["make", "-j3", "STASK=\(StaskInvocation.binary.path)"], in: project.root)
            #expect(result.status == 0, "\(result)")
            let intervals = project.intervals
            #expect(intervals.count == 8, "\(project.logLines)")
            // make-a and make-b hold their slots until stask's first step starts: the tree uses its three slots,
            // no more, although stask alone was given `--cpu 8`.
            #expect(StampInterval.peakOverlap(intervals) == 3, "\(intervals)")
            // Once make's own recipes are done, their slots come back and stask's steps use them.
            let steps = intervals.filter { $0.name.hasPrefix("stask-") }
            #expect(StampInterval.peakOverlap(steps) >= 2, "\(steps)")
        }

        @Test func everyTokenGoesBackAlsoAfterAFailure() async throws {
            let project = try FixtureProject("jobserver")
            let fifo = project.url("jobserver.fifo").path
            #expect(mkfifo(fifo, 0o600) == 0)
            let holder = open(fifo, O_RDWR | O_NONBLOCK)
            #expect(holder >= 0)
            defer { close(holder) }
            #expect(write(holder, "+", 1) == 1)  // `make -j2`: one token besides stask's own slot

            let environment = ["MAKEFLAGS": " -j2 --jobserver-auth=fifo:\(fifo)"]
            let result = try await project.build(environment: environment, "--cpu", "4", "-k", "steps", "broken")
            #expect(result.status == 1, "\(result)")
            #expect(result.standardError.contains("warning") == false, "\(result)")
            #expect(StampInterval.peakOverlap(project.intervals) == 2, "\(project.intervals)")
            var tokens = [UInt8](repeating: 0, count: 8)
            let count = read(holder, &tokens, tokens.count)
            #expect(count == 1 && tokens[0] == UInt8(ascii: "+"), "the token came back: \(count)")
        }

        @Test func aJobserverThatIsNotThereIsOneWarningAndTheUsualBudget() async throws {
            let project = try FixtureProject("jobserver")
            let environment = ["MAKEFLAGS": " -j3 --jobserver-auth=97,98"]
            let result = try await project.build(environment: environment, "--cpu", "2", "steps")
            #expect(result.status == 0, "\(result)")
            let warnings = result.standardError.components(separatedBy: "cannot use make's jobserver").count - 1
            #expect(warnings == 1, "\(result)")
            #expect(StampInterval.peakOverlap(project.intervals) == 2, "\(project.intervals)")
        }
    }
}
