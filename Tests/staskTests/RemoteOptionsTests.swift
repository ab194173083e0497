import ArgumentParser
import StaskCore
import Testing

@testable import stask

/// The remote execution options of `stask build`, as the engine gets them.
@Suite struct RemoteOptionsTests {
    private static func options(_ words: [String]) throws -> BuildOptions {
        let command = try #require(try Stask.parseAsRoot(["build"] + words) as? BuildCommand)
        return try command.request.makeOptions()
    }

    @Test func theOptionsReachTheEngine() throws {
        let options = try Self.options([
            "--remote-executor", "grpc://cluster:8980/main", "--remote-instance", "ci", "--remote-jobs", "32",
            "--remote-only",
        ])
        #expect(options.remoteExecutor == .server(try RemoteCacheEndpoint(parsing: "grpc://cluster:8980/main")))
        #expect(options.remoteInstance == "ci" && options.remoteJobs == 32 && options.isRemoteOnly)
        #expect(try Self.options(["--remote-executor", "off"]).remoteExecutor == .off)
        #expect(try Self.options([]).remoteExecutor == .fromTaskfile)
    }

    @Test(arguments: [
        (["--remote-jobs", "0"], "--remote-jobs 0: must be at least 1"),
        (["--remote-executor", "http://cache:8080"], "--remote-executor: "),
        (["--remote-executor", "off", "--remote-only"], "--remote-only with the remote executor off"),
    ])
    func badValuesAreUsageErrorsNamingTheOption(words: [String], message: String) {
        #expect {
            _ = try Self.options(words)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
