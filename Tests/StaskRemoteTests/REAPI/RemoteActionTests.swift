import SwiftProtobuf
import Testing

@testable import StaskREAPI
@testable import StaskRemote

@Suite struct RemoteActionTests {
    typealias Digest = Build_Bazel_Remote_Execution_V2_Digest

    static let root = Digest(of: [])

    static func action(
        environment: [String: String] = ["PATH": "/usr/bin:/bin", "LC_ALL": "C"],
        outputs: [String] = ["build/b.o", "build/a.o"], timeout: Duration? = .seconds(90),
        platform: [(name: String, value: String)] = [("OSFamily", "linux"), ("ISA", "x86-64")]
    ) -> RemoteAction {
        RemoteAction(
            arguments: ["/bin/sh", "-c", "cc -c a.c"], environment: environment, workingDirectory: "",
            outputPaths: outputs, platform: platform, inputRootDigest: root, timeout: timeout)
    }

    @Test func theCommandIsCanonical() throws {
        let remote = Self.action(outputs: ["build/b.o", "build/a.o", "build/b.o"])
        let command = try Build_Bazel_Remote_Execution_V2_Command(serializedBytes: remote.command)
        #expect(command.arguments == ["/bin/sh", "-c", "cc -c a.c"])
        #expect(command.environmentVariables.map(\.name) == ["LC_ALL", "PATH"])
        #expect(command.outputPaths == ["build/a.o", "build/b.o"])
        #expect(command.outputFiles == command.outputPaths)
        #expect(command.platform.properties.map(\.name) == ["ISA", "OSFamily"])
        #expect(remote.commandDigest == Digest(of: remote.command))
    }

    @Test func theActionNamesTheCommandTheRootAndTheTimeout() throws {
        let remote = Self.action(timeout: .milliseconds(1500))
        let action = try Build_Bazel_Remote_Execution_V2_Action(serializedBytes: remote.action)
        #expect(action.commandDigest == remote.commandDigest)
        #expect(action.inputRootDigest == Self.root)
        #expect(action.timeout.seconds == 1)
        #expect(action.timeout.nanos == 500_000_000)
        #expect(!action.doNotCache)
        #expect(action.platform.properties.count == 2)
        #expect(remote.actionDigest == Digest(of: remote.action))
    }

    @Test func theSameTaskIsTheSameActionWhateverTheOrderOfItsParts() {
        let first = Self.action(
            environment: ["A": "1", "B": "2"], outputs: ["x", "y"],
            platform: [("ISA", "x86-64"), ("OSFamily", "linux")])
        let second = Self.action(
            environment: ["B": "2", "A": "1"], outputs: ["y", "x"],
            platform: [("OSFamily", "linux"), ("ISA", "x86-64")])
        #expect(first.actionDigest == second.actionDigest)
    }

    @Test func anythingThatChangesTheResultChangesTheAction() {
        let base = Self.action().actionDigest
        #expect(Self.action(environment: ["PATH": "/bin"]).actionDigest != base)
        #expect(Self.action(outputs: ["build/a.o"]).actionDigest != base)
        #expect(Self.action(timeout: nil).actionDigest != base)
        #expect(Self.action(platform: []).actionDigest != base)
    }
}
