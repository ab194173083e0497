extension ProcessSpec {
    /// A shell command line, exec'd directly when it has no shell syntax, else through `/bin/sh -c`.
    ///
    /// Direct exec (half the spawns) is chosen when ``ShellCommand/directArguments(_:)`` accepts the command
    /// and the environment reaches the program unchanged through dash (valid variable names, no `IFS`,
    /// `OPTIND`, `PPID`; a `PATH` without `%` when the program is a bare name). The result is the same
    /// either way; see ``shellCommand`` for how the launcher keeps it so. A program that is not found gives
    /// the shell's answer: exit status 127 and `sh: 1: NAME: not found` on the output.
    ///
    /// ```swift
    /// let spec = ProcessSpec.command("cp 'a.txt' 'b.txt'", environment: env, workingDirectory: root)
    /// // spec.arguments == ["cp", "a.txt", "b.txt"], spec.shellCommand == "cp 'a.txt' 'b.txt'"
    /// ```
    package static func command(
        _ command: String, environment: [String: String], workingDirectory: String, timeout: Duration? = nil,
        gracePeriod: Duration = .seconds(2), logDirectory: String? = nil
    ) -> ProcessSpec {
        var spec = ProcessSpec.shell(
            command, environment: environment, workingDirectory: workingDirectory, timeout: timeout,
            gracePeriod: gracePeriod, logDirectory: logDirectory)
        if let arguments = ShellCommand.directArguments(command),
            ShellCommand.isDirectExecCompatible(program: arguments[0], environment: environment)
        {
            spec.arguments = arguments
        }
        return spec
    }

    /// Whether ``arguments`` is the direct-exec form of ``shellCommand``.
    package var isDirectExec: Bool {
        guard let shellCommand else { return false }
        return
            !(arguments.count == 3 && arguments[0] == "/bin/sh" && arguments[1] == "-c"
            && arguments[2] == shellCommand)
    }
}
