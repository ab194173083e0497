import ArgumentParser
import Foundation

/// The options every subcommand shares: where the project and its Taskfile are.
struct ProjectOptions: ParsableArguments {
    @Option(name: .customShort("f"), help: ArgumentHelp("Use FILE as the Taskfile.", valueName: "FILE"))
    var taskfile: String?

    @Option(
        name: .customShort("C"),
        help: ArgumentHelp("Change to DIR before doing anything else.", valueName: "DIR"))
    var directory: String?

    /// The directory to work in, absolute.
    var absoluteDirectory: String {
        Self.absolute(directory)
    }

    /// `directory` made absolute against the current directory; the current directory itself for `nil`.
    static func absolute(_ directory: String?) -> String {
        let current = FileManager.default.currentDirectoryPath
        guard let directory else { return current }
        return directory.hasPrefix("/") ? directory : current + "/" + directory
    }
}
