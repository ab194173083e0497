import Foundation
import StaskTestSupport
import Testing

@testable import StaskCore
@testable import StaskPosix

/// `ProcessSpec.outputFiles`: standard output and standard error kept apart, in files.
@Suite(.timeLimit(.minutes(1)))
struct PosixProcessLauncherOutputFilesTests {
    @Test func writesStandardOutputAndStandardErrorToTheirOwnFiles() async throws {
        let scratch = try ScratchDirectory()
        var spec = ProcessSpec(
            arguments: ["/bin/sh", "-c", "echo out; echo err >&2; echo more; exit 4"], environment: [:],
            workingDirectory: scratch.path)
        spec.outputFiles = .init(
            standardOutput: scratch.appending("stdout"), standardError: scratch.appending("stderr"))
        let result = try await PosixProcessLauncher().run(spec)
        #expect(result.termination == .exited(4))
        #expect(result.output.isEmpty)
        #expect(FileManager.default.contents(atPath: scratch.appending("stdout")) == Data("out\nmore\n".utf8))
        #expect(FileManager.default.contents(atPath: scratch.appending("stderr")) == Data("err\n".utf8))
    }
}
