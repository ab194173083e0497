import Testing

@testable import StaskCore

@Suite struct TaskInstanceTests {
    static let location = SourceLocation(file: "Taskfile", line: 3, column: 5)

    static func instance(_ groups: [TaskInstance.CommandGroup], task: String = "t") -> TaskInstance {
        TaskInstance(id: "\(task)[x]", taskName: task, commandGroups: groups, location: location)
    }

    /// One group of one command is stored without arrays; every shape reads back as it was given.
    @Test(arguments: [
        [TaskInstance.CommandGroup](),
        [.init(item: "src/a.c", commands: ["cc -c src/a.c"])],
        [.init(item: nil, commands: ["true"])],
        [.init(item: nil, commands: ["make", "make install"])],
        [.init(item: "a", commands: ["run a"]), .init(item: "b", commands: ["run b"])],
    ])
    func commandGroupsReadBackAsGiven(groups: [TaskInstance.CommandGroup]) {
        let instance = Self.instance(groups)
        #expect(instance.commandGroups == groups)
        #expect(instance.commands == groups.flatMap(\.commands))
        #expect(instance == Self.instance(groups))
    }

    @Test func storageIsCompactForASingleCommand() {
        let instance = Self.instance([.init(item: "src/a.c", commands: ["cc -c src/a.c"])])
        #expect(instance.storedCommands == .single(item: "src/a.c", command: "cc -c src/a.c"))
    }

    /// Instances of one task share their settings, yet compare by value.
    @Test func sharedSettingsCompareByValue() {
        let a = Self.instance([], task: "same")
        let b = Self.instance([], task: "same")
        #expect(a.settings !== b.settings)
        #expect(a == b && a.hashValue == b.hashValue)
        #expect(a != Self.instance([], task: "other"))
    }
}
