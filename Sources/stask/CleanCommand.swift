import ArgumentParser
import StaskCore

/// `stask clean`: removes every declared output and the build state.
struct CleanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Remove every declared output and the build state (.stask/)."
    )

    @OptionGroup var project: ProjectOptions

    mutating func run() async throws {
        throw BuildError.notImplemented
    }
}
