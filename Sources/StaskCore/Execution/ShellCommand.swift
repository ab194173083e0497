import Synchronization

/// Analysis of shell command lines, to exec the simple ones directly instead of through `/bin/sh -c`.
///
/// A command line with no shell syntax means the same thing to the shell as its list of words, so stask can
/// `posix_spawn` the program itself and save the second exec (the shell's), as make does. Only a strict
/// subset is accepted; anything else, or anything doubtful, goes to the shell.
///
/// ```swift
/// ShellCommand.directArguments("cp 'a b.txt' out/")   // ["cp", "a b.txt", "out/"]
/// ShellCommand.directArguments("cc -c $SRC")            // nil: needs the shell
/// ```
package enum ShellCommand {
    /// The argument vector of a command line with no shell syntax, or `nil` when it needs `/bin/sh -c`.
    ///
    /// Accepted: words separated by spaces and tabs, each made of
    /// - the safe characters `A-Z a-z 0-9 _ . / , : = + @ % ^ -`,
    /// - single-quoted strings `'…'` (anything but `'` inside, newlines included: stask quotes paths this
    ///   way, with `'\''` for a quote),
    /// - a backslash before a printable ASCII character (`\'`, `\ `, `\$`), meaning that character.
    ///
    /// Refused (`nil`): any other character outside single quotes — `* ? [ ~ $ \` " < > | & ; ( ) { } # !`,
    /// newline, carriage return, non-ASCII — an unterminated quote, a trailing backslash, an empty command,
    /// a first word containing `=` (a variable assignment), an empty first word, and a first word naming a
    /// shell keyword or builtin (see ``shellReservedNames``: `echo` is dash's builtin, not `/bin/echo`).
    ///
    /// For every accepted command, running the result directly behaves exactly as `/bin/sh -c command`
    /// (dash): same argv, exit status and output. The launcher adds what the shell would do around it:
    /// see ``ProcessSpec/shellCommand``.
    /// - Complexity: O(*n*) in the length of `command`.
    package static func directArguments(_ command: String) -> [String]? {
        let bytes = Array(command.utf8)
        var words: [String] = []
        var word: [UInt8] = []
        var isInWord = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                if isInWord {
                    words.append(String(decoding: word, as: UTF8.self))
                    word.removeAll(keepingCapacity: true)
                    isInWord = false
                }
                index += 1
            case UInt8(ascii: "'"):
                guard let close = bytes[(index + 1)...].firstIndex(of: UInt8(ascii: "'")) else { return nil }
                let quoted = bytes[(index + 1)..<close]
                if quoted.contains(0) { return nil }
                word.append(contentsOf: quoted)
                isInWord = true
                index = close + 1
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count, (0x20...0x7E).contains(bytes[index + 1]) else { return nil }
                word.append(bytes[index + 1])
                isInWord = true
                index += 2
            default:
                guard isSafe(byte) else { return nil }
                word.append(byte)
                isInWord = true
                index += 1
            }
        }
        if isInWord { words.append(String(decoding: word, as: UTF8.self)) }
        guard let program = words.first, !program.isEmpty, !program.contains("="),
            !shellReservedNames.contains(program)
        else { return nil }
        return words
    }

    /// Names the shell resolves itself rather than on `PATH`: POSIX special builtins, dash's and bash's
    /// regular builtins, and reserved words.
    ///
    /// A command whose first word is one of these always runs through `/bin/sh -c`, even when `/bin` has a
    /// program of that name (`echo`, `test`, `true`, `printf`, `kill`, `pwd` behave differently as builtins).
    package static let shellReservedNames: Set<String> = [
        // POSIX special builtins
        "break", ":", "continue", ".", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift",
        "times", "trap", "unset",
        // dash regular builtins
        "alias", "bg", "cd", "chdir", "command", "echo", "false", "fc", "fg", "getopts", "hash", "jobs", "kill",
        "local", "printf", "pwd", "read", "test", "[", "true", "type", "ulimit", "umask", "unalias", "wait",
        // bash builtins and keywords, for systems whose /bin/sh is bash
        "source", "declare", "typeset", "let", "enable", "builtin", "caller", "compgen", "complete", "compopt",
        "dirs", "disown", "help", "history", "logout", "mapfile", "popd", "pushd", "readarray", "shopt",
        "suspend", "coproc", "function", "select", "time", "[[", "]]",
        // reserved words
        "!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then", "until",
        "while",
    ]

    /// Whether `environment` reaches a directly exec'd `program` exactly as it would through dash.
    ///
    /// dash drops variables whose names are not shell names, resets `IFS`, `OPTIND` and `PPID`, and looks
    /// names up on `PATH` (its own default when unset; `%` in an entry has a dash-only meaning). Rather than
    /// imitate each, such environments go to the shell. `PWD` is handled by the launcher.
    ///
    /// The verdict on the environment is kept for the last environment asked about: a build asks about
    /// the same one for every command (and `==` on the same dictionary storage is immediate).
    static func isDirectExecCompatible(program: String, environment: [String: String]) -> Bool {
        let verdict = environmentVerdict(environment)
        return verdict.reachesPrograms && (program.contains("/") || verdict.hasUsablePath)
    }

    /// What ``isDirectExecCompatible(program:environment:)`` needs to know about an environment.
    struct EnvironmentVerdict: Sendable, Equatable {
        /// Only shell names, and no `IFS`, `OPTIND` or `PPID`.
        var reachesPrograms: Bool
        /// A `PATH` without `%`, so a bare program name is looked up as dash would.
        var hasUsablePath: Bool

        init(_ environment: [String: String]) {
            reachesPrograms =
                environment.keys.allSatisfy(ShellCommand.isShellName)
                && environment["IFS"] == nil && environment["OPTIND"] == nil && environment["PPID"] == nil
            hasUsablePath = environment["PATH"].map { !$0.contains("%") } ?? false
        }
    }

    private static let lastVerdict = Mutex<(environment: [String: String], verdict: EnvironmentVerdict)?>(nil)

    static func environmentVerdict(_ environment: [String: String]) -> EnvironmentVerdict {
        if let last = lastVerdict.withLock({ $0 }), last.environment == environment { return last.verdict }
        let verdict = EnvironmentVerdict(environment)
        lastVerdict.withLock { $0 = (environment, verdict) }
        return verdict
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`.
    static func isShellName(_ name: String) -> Bool {
        var isFirst = true
        for byte in name.utf8 {
            let isLetter = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || byte == UInt8(ascii: "_")
            let isDigit = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            guard isLetter || (!isFirst && isDigit) else { return false }
            isFirst = false
        }
        return !isFirst
    }

    private static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: ","), UInt8(ascii: ":"),
            UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "@"), UInt8(ascii: "%"), UInt8(ascii: "^"),
            UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}
