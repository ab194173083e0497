import ArgumentParser

extension Stask {
    /// The command line with options written before the command's name moved after it, so that
    /// `stask -C DIR build app` means `stask build -C DIR app`, the order `git -C`, `make -C` and `ninja -C`
    /// users type.
    ///
    /// Only a leading run of options is moved, and only when a command name follows it; the values of options
    /// that take one are skipped, so `stask -C build list` lists the project in `build/`. Without a command
    /// name the words are left as they are: the default command, `build`, takes them.
    static func movingLeadingOptions(_ arguments: [String]) -> [String] {
        guard let first = arguments.first, first.hasPrefix("-"), first != "--" else { return arguments }
        let commandNames = Set(configuration.subcommands.compactMap { $0.configuration.commandName })
        let valued = optionsTakingValues
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if commandNames.contains(word) {
                guard index > 0 else { return arguments }
                return [word] + arguments[..<index] + arguments[(index + 1)...]
            }
            guard word.hasPrefix("-"), word != "--", word != "-" else { return arguments }
            index += !word.contains("=") && valued.contains(word) ? 2 : 1
        }
        return arguments
    }

    /// Every option of any command that takes a value (`-C DIR`, `-j N`, …).
    ///
    /// Written out rather than read from the commands' help, which would cost every command line that starts
    /// with an option a millisecond of start-up; a test checks it against the help.
    static let optionsTakingValues: Set<String> = [
        "-f", "-C", "-j", "--cpu", "--io", "--budget", "--shard", "--shard-plan", "--trace", "--progress",
        "--remote-cache", "--remote-cache-upload", "--remote-executor", "--remote-instance", "--remote-jobs",
        "--format", "--watch-debounce", "--bots", "--instance", "--capacity", "--work-dir",
    ]
}
