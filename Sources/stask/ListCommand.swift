import ArgumentParser
import StaskCore
import StaskPosix

/// `stask list`: the tasks of the Taskfile with their description, instance count and outputs.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the tasks: description, number of instances, outputs."
    )

    @OptionGroup var project: ProjectOptions

    @Flag(name: .customLong("json"), help: "Print one JSON object (with \"schema\": 1) instead of text.")
    var json = false

    mutating func run() async throws {
        let engine = BuildEngine.local()
        let options = BuildOptions(directory: project.absoluteDirectory, taskfilePath: project.taskfile)
        let listing = try engine.list(options, withState: json)
        FileDescriptorSink(fileDescriptor: 1).write(json ? listing.jsonText : listing.text)
    }
}
