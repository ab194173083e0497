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
        let valued = optionsTakingValues()
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

    /// Every option of every command that takes a value (`-C`, `--directory`, `-j`, `--cpu`, …), read from the
    /// commands' own help so that it never falls behind their declarations.
    static func optionsTakingValues() -> Set<String> {
        var options: Set<String> = []
        for command in configuration.subcommands {
            for line in command.helpMessage(columns: 10_000).split(separator: "\n") {
                let words = line.split(separator: " ")
                guard let value = words.firstIndex(where: { $0.hasPrefix("<") }) else { continue }
                for word in words[..<value] where word.hasPrefix("-") {
                    options.insert(String(word.trimmingSuffix(",")))
                }
            }
        }
        return options
    }
}

extension Substring {
    fileprivate func trimmingSuffix(_ suffix: Character) -> Substring {
        last == suffix ? dropLast() : self
    }
}
