import FoundationEssentials
import StaskCore
import StaskRemote
import SwiftProtobuf

/// A task instance as a Remote Execution API action: its `Command` and `Action` messages, serialized as the
/// digests that key them are computed (so the same task gives the same action digest on every machine, and a
/// second build anywhere is an action-cache hit).
///
/// - `Command`: `arguments` as given (stask runs each command through `/bin/sh -c`), exactly `environment`
///   (sorted by name, as REAPI requires; the caller must include `PATH`: a worker adds nothing), the output
///   paths sorted and without duplicates (in `output_paths`, and in `output_files` for servers older than
///   REAPI 2.1), the working directory relative to the input root, the platform properties sorted.
/// - `Action`: the command's and the input root's digests, the timeout, the platform (again, as REAPI 2.2 wants
///   it on the Action), `do_not_cache` for tasks that must always run.
struct RemoteAction: Sendable {
    typealias Digest = Build_Bazel_Remote_Execution_V2_Digest

    let command: [UInt8]
    let commandDigest: Digest
    let action: [UInt8]
    let actionDigest: Digest

    /// The action for one command.
    ///
    /// - Parameters:
    ///   - workingDirectory: Relative to the input root; empty for the root.
    ///   - outputPaths: Relative to the working directory.
    ///   - platform: Name and value pairs (`OSFamily`, `ISA`, or the cluster's own keys).
    init(
        arguments: [String], environment: [String: String], workingDirectory: String, outputPaths: [String],
        platform: [(name: String, value: String)], inputRootDigest: Digest, timeout: Duration?,
        doNotCache: Bool = false
    ) {
        func byUTF8(_ left: String, _ right: String) -> Bool {
            left.utf8.lexicographicallyPrecedes(right.utf8)
        }
        var platformMessage = Build_Bazel_Remote_Execution_V2_Platform()
        platformMessage.properties =
            platform.sorted { $0.name == $1.name ? byUTF8($0.value, $1.value) : byUTF8($0.name, $1.name) }.map {
                var property = Build_Bazel_Remote_Execution_V2_Platform.Property()
                property.name = $0.name
                property.value = $0.value
                return property
            }

        var command = Build_Bazel_Remote_Execution_V2_Command()
        command.arguments = arguments
        command.environmentVariables = environment.keys.sorted(by: byUTF8).map {
            var variable = Build_Bazel_Remote_Execution_V2_Command.EnvironmentVariable()
            variable.name = $0
            variable.value = environment[$0] ?? ""
            return variable
        }
        let outputs = Array(Set(outputPaths)).sorted(by: byUTF8)
        command.outputPaths = outputs
        command.outputFiles = outputs
        command.workingDirectory = workingDirectory
        if !platformMessage.properties.isEmpty { command.platform = platformMessage }
        // Deterministic: these messages have no maps, and fields serialize in number order.
        let commandBytes: [UInt8] = (try? command.serializedBytes()) ?? []
        let commandDigest = Digest(of: commandBytes)

        var action = Build_Bazel_Remote_Execution_V2_Action()
        action.commandDigest = commandDigest
        action.inputRootDigest = inputRootDigest
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            var duration = Google_Protobuf_Duration()
            duration.seconds = seconds
            duration.nanos = Int32(attoseconds / 1_000_000_000)
            action.timeout = duration
        }
        action.doNotCache = doNotCache
        if !platformMessage.properties.isEmpty { action.platform = platformMessage }
        let actionBytes: [UInt8] = (try? action.serializedBytes()) ?? []

        self.command = commandBytes
        self.commandDigest = commandDigest
        self.action = actionBytes
        self.actionDigest = Digest(of: actionBytes)
    }
}
