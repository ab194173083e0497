import Foundation
import Glibc
import StaskTestSupport
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
            let jobserver = try FifoJobserver(in: project)
            let result = try await project.build(
                environment: jobserver.environment, "--cpu", "4", "-k", "steps", "broken")
            #expect(result.status == 1, "\(result)")
            #expect(result.standardError.contains("warning") == false, "\(result)")
            #expect(StampInterval.peakOverlap(project.intervals) == 2, "\(project.intervals)")
            #expect(jobserver.tokensInPipe() == [UInt8(ascii: "+")], "the token came back")
        }

        @Test func tokensGoBackWhenTheBuildIsInterrupted() async throws {
            let project = try FixtureProject("jobserver")
            let jobserver = try FifoJobserver(in: project)
            let ready = try FIFO(project.url("ready.fifo"))
            let result = try await StaskInvocation.run(
                ["build", "--progress=plain", "--cpu", "4", "waiting"], in: project.root,
                environment: jobserver.environment
            ) { process in
                // Both steps run: one on stask's own slot, one on the token.
                _ = try await ready.lines(2, what: "both steps to start")
                kill(process.processIdentifier, SIGINT)
            }
            #expect(result.status == 130, "\(result)")
            #expect(jobserver.tokensInPipe() == [UInt8(ascii: "+")], "the token came back")
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

        /// stask's peak of jobs in the whole tree, and of the nested build's own, under `-j2`.
        static func peaks(_ project: FixtureProject) -> (all: Int, nested: Int) {
            let intervals = project.intervals
            return (
                StampInterval.peakOverlap(intervals),
                StampInterval.peakOverlap(intervals.filter { $0.name.hasPrefix("nested-") })
            )
        }

        @Test(arguments: ["nested-make", "nested-ninja"])
        func aNestedBuildWithoutMinusJSharesStasksBudgetAndUsesWhatIsIdle(_ task: String) async throws {
            let project = try FixtureProject("jobserver")
            // ninja 1.13 (the first that is a jobserver client), from PyPI, first on PATH.
            let ninja = try await NinjaTool.binDirectory()
            let path = "\(ninja.path):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
            let result = try await project.build(environment: ["PATH": path], "-j2", task, "side")
            #expect(result.status == 0, "\(result)")
            #expect(project.intervals.count == 9, "\(project.logLines)")
            let peaks = Self.peaks(project)
            // Never more than stask's two units in the whole tree, but once stask's own steps are done the
            // nested build gets the second unit and runs two jobs at once.
            #expect(peaks.all == 2, "\(project.intervals)")
            #expect(peaks.nested == 2, "\(project.intervals)")
            let fifos =
                (try? FileManager.default.contentsOfDirectory(atPath: project.url(".stask/jobserver").path)) ?? []
            #expect(fifos.isEmpty, "a named pipe was left: \(fifos)")
        }

        @Test(arguments: ["nested-make", "nested-ninja"])
        func aNestedBuildAloneGetsEveryIdleUnit(_ task: String) async throws {
            let project = try FixtureProject("jobserver")
            let ninja = try await NinjaTool.binDirectory()
            let path = "\(ninja.path):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"
            let result = try await project.build(environment: ["PATH": path], "-j4", task)
            #expect(result.status == 0, "\(result)")
            #expect(Self.peaks(project).nested == 4, "\(project.intervals)")
        }

        @Test func twoStasksUnderMakeMinusJ2ShareItsSlotsAndBothFinish() async throws {
            let project = try FixtureProject("jobserver")
            let result = try await runTool(
                ["make", "-j2", "twins", "STASK=\(StaskInvocation.binary.path)"], in: project.root,
                timeout: .seconds(30))
            #expect(result.status == 0, "\(result)")
            #expect(project.intervals.count == 4, "\(project.logLines)")
            #expect(StampInterval.peakOverlap(project.intervals) <= 2, "\(project.intervals)")
        }

        @Test func aJobserverTaskUnderMakeTakesMakesTokensSoTheTreeStaysWithinMakesJobs() async throws {
            let project = try FixtureProject("jobserver")
            let result = try await runTool(
                ["make", "-j2", "nested-under-make", "STASK=\(StaskInvocation.binary.path)"], in: project.root)
            #expect(result.status == 0, "\(result)")
            #expect(project.intervals.count == 7, "\(project.logLines)")
            #expect(StampInterval.peakOverlap(project.intervals) <= 2, "\(project.intervals)")
        }

        @Test func tokensATaskKeptAreReclaimedWhenItEnds() async throws {
            let project = try FixtureProject("jobserver")
            // `leak` reads a token from its jobserver and exits without writing it back; the three steps after
            // it still run two at a time under -j2.
            let result = try await project.build("-j2", "after-leak")
            #expect(result.status == 0, "\(result)")
            #expect(StampInterval.peakOverlap(project.intervals) == 2, "\(project.intervals)")
        }
    }
}

/// ninja 1.13.2 from PyPI (the `ninja` wheel), kept in the test cache and installed with pip when missing.
enum NinjaTool {
    static let requirement = "ninja==1.13.2"

    /// The folder holding the `ninja` binary (the wheel puts the binary itself in `bin/`).
    static func binDirectory() async throws -> URL {
        try await pipInstalled([requirement], folder: "ninja-1.13.2", probe: "bin/ninja").appendingPathComponent("bin")
    }
}

/// The named pipe of a `make -j2` jobserver (GNU make 4.4's form) that the test owns: one token in it
/// besides stask's own slot, and the pipe kept open so it can count what comes back.
final class FifoJobserver {
    let path: String
    private let holder: Int32

    init(in project: FixtureProject) throws {
        path = project.url("jobserver.fifo").path
        guard mkfifo(path, 0o600) == 0 else { throw HarnessError("mkfifo \(path) failed: errno \(errno)") }
        holder = open(path, O_RDWR | O_NONBLOCK)
        guard holder >= 0, write(holder, "+", 1) == 1 else { throw HarnessError("cannot open \(path)") }
    }

    deinit { close(holder) }

    /// `MAKEFLAGS` naming this jobserver, as make 4.4 writes it.
    var environment: [String: String] { ["MAKEFLAGS": " -j2 --jobserver-auth=fifo:\(path)"] }

    /// The tokens in the pipe now (read out of it).
    func tokensInPipe() -> [UInt8] {
        var tokens = [UInt8](repeating: 0, count: 64)
        let count = read(holder, &tokens, tokens.count)
        return count > 0 ? Array(tokens[..<count]) : []
    }
}
