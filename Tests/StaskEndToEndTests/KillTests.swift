import Foundation
import StaskTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension EndToEndTests {
    /// stask SIGKILLed in the middle of a build, and a task killed by hand. The long,
    /// seeded version is `bench/faults.py --only kill`.
    @Suite struct KillTests {
        /// Builds a generated graph, SIGKILLs stask inside the N-th task (seeded N, output half written,
        /// other tasks anywhere), edits sources, rebuilds: the outputs equal a clean build's byte for byte,
        /// every dependent of an edited source ran, and one more build runs nothing.
        @Test(arguments: [UInt64(1), 2, 3, 4, 5])
        func buildKilledInsideATaskThenRebuiltMatchesACleanBuild(seed: UInt64) async throws {
            var random = SplitMix64(seed: seed)
            let graph = GeneratedGraph(seed: seed, tasks: 80, sources: 16)
            let project = try FixtureProject(files: graph.files(seed: seed))
            if seed % 2 == 0 {
                // An incremental build is killed, not a first one.
                let first = try await project.build()
                #expect(first.status == 0, "\(first)")
                _ = try edit(project, graph, &random, count: 3)
            }
            let toRun = try await tasksToRun(project)
            try #require(toRun > 1)
            try project.write("kill.at", "\(project.logLines.count + 1 + random.below(min(40, toRun - 1)))\n")
            let killed = try await project.build("-j", "4")
            #expect(killed.isSignalled && killed.status == SIGKILL, "stask must have been killed: \(killed)")
            try project.remove("kill.at")
            #expect(try await ProcessTable.quiesce(project.root, kill: seed % 3 == 0), "commands left running")

            let changed = try edit(project, graph, &random, count: 3)
            try project.clearLog()
            let rebuilt = try await project.build("-j", "4")
            #expect(rebuilt.status == 0, "\(rebuilt)")
            let skipped = graph.dependents(ofSources: changed).subtracting(project.logLines)
            #expect(skipped.isEmpty, "stale targets skipped: \(skipped.sorted())")

            let clean = try FixtureProject(files: graph.files(seed: seed))
            for source in graph.sources { try clean.write(source, project.read(source) ?? "") }
            let reference = try await clean.build("-j", "4")
            #expect(reference.status == 0, "\(reference)")
            for task in graph.names.indices {
                let output = graph.output(task)
                #expect(project.read(output) == clean.read(output), "\(output) differs from a clean build")
            }
            try project.clearLog()
            let again = try await project.build()
            #expect(again.status == 0 && project.logLines.isEmpty, "\(again)")
            #expect(!again.standardOutput.contains("warning") && !again.standardError.contains("warning"))
        }

        /// stask SIGKILLed by a task after that task wrote its depfile (and after an earlier task's run and
        /// discovered inputs were recorded): the killed task has no record (its depfile is never read), the
        /// finished one keeps its discovered header, and from then on a header edit reruns the tasks whose depfiles name
        /// it and their dependents, and no other.
        @Test func buildKilledAfterADepfileWasWrittenKeepsDiscoveredInputsExact() async throws {
            let project = try FixtureProject(files: [
                "Taskfile": """
                version: 1
                tasks:
                  first:
                    inputs: [first.c]
                    outputs: [first.o]
                    depfile: first.d
                    run:
                      - echo first >> log.txt
                      - sh -c 'cat first.c one.h > first.o'
                      - "sh -c 'echo first.o: first.c one.h > first.d'"
                  second:
                    deps: [first]
                    inputs: [second.c]
                    outputs: [second.o]
                    depfile: second.d
                    run:
                      - echo second >> log.txt
                      - sh -c 'cat second.c two.h > second.o'
                      - "sh -c 'echo second.o: second.c two.h > second.d'"
                      - sh killer.sh

                """,
                "first.c": "first\n", "second.c": "second\n", "one.h": "one\n", "two.h": "two\n",
                // Run by stask directly: its parent is stask.
                "killer.sh": "if [ -f armed ]; then kill -KILL $PPID; sleep 5; fi\n",
                "armed": "",
            ])
            let killed = try await project.build()
            #expect(killed.isSignalled && killed.status == SIGKILL, "stask must have been killed: \(killed)")
            #expect(try await ProcessTable.quiesce(project.root, kill: true), "commands left running")
            #expect(project.read("second.d") != nil, "the killed task wrote its depfile")
            try project.remove("armed")

            try project.clearLog()
            #expect(try await project.build().status == 0)
            #expect(project.logLines == ["second"], "only the killed task reruns")
            try project.clearLog()
            #expect(try await project.build().status == 0)
            #expect(project.logLines.isEmpty)

            try project.write("one.h", "one edited\n")
            try project.clearLog()
            #expect(try await project.build().status == 0)
            // `first` reruns for the header it discovered, `second` for `first.o`.
            #expect(project.logLines == ["first", "second"])
            try project.write("two.h", "two edited\n")
            try project.clearLog()
            #expect(try await project.build().status == 0)
            #expect(project.logLines == ["second"])
            #expect(project.read("second.o") == "second\ntwo edited\n")
        }

        /// A task whose process is killed by hand fails like any failing step: status 1, its dependents
        /// aborted, independent work done, no record (it runs again next time).
        @Test(arguments: [SIGKILL, SIGSEGV])
        func taskKilledByASignalFailsLikeAnyFailingStep(signal: Int32) async throws {
            let project = try FixtureProject(files: [
                "Taskfile": """
                version: 1
                tasks:
                  victim:
                    outputs: [victim.txt]
                    run:
                      - echo partial > victim.txt
                      - sh victim.sh
                  after:
                    deps: [victim]
                    run: echo after >> log.txt
                  other:
                    run: echo other >> log.txt

                """,
                // While `armed` exists the victim tells its pid through the FIFO and waits to be killed.
                "victim.sh": "if [ -f armed ]; then echo $$ > pid.fifo; exec sleep 60; fi\n",
                "armed": "",
            ])
            let fifo = try FIFO(project.url("pid.fifo"))
            let result = try await StaskInvocation.run(["build", "--progress=plain", "-k"], in: project.root) { _ in
                let lines = try await fifo.lines(what: "the victim's pid")
                guard let pid = lines.first.flatMap({ pid_t($0) }) else { throw HarnessError("no pid in \(lines)") }
                kill(pid, signal)
            }
            #expect(result.status == 1, "\(result)")
            #expect(result.standardOutput.contains("FAILED: victim"), "\(result)")
            #expect(result.standardOutput.contains("\(128 + signal)"), "the status names the signal: \(result)")
            #expect(project.logLines == ["other"])
            try project.remove("armed")
            try project.clearLog()
            let again = try await project.build()
            #expect(again.status == 0, "\(again)")
            #expect(project.logLines == ["after"], "the killed task and its dependent run again")
        }

        /// How many tasks a build would run now, from a dry run.
        private func tasksToRun(_ project: FixtureProject) async throws -> Int {
            let dryRun = try await project.build("--dry-run")
            let line = dryRun.standardOutput.split(separator: "\n").first { $0.hasSuffix("to run (dry run)") }
            return line.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        }

        /// Edits `count` sources (seeded): appended to, rewritten at the same size with the old mtime put
        /// back, or replaced by a new file. Returns their indices.
        private func edit(
            _ project: FixtureProject, _ graph: GeneratedGraph, _ random: inout SplitMix64, count: Int
        ) throws -> Set<Int> {
            var chosen = Set<Int>()
            while chosen.count < count { chosen.insert(random.below(graph.sources.count)) }
            for index in chosen {
                let path = graph.sources[index]
                let old = project.read(path) ?? ""
                switch random.below(3) {
                case 0:
                    try project.write(path, old + "edit \(random.next() % 1000)\n")
                case 1:
                    let url = project.url(path)
                    let modified = try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate]
                    try project.write(path, (old.first == "S" ? "T" : "S") + old.dropFirst())
                    if let modified {
                        try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: url.path)
                    }
                default:
                    try project.remove(path)
                    try project.write(path, old + "replaced\n")
                }
            }
            return chosen
        }
    }
}
