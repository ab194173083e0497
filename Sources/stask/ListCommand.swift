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
        throw BuildError.notImplemented
    }
}
