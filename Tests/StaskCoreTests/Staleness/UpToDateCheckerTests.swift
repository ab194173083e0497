import Synchronization
import Testing

@testable import StaskCore

/// `UpToDateChecker` on its own (DESIGN §2): the action key it computes for a graph's instances from the
/// files as they are, and its verdict against the record a successful run leaves, by both of its paths:
/// the executor's (every file examined afresh) and the pre-pass's (through a `Memo`).
@Suite struct UpToDateCheckerTests {
    /// Two `foreach` instances sharing a header, and a step over their outputs with two outputs of its own.
    static let taskfile = """
        version: 1
        vars:
          FLAGS: -O2
          LEVEL: "1"
          UNUSED: one
        env:
          LC_ALL: C
          OPT_LEVEL: "{{LEVEL}}"
        tasks:
          copy:
            foreach: src/*.txt
            inputs: ["{{item}}", shared.h]
            outputs: ["build/{{stem}}.out"]
            run: cp {{FLAGS}} {{item}} {{output}}
          pack:
            inputs: ["build/*.out"]
            outputs: [build/pack, build/pack.idx]
            run: [pack build, index build]
        """

    static let files = [
        "src/a.txt": "alpha\n", "src/b.txt": "beta\n", "shared.h": "#define SHARED 1\n", "extra.h": "#define EXTRA 1\n",
    ]

    static let instanceIDs = ["copy[src/a.txt]", "copy[src/b.txt]", "pack"]

    static func digest(_ text: String) -> ContentDigest {
        ContentHasher.digest(ofUTF8: text)
    }

    // MARK: - What goes into the key

    @Test func keyInputsAreTheExpandedCommandsEnvironmentDirectoryInputDigestsAndOutputPaths() throws {
        let workspace = try Workspace()
        let instance = try workspace.instance("copy[src/a.txt]")
        let expected = ActionKeyInputs(
            commands: ["cp -O2 src/a.txt build/a.out"], directory: ".",
            environment: ["LC_ALL": "C", "OPT_LEVEL": "1"], variables: ["FLAGS": "-O2", "LEVEL": "1"],
            inputDigests: ["src/a.txt": Self.digest("alpha\n"), "shared.h": Self.digest("#define SHARED 1\n")],
            outputPaths: ["build/a.out"])
        #expect(workspace.checker.keyInputs(for: instance) == expected)
        var memo = UpToDateChecker.Memo()
        #expect(workspace.checker.keyInputs(for: instance, memo: &memo) == expected)

        let pack = workspace.checker.keyInputs(for: try workspace.instance("pack"))
        #expect(pack.commands == ["pack build", "index build"])
        #expect(pack.variables == ["LEVEL": "1"])
        #expect(pack.outputPaths == ["build/pack", "build/pack.idx"])
    }

    @Test func inputsNotThereYetAreLeftOutOfTheKeyAndChangeItWhenTheyAppear() throws {
        let workspace = try Workspace()
        let pack = try workspace.instance("pack")
        #expect(pack.inputs == ["build/a.out", "build/b.out"])
        let before = workspace.checker.keyInputs(for: pack)
        #expect(before.inputDigests.isEmpty)

        try workspace.run("copy[src/a.txt]")
        try workspace.run("pack")
        #expect(try #require(workspace.records["pack"]).keyInputs.inputDigests.keys.sorted() == ["build/a.out"])
        #expect(try workspace.isUpToDate("pack"))

        try workspace.run("copy[src/b.txt]")
        let after = workspace.checker.keyInputs(for: pack)
        #expect(after.inputDigests.keys.sorted() == ["build/a.out", "build/b.out"])
        #expect(after.actionKey != before.actionKey)
        #expect(try !workspace.isUpToDate("pack"))
    }

    /// An edit to the Taskfile (or a var given on the command line), the instance it is judged on, and
    /// whether it must change that instance's action key.
    struct TaskfileEdit: Sendable, CustomTestStringConvertible {
        var name: String
        var replacements: [Replacement] = []
        var overrides: [String: String] = [:]
        var id = "copy[src/a.txt]"
        var changesKey: Bool

