import ArgumentParser
import StaskCore
import StaskPosix

/// `stask clean`: removes every declared output and the build state.
struct CleanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Remove every declared output and the build state (.stask/)."
    )

    @OptionGroup var project: ProjectOptions

    mutating func run() async throws {
        let engine = BuildEngine.local()
        let options = BuildOptions(directory: project.absoluteDirectory, taskfilePath: project.taskfile)
        let result = try await engine.clean(options) {
            StandardError.write("stask: waiting for another stask building in this directory…\n")
        }
        let state = result.removedState ? " and .stask/" : ""
        let count = result.removedOutputs.count
        FileDescriptorSink(fileDescriptor: 1).write("stask: removed \(count) output\(count == 1 ? "" : "s")\(state)\n")
    }
}
