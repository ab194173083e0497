import ArgumentParser
import Testing

@testable import stask

@Suite struct StaskCommandOrderTests {
    @Test(arguments: [
        (["-C", "dir", "build"], ["build", "-C", "dir"]),
        (["-C", "dir", "build", "app"], ["build", "-C", "dir", "app"]),
        (["-C", "dir", "-j", "4", "list"], ["list", "-C", "dir", "-j", "4"]),
        (["-k", "--progress=plain", "build", "app"], ["build", "-k", "--progress=plain", "app"]),
        (["-f", "Other.yml", "graph", "--format", "dot"], ["graph", "-f", "Other.yml", "--format", "dot"]),
        // A directory named like a command is the option's value, not the command.
        (["-C", "build", "list"], ["list", "-C", "build"]),
        (["-C", "clean", "build", "x"], ["build", "-C", "clean", "x"]),
    ])
    func optionsBeforeTheCommandMoveAfterIt(arguments: [String], expected: [String]) {
        #expect(Stask.movingLeadingOptions(arguments) == expected)
    }

    @Test(arguments: [
        [],
        ["build", "-C", "dir"],  // already in order
        ["app", "-C", "dir"],  // a target: the default command takes it
        ["-C", "dir"],  // no command name: the default command
        ["-C", "dir", "app"],  // a target after the options
        ["-C", "build"],  // `build` is -C's value; no command follows
        ["--", "build"],  // after `--` nothing is an option
        ["-k", "--", "list"],
        ["--help"],
        ["--version"],
    ])
    func everythingElseIsLeftAlone(arguments: [String]) {
        #expect(Stask.movingLeadingOptions(arguments) == arguments)
    }

    @Test func theOptionsTakingValuesAreExactlyThoseTheCommandsDeclare() {
        var declared: Set<String> = []
        for command in Stask.configuration.subcommands {
            for line in command.helpMessage(columns: 10_000).split(separator: "\n") {
                let words = line.split(separator: " ")
                guard let value = words.firstIndex(where: { $0.hasPrefix("<") }) else { continue }
                for word in words[..<value] where word.hasPrefix("-") {
                    declared.insert(String(word.hasSuffix(",") ? word.dropLast() : word))
                }
            }
        }
        #expect(Stask.optionsTakingValues == declared)
        for flag in ["-k", "--keep-going", "-n", "--dry-run", "--help"] {
            #expect(!Stask.optionsTakingValues.contains(flag), "\(flag)")
        }
    }
}