        struct Replacement: Sendable {
            var old: String
            var new: String
        }

        var testDescription: String { name }

        init(
            _ name: String, _ replacements: [(String, String)] = [], overrides: [String: String] = [:],
            id: String = "copy[src/a.txt]", changesKey: Bool
        ) {
            self.name = name
            self.replacements = replacements.map { Replacement(old: $0.0, new: $0.1) }
            self.overrides = overrides
            self.id = id
            self.changesKey = changesKey
        }
    }

    static let run = "    run: cp {{FLAGS}} {{item}} {{output}}"
    static let inputs = #"    inputs: ["{{item}}", shared.h]"#

    static let taskfileEdits: [TaskfileEdit] = [
        TaskfileEdit("command text", [(run, "    run: cp -p {{FLAGS}} {{item}} {{output}}")], changesKey: true),
        TaskfileEdit(
            "a command added", [(run, #"    run: ["cp {{FLAGS}} {{item}} {{output}}", sync]"#)], changesKey: true),
        TaskfileEdit(
            "commands reordered", [("    run: [pack build, index build]", "    run: [index build, pack build]")],
            id: "pack", changesKey: true),
        TaskfileEdit("a referenced var in the Taskfile", [("  FLAGS: -O2", "  FLAGS: -O3")], changesKey: true),
        TaskfileEdit("a referenced var on the command line", overrides: ["FLAGS": "-O0"], changesKey: true),
        TaskfileEdit("a var reaching only the environment", overrides: ["LEVEL": "2"], id: "pack", changesKey: true),
        TaskfileEdit("an unreferenced var in the Taskfile", [("  UNUSED: one", "  UNUSED: two")], changesKey: false),
        TaskfileEdit("an unreferenced var on the command line", overrides: ["UNUSED": "two"], changesKey: false),
        TaskfileEdit("a Taskfile env value", [("  LC_ALL: C", "  LC_ALL: C.UTF-8")], changesKey: true),
        TaskfileEdit("a task env entry added", [(run, run + "\n    env: {TZ: UTC}")], changesKey: true),
        TaskfileEdit("the working directory", [(run, run + "\n    dir: src")], changesKey: true),
        TaskfileEdit(
            "a declared input added", [(inputs, #"    inputs: ["{{item}}", shared.h, extra.h]"#)], changesKey: true),
        TaskfileEdit("a declared input removed", [(inputs, #"    inputs: ["{{item}}"]"#)], changesKey: true),
        TaskfileEdit(
            "a declared output renamed", [(#""build/{{stem}}.out""#, #""build/{{stem}}.o""#)], changesKey: true),
        TaskfileEdit(
            "declared inputs reordered", [(inputs, #"    inputs: [shared.h, "{{item}}"]"#)], changesKey: false),
        TaskfileEdit(
            "the same file listed twice", [(inputs, #"    inputs: ["{{item}}", shared.h, shared.h]"#)],
            changesKey: false),
        TaskfileEdit(
            "the item matched again by a glob", [(inputs, #"    inputs: ["{{item}}", "src/a.*", shared.h]"#)],
            changesKey: false),
        TaskfileEdit(
            "an input named by a glob", [(inputs, #"    inputs: ["{{item}}", "shared.*"]"#)], changesKey: false),
        TaskfileEdit("an input named with ./", [(inputs, #"    inputs: ["{{item}}", ./shared.h]"#)], changesKey: false),
        TaskfileEdit(
            "declared outputs reordered",
            [("    outputs: [build/pack, build/pack.idx]", "    outputs: [build/pack.idx, build/pack]")], id: "pack",
            changesKey: false),
        TaskfileEdit(
            "scheduling settings", [(run, run + "\n    desc: Copy\n    cost: {cpu: 2}\n    retry: 3\n    timeout: 1m")],
            changesKey: false),
    ]

    /// DESIGN §2: a changed command, var, environment, directory or set of inputs or outputs rebuilds; what
    /// does not reach the command (an unused var, the order or spelling of the inputs, scheduling) does not.
    @Test(arguments: taskfileEdits)
    func actionKeyChangesExactlyWithWhatReachesTheCommand(edit: TaskfileEdit) throws {
        var workspace = try Workspace()
        try workspace.runAll()
        let recorded = try #require(workspace.records[edit.id])
        var text = Self.taskfile
        for replacement in edit.replacements {
            try #require(text.contains(replacement.old), "\(replacement.old) is not in the Taskfile")
            text = text.replacing(replacement.old, with: replacement.new)
        }
        try workspace.write("Taskfile.yml", text)
        try workspace.reload(overrides: edit.overrides)

        let key = try workspace.key(edit.id)
        #expect((key != recorded.actionKey) == edit.changesKey)
        #expect(try workspace.isUpToDate(edit.id) == !edit.changesKey)
        var memo = UpToDateChecker.Memo()
        #expect(try workspace.isUpToDate(edit.id, memo: &memo) == !edit.changesKey)
    }

    static let inputOrders: [[String]] = [
        ["src/a.txt", "src/b.txt", "shared.h"], ["src/a.txt", "shared.h", "src/b.txt"],
        ["src/b.txt", "src/a.txt", "shared.h"], ["src/b.txt", "shared.h", "src/a.txt"],
        ["shared.h", "src/a.txt", "src/b.txt"], ["shared.h", "src/b.txt", "src/a.txt"],
    ]

    /// Whatever order the inputs come in (a glob's expansion, the order they are written), the key is one.
    @Test(arguments: inputOrders)
    func inputOrderDoesNotChangeTheKey(order: [String]) throws {
        let workspace = try Workspace()
        func instance(_ inputs: [String], outputs: [String]) -> TaskInstance {
            TaskInstance(
                id: "join", taskName: "join", commandGroups: [.init(item: nil, commands: ["join"])], inputs: inputs,
                outputs: outputs, location: StaskCore.SourceLocation(file: "Taskfile.yml", line: 1, column: 1))
        }
        let canonical = workspace.checker.keyInputs(for: instance(Self.inputOrders[0], outputs: ["o1", "o2"]))
        let permuted = workspace.checker.keyInputs(for: instance(order, outputs: ["o2", "o1"]))
        #expect(permuted.inputDigests == canonical.inputDigests)
        #expect(permuted.inputDigests.count == 3)
        #expect(permuted.actionKey == canonical.actionKey)
        var memo = UpToDateChecker.Memo()
        #expect(workspace.checker.keyInputs(for: instance(order, outputs: ["o1", "o2"]), memo: &memo) == canonical)
    }

    // MARK: - The verdict

    @Test func aSuccessfulRunLeavesEveryInstanceUpToDateByBothPaths() throws {
        var workspace = try Workspace()
        try workspace.runAll()
        var memo = UpToDateChecker.Memo()
        for instance in workspace.graph.instances {
            let record = try #require(workspace.records[instance.id])
            #expect(workspace.checker.keyInputs(for: instance) == record.keyInputs)
            #expect(try workspace.isUpToDate(instance.id))
            #expect(try workspace.isUpToDate(instance.id, memo: &memo))
        }
        // A new process with no stat cache hashes every file and agrees.
        try workspace.reload(keepingStatCache: false)
        for id in Self.instanceIDs { #expect(try workspace.isUpToDate(id)) }
        #expect(workspace.digests.statistics.hashed == 7)
    }

    @Test(arguments: instanceIDs)
    func withoutARecordAnInstanceIsStaleThoughNothingElseChanged(id: String) throws {
        let workspace = try Workspace()
        try workspace.runAll()
        workspace.records.remove(id)
        try Self.expectVerdicts(workspace, stale: [id])
    }

    enum InputChange: String, CaseIterable, Sendable {
        case contentEdited, touched, rewrittenWithSameBytes, editedThenRestored, deleted, replacedByDirectory
        case sharedInputEdited
    }

    /// Inputs are judged by content: a new mtime alone changes nothing, new bytes or no file change the key.
    /// (`pack` stays up to date here: its inputs are `copy`'s outputs, unchanged until `copy` runs again;
    /// holding it back meanwhile is the pre-pass's job, not the checker's.)
    @Test(arguments: InputChange.allCases)
    func inputsAreJudgedByTheirContents(change: InputChange) throws {
        let workspace = try Workspace()
        try workspace.runAll()
        let recorded = try #require(workspace.records["copy[src/a.txt]"])
        let hashedBefore = workspace.digests.statistics.hashed
        switch change {
        case .contentEdited: try workspace.write("src/a.txt", "alpha, edited\n")
        case .touched: try workspace.fileSystem.touch(atPath: "/p/src/a.txt")
        case .rewrittenWithSameBytes: try workspace.write("src/a.txt", "alpha\n")
        case .editedThenRestored:
            try workspace.write("src/a.txt", "alpha, edited\n")
            try workspace.write("src/a.txt", "alpha\n")
        case .deleted: try workspace.fileSystem.removeItem(atPath: "/p/src/a.txt")
        case .replacedByDirectory:
            try workspace.fileSystem.removeItem(atPath: "/p/src/a.txt")
            try workspace.fileSystem.createDirectory(atPath: "/p/src/a.txt")
        case .sharedInputEdited: try workspace.write("shared.h", "#define SHARED 2\n")
        }
        let current = workspace.checker.keyInputs(for: try workspace.instance("copy[src/a.txt]"))
        var stale: Set<String> = ["copy[src/a.txt]"]
        switch change {
        case .touched, .rewrittenWithSameBytes, .editedThenRestored:
            #expect(current == recorded.keyInputs)
            // The metadata changed, so the file was read again: the verdict rests on its bytes.
            #expect(workspace.digests.statistics.hashed == hashedBefore + 1)
            stale = []
        case .contentEdited:
            #expect(current.inputDigests["src/a.txt"] == Self.digest("alpha, edited\n"))
        case .deleted, .replacedByDirectory:
            #expect(current.inputDigests.keys.sorted() == ["shared.h"])
        case .sharedInputEdited:
            #expect(current.inputDigests["shared.h"] == Self.digest("#define SHARED 2\n"))
            stale.insert("copy[src/b.txt]")
        }
        #expect((current.actionKey != recorded.actionKey) == !stale.isEmpty)
        try Self.expectVerdicts(workspace, stale: stale)
    }

    enum OutputChange: String, CaseIterable, Sendable {
        case deleted, editedByHand, truncated, replacedByDirectory, oneOfTwoDeleted, touched, rewrittenWithSameBytes
        case inputOfADependentEdited
    }

    /// An output is checked against its recorded digest: gone, edited or no longer a file, the instance is
    /// stale though its action key still matches; a new mtime alone changes nothing.
    @Test(arguments: OutputChange.allCases)
    func outputsMustStillHoldTheirRecordedContents(change: OutputChange) throws {
        let workspace = try Workspace()
        try workspace.runAll()
        let fileSystem = workspace.fileSystem
        var stale: Set<String> = ["pack"]
        switch change {
        case .deleted: try fileSystem.removeItem(atPath: "/p/build/pack")
        case .editedByHand: try workspace.write("build/pack", "edited by hand\n")
        case .truncated: try workspace.write("build/pack", "")
        case .replacedByDirectory:
            try fileSystem.removeItem(atPath: "/p/build/pack")
            try fileSystem.createDirectory(atPath: "/p/build/pack")
        case .oneOfTwoDeleted: try fileSystem.removeItem(atPath: "/p/build/pack.idx")
        case .touched:
            try fileSystem.touch(atPath: "/p/build/pack")
            stale = []
        case .rewrittenWithSameBytes:
            try workspace.write("build/pack", Workspace.contents(of: "build/pack", madeBy: "pack"))
            stale = []
        case .inputOfADependentEdited:
            try workspace.write("build/a.out", "edited by hand\n")
            stale = ["copy[src/a.txt]", "pack"]
        }
        // The key sees outputs by path only: it changes for `pack` only when one of its inputs changed.
        #expect(try workspace.key("copy[src/a.txt]") == workspace.records["copy[src/a.txt]"]?.actionKey)
        #expect(
            try (workspace.key("pack") != workspace.records["pack"]?.actionKey) == (change == .inputOfADependentEdited))
        try Self.expectVerdicts(workspace, stale: stale)
    }

    /// An instance with no inputs is judged by its outputs alone; with neither, by its record alone.
    @Test func anInstanceWithoutInputsIsUpToDateWhileItsOutputsAreAsRecorded() throws {
        let workspace = try Workspace(
            """
            version: 1
            tasks:
              stamp:
                outputs: [build/stamp]
                run: date > build/stamp
              hello:
                run: echo hello
            """, files: [:])
        for id in ["stamp", "hello"] {
            let keyInputs = workspace.checker.keyInputs(for: try workspace.instance(id))
            #expect(keyInputs.inputDigests.isEmpty)
            #expect(try !workspace.isUpToDate(id))
            try workspace.run(id)
            #expect(try workspace.isUpToDate(id))
        }
        try workspace.write("build/stamp", "Thu Jan  1 00:00:01 UTC 1970\n")
        #expect(try !workspace.isUpToDate("stamp"))
        var memo = UpToDateChecker.Memo()
        #expect(try !workspace.isUpToDate("stamp", memo: &memo))
        #expect(try workspace.isUpToDate("hello", memo: &memo))
    }

    @Test func anAlwaysInstanceIsNeverUpToDateThoughItsKeyAndOutputsMatch() throws {
        let always = """
            version: 1
            tasks:
              report:
                inputs: [data.txt]
                outputs: [build/report]
                run: report data.txt
                always: true
            """
        var workspace = try Workspace(always, files: ["data.txt": "1 2 3\n"])
        let record = try workspace.run("report")
        #expect(try workspace.key("report") == record.actionKey)
        #expect(try !workspace.isUpToDate("report"))
        var memo = UpToDateChecker.Memo()
        #expect(try !workspace.isUpToDate("report", memo: &memo))

        // `always` is not in the key: without it, the same record proves the instance up to date.
        try workspace.write("Taskfile.yml", always.replacing("    always: true", with: ""))
        try workspace.reload()
        #expect(try workspace.key("report") == record.actionKey)
        #expect(try workspace.isUpToDate("report"))
    }

    // MARK: - The memo

    @Test func aMemoExaminesEachFileOnceWhereTheDirectPathExaminesItAtEachUse() throws {
        var workspace = try Workspace()
        try workspace.runAll()
        try workspace.reload()
        let readsBefore = workspace.reads.readCount
        var memo = UpToDateChecker.Memo()
        for instance in workspace.graph.instances {
            let key = workspace.checker.keyInputs(for: instance, memo: &memo).actionKey
            #expect(workspace.checker.isUpToDate(instance, actionKey: key, memo: &memo))
        }
        #expect(
            memo.observations.map(\.path) == [
                "src/a.txt", "shared.h", "build/a.out", "src/b.txt", "build/b.out", "build/pack", "build/pack.idx",
            ])
        for observation in memo.observations {
            #expect(observation.metadata == (try workspace.fileSystem.metadata(atPath: "/p/" + observation.path)))
        }
        #expect(workspace.digests.statistics == FileDigestCache.Statistics(trusted: 7, hashed: 0))
        #expect(workspace.reads.readCount == readsBefore)

        // Without the memo, `shared.h` is looked up twice and `copy`'s outputs once as outputs, once as inputs.
        try workspace.reload()
        for id in Self.instanceIDs { #expect(try workspace.isUpToDate(id)) }
        #expect(workspace.digests.statistics == FileDigestCache.Statistics(trusted: 10, hashed: 0))
    }

    @Test func aMemoRemembersAMissingFileAsMissing() throws {
        let workspace = try Workspace()
        try workspace.runAll()
        try workspace.fileSystem.removeItem(atPath: "/p/build/b.out")
        try Self.expectVerdicts(workspace, stale: ["copy[src/b.txt]", "pack"])
        var memo = UpToDateChecker.Memo()
        for id in Self.instanceIDs { _ = try workspace.isUpToDate(id, memo: &memo) }
        let missing = memo.observations.filter { $0.path == "build/b.out" }
        #expect(missing.count == 1)
        #expect(missing.first?.metadata == nil)
        #expect(workspace.checker.keyInputs(for: try workspace.instance("pack"), memo: &memo).inputDigests.count == 1)
    }

    // MARK: - One path

    enum ObservedPath: String, CaseIterable, Sendable {
        case regularFile, absoluteRegularFile, missing, missingOutsideTheProject, directory, projectDirectory

        var path: String {
            switch self {
            case .regularFile: "src/a.txt"
            case .absoluteRegularFile: "/p/shared.h"
            case .missing: "src/none.txt"
            case .missingOutsideTheProject: "/elsewhere/none.txt"
            case .directory: "src"
            case .projectDirectory: "."
            }
        }

        var digest: ContentDigest? {
            switch self {
            case .regularFile: UpToDateCheckerTests.digest("alpha\n")
            case .absoluteRegularFile: UpToDateCheckerTests.digest("#define SHARED 1\n")
            default: nil
            }
        }
    }

    /// A regular file has a digest; a missing path or a directory has none, and is neither read nor cached.
    @Test(arguments: ObservedPath.allCases)
    func observedDigestIsTheMetadataAndTheDigestOfARegularFileOnly(path: ObservedPath) throws {
        let workspace = try Workspace()
        let absolute = ProjectPath.absolute(path.path, project: Workspace.project)
        let metadata = try workspace.fileSystem.metadata(atPath: absolute)
        let (observation, digest) = workspace.checker.observedDigest(of: path.path)
        #expect(observation == FileObservation(path: path.path, followsLinks: true, metadata: metadata))
        #expect(digest == path.digest)
        #expect(workspace.checker.currentDigest(of: path.path) == path.digest)
        #expect(workspace.checker.regularFileMetadata(of: path.path) == (path.digest == nil ? nil : metadata))
        switch path {
        case .missing, .missingOutsideTheProject: #expect(metadata == nil)
        case .directory, .projectDirectory: #expect(metadata?.kind == .directory)
        case .regularFile, .absoluteRegularFile: #expect(metadata?.kind == .regularFile)
        }
        if path.digest == nil {
            #expect(workspace.reads.readCount == 0)
            #expect(workspace.digests.statistics == FileDigestCache.Statistics())
            #expect(workspace.digests.entries.isEmpty)
        } else {
            // Cached under the name it was asked by: a second look trusts the entry.
            #expect(Array(workspace.digests.entries.keys) == [path.path])
            #expect(workspace.digests.statistics == FileDigestCache.Statistics(trusted: 1, hashed: 1))
        }
    }

    // MARK: - Helpers

    /// Expects every instance but those in `stale` to be up to date, by the direct path and by one memo over
    /// the whole graph in order (as the pre-pass, but asking about every instance).
    static func expectVerdicts(
        _ workspace: Workspace, stale: Set<String>, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        var memo = UpToDateChecker.Memo()
        for id in instanceIDs {
            let direct = try workspace.isUpToDate(id)
            #expect(direct == !stale.contains(id), "\(id)", sourceLocation: sourceLocation)
            #expect(
                try workspace.isUpToDate(id, memo: &memo) == direct, "\(id) by the memo", sourceLocation: sourceLocation
            )
        }
    }
}
