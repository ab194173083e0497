import ArgumentParser
import StaskCore
import StaskPosix

/// `stask graph [TARGET...] [--format dot|json]`: the task instances and files, for Graphviz or tools.
struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the graph of task instances and files (Graphviz dot, or JSON).",
        discussion: """
            Without a TARGET, the whole graph; with targets, what they need. Draw it with \
            'stask graph | dot -Tsvg > graph.svg'. The JSON form carries "schema": 1.
            """
    )

    /// The output format.
    enum Format: String, CaseIterable, ExpressibleByArgument {
        case dot, json
    }

    @OptionGroup var project: ProjectOptions

    @Option(name: .customLong("format"), help: "dot (default) or json.")
    var format: Format = .dot

    @Argument(help: ArgumentHelp("Targets whose part of the graph to show.", valueName: "TARGET"))
    var targets: [String] = []

    mutating func run() async throws {
        let engine = BuildEngine.local()
        let options = BuildOptions(directory: project.absoluteDirectory, taskfilePath: project.taskfile)
        let (graph, discovered) = try engine.graphWithDiscoveredInputs(options)
        let text =
            try format == .dot
            ? graph.dotText(targets: targets, discoveredInputs: discovered)
            : graph.jsonText(targets: targets, discoveredInputs: discovered)
        FileDescriptorSink(fileDescriptor: 1).write(text)
    }
}
