import ArgumentParser

/// `stask watch [TARGET...]`: the same as `stask build --watch`.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Build, then rebuild on every change until Ctrl-C (= build --watch).",
        discussion: """
            Watches (inotify) the inputs, discovered inputs, the directories globs and foreach list, and the \
            Taskfile. Changes are gathered until none came for --watch-debounce; then only what they reach is \
            checked again. A failed build or a broken Taskfile is reported and the watch goes on.
            """
    )

    @OptionGroup var build: BuildCommand

    mutating func run() async throws {
        var build = build
        build.watch = true
        try await build.run()
    }
}
