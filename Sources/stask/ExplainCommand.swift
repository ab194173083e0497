import ArgumentParser
import StaskCore
import StaskPosix

/// `stask explain [TARGET...] [NAME=value...]`: why each named instance would rebuild, or that it is up to
/// date; reads the state, runs nothing, changes nothing.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Say why each target would rebuild: which input, var, command or output changed.",
        discussion: """
            For each instance a TARGET names (a task: all its instances), prints the first reason it would \
            run, compared with the state recorded by the last build, or 'up to date' with how many inputs \
            the stat cache trusted and how many were re-hashed. NAME=value words override vars as for \
            build. Without a TARGET, every instance the build would consider is explained.
            """
    )

    @OptionGroup var project: ProjectOptions

    @Argument(help: ArgumentHelp("Targets to explain and NAME=value variables.", valueName: "TARGET|NAME=value"))
    var words: [String] = []

    mutating func run() async throws {
        var options = BuildOptions(directory: project.absoluteDirectory, taskfilePath: project.taskfile)
        try options.add(words: words)
        let engine = BuildEngine.local()
        let explanations = try engine.explain(options)
        FileDescriptorSink(fileDescriptor: 1).write(explanations.map(\.text).joined())
    }
}
