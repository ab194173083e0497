import ArgumentParser
import StaskCore
import StaskPosix

/// `stask shards [TASK...] [--json]`: how sharded tasks' items are split, with predicted times.
struct ShardsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shards",
        abstract: "Show how sharded tasks' items are split over shards, with predicted times.",
        discussion: """
            The split is the one `stask build` and `stask build --shard I/N` (0-based I) use: \
            longest-processing-time-first over the per-item durations recorded in .stask/, the stable \
            hash split when there are none. Each shard's predicted time is split into what was measured \
            (items timed on their own or by their JUnit test cases) and what is estimated; test time that \
            the last runs' JUnit reports could attribute to no item is shown apart. --json writes a plan file that `stask build --shard-plan FILE` \
            imports, so CI can compute the plan once and fan it out to every machine.
            """
    )

    @OptionGroup var project: ProjectOptions

    @Flag(name: .customLong("json"), help: "Write the plans as a JSON plan file (for --shard-plan).")
    var json = false

    @Argument(help: ArgumentHelp("Sharded tasks to show (default: every one).", valueName: "TASK"))
    var tasks: [String] = []

    mutating func run() async throws {
        let engine = BuildEngine.local()
        let options = BuildOptions(directory: project.absoluteDirectory, taskfilePath: project.taskfile)
        let plans = try engine.shardPlans(options, tasks: tasks)
        let output = FileDescriptorSink(fileDescriptor: 1)
        if json {
            output.write(try ShardPlanFile(plans: plans).encoded())
        } else if plans.isEmpty {
            output.write(Array("stask: no task has both 'foreach:' and 'shards:'\n".utf8))
        } else {
            output.write(Array(plans.map(\.text).joined(separator: "\n").utf8))
        }
    }
}
