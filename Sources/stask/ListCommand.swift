import ArgumentParser
import StaskCore

/// `stask list`: the tasks of the Taskfile with their description, instance count and outputs.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the tasks: description, number of instances, outputs."
    )

    @OptionGroup var project: ProjectOptions

    mutating func run() async throws {
        let engine = BuildEngine(fileSystem: LocalFileSystem(), launcher: PosixProcessLauncher())
        let options = BuildOptions(directory: project.absoluteDirectory, taskfilePath: project.taskfile)
        FileDescriptorSink(fileDescriptor: 1).write(try engine.list(options).text)
    }
}
