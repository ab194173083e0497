import ArgumentParser

/// The common command lines of `stask build` and `stask --version`, read without ArgumentParser.
///
/// ArgumentParser finds a command's options by reflecting over it, and every first cast of a reflected value
/// scans all the protocol conformances of the binary: some 20 million instructions at every start, three
/// quarters of a no-op build of a small project. A build tool starts hundreds of times a day, so the command
/// lines a build is run with (targets, variables, `-j`, `-f`, `-C`, `-k`, `-n`, `--progress`, …) are read
/// here by hand. Anything else (another command, `--help`, an unknown or repeated option, a value that looks
/// like an option, `--watch`) is left to ArgumentParser, and so is a command line whose values do not
/// validate, so its error message is the one ArgumentParser prints. A test checks that whatever this reader
/// accepts, ArgumentParser reads to the same ``BuildRequest``.
enum QuickCommandLine: Equatable {
    /// `stask --version`.
    case version
    /// A build with these values.
    case build(BuildRequest)

    /// The command line read, or `nil` when ArgumentParser must read it.
    ///
    /// - Parameter arguments: the words after the program's name, with `-jN` already split and options before
    ///   the command's name already moved after it.
    static func read(_ arguments: [String]) -> Self? {
        if arguments == ["--version"] { return .version }
        var words = arguments[...]
        if words.first == "build" { words = words.dropFirst() }
        var request = BuildRequest()
        var seen: Set<String> = []
        while let word = words.popFirst() {
            guard word.hasPrefix("-") else {
                guard !word.isEmpty, !reservedWords.contains(word) else { return nil }
                request.words.append(word)
                continue
            }
            if let flag = Flag(word) {
                guard seen.insert(flag.canonicalName).inserted else { return nil }
                flag.apply(to: &request)
                continue
            }
            let name: String
            let value: String
            if let equals = word.firstIndex(of: "="), word.hasPrefix("--") {
                name = String(word[..<equals])
                value = String(word[word.index(after: equals)...])
            } else if let next = words.popFirst() {
                (name, value) = (word, next)
            } else {
                return nil
            }
            guard let option = Option(name), !value.isEmpty, !value.hasPrefix("-") else { return nil }
            guard option == .budget || seen.insert(option.rawValue).inserted else { return nil }
            guard option.apply(value, to: &request) else { return nil }
        }
        return .build(request)
    }

    /// Words that are not targets when they come first or at all: the other commands and `help`.
    private static let reservedWords = Set(
        Stask.configuration.subcommands.compactMap { $0.configuration.commandName }.filter { $0 != "build" } + ["help"])

    private enum Flag {
        case keepGoing, dryRun, noWait

        init?(_ word: String) {
            switch word {
            case "-k", "--keep-going": self = .keepGoing
            case "-n", "--dry-run": self = .dryRun
            case "--no-wait": self = .noWait
            default: return nil
            }
        }

        var canonicalName: String {
            switch self {
            case .keepGoing: "--keep-going"
            case .dryRun: "--dry-run"
            case .noWait: "--no-wait"
            }
        }

        func apply(to request: inout BuildRequest) {
            switch self {
            case .keepGoing: request.keepGoing = true
            case .dryRun: request.dryRun = true
            case .noWait: request.noWait = true
            }
        }
    }

    private enum Option: String {
        case taskfile = "-f"
        case directory = "-C"
        case cpu = "--cpu"
        case io = "--io"
        case budget = "--budget"
        case shard = "--shard"
        case trace = "--trace"
        case progress = "--progress"
        case remoteCache = "--remote-cache"

        init?(_ name: String) {
            self.init(rawValue: name == "-j" ? "--cpu" : name)
        }

        /// Sets the option's value; `false` when the value is one ArgumentParser must judge.
        func apply(_ value: String, to request: inout BuildRequest) -> Bool {
            switch self {
            case .taskfile: request.taskfile = value
            case .directory: request.directory = value
            case .cpu, .io:
                guard value.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let count = Int(value) else {
                    return false
                }
                if self == .cpu { request.cpu = count } else { request.io = count }
            case .budget: request.budget.append(value)
            case .shard: request.shard = value
            case .trace: request.trace = value
            case .progress:
                guard let mode = ProgressMode(rawValue: value) else { return false }
                request.progress = mode
            case .remoteCache: request.remoteCache = value
            }
            return true
        }
    }
}
