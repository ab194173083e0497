import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension EndToEndTests {
    /// Fork failing and a full disk under `.stask`: a clear message, the state intact.
    /// Root ignores `RLIMIT_NPROC`, so stask runs as `nobody` (`setpriv`) under `prlimit --nproc`; the full
    /// disk is a 256 KiB tmpfs mounted over `.stask` in a private mount namespace. Both are skipped where
    /// the machine does not allow them (the unit tests inject the same errors through the seams).
    @Suite struct ResourceExhaustionTests {
        static func canLimitProcesses() async -> Bool {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") else { return false }
            return await Sandbox.canRunUnprivileged()
        }

        /// With room for stask's own threads but not for its children, every spawn fails with a located
        /// message (`cannot run '/bin/sh': Resource temporarily unavailable`), status 1; nothing is damaged and
        /// the next build with the limit lifted does exactly the work.
        @Test(
            .enabled("needs root, setpriv and prlimit to run stask as nobody under a process limit") {
                await canLimitProcesses()
            })
        func failingForkIsAClearFailureAndLeavesTheStateIntact() async throws {
            let graph = GeneratedGraph(seed: 21, tasks: 20, sources: 5)
            let project = try FixtureProject(files: graph.files(seed: 21))
            try Sandbox.handOver(project.root)
            // The limit counts every thread of the user. Fewer than ~4 of its own leave no room for the Swift
            // runtime's threads (libdispatch then waits for one forever); 6 leave room for stask but not for
            // its commands (or, if the user is busier than measured, not for stask's signal thread: also a
            // clear error).
            let limit = 6 + Sandbox.threadCount(ofUser: Sandbox.isRoot ? Sandbox.nobody : getuid())
            let limited = try WatchedProcess.stask(
                ["build", "--progress=plain"], in: project.root,
                prefix: ["prlimit", "--nproc=\(limit):\(limit)"] + Sandbox.unprivileged)
            let result = await limited.result(timeout: .seconds(30))
            #expect(result.status == 1, "\(result)")
            #expect(
                (result.standardOutput + result.standardError).contains("Resource temporarily unavailable (errno 11)"),
                "\(result)")
            #expect(!(result.standardOutput + result.standardError).contains("build state"), "\(result)")
            let ranUnderLimit = Set(project.logLines)
            try project.clearLog()
            let free = try WatchedProcess.stask(
                ["build", "--progress=plain"], in: project.root, prefix: Sandbox.unprivileged)
            let again = await free.result()
            #expect(again.status == 0, "\(again)")
            #expect(!(again.standardOutput + again.standardError).contains("warning"), "\(again)")
            #expect(Set(project.logLines).union(ranUnderLimit) == Set(graph.names))
        }

        /// `.stask` on a full 256 KiB tmpfs: one warning naming the journal ("No space left on device"), the
        /// build itself succeeds; once space is back the next build redoes exactly the unrecorded work and
        /// the one after runs nothing.
        @Test(.enabled(Sandbox.mountMissingComment) { await Sandbox.canMount() })
        func fullDiskWhileSavingStateIsOneClearWarningAndTheStateStaysIntact() async throws {
            let graph = GeneratedGraph(seed: 22, tasks: 40, sources: 8)
            let project = try FixtureProject(files: graph.files(seed: 22))
            try FileManager.default.createDirectory(at: project.url(".stask"), withIntermediateDirectories: true)
            let result = try await Sandbox.runInMountNamespace(
                """
                mount -t tmpfs -o size=256k tmpfs .stask || exit 99
                "$STASK" build --progress=plain > first.out 2>&1 || exit 98
                dd if=/dev/zero of=.stask/filler bs=1k 2>/dev/null
                echo edit >> \(graph.sources[0]); echo edit >> \(graph.sources[1]); rm -f log.txt
                "$STASK" build --progress=plain > full.out 2>&1; echo $? > full.status
                mv log.txt full.log; rm -f .stask/filler
                "$STASK" build --progress=plain > after.out 2>&1 || exit 97
                mv log.txt after.log
                "$STASK" build --progress=plain > noop.out 2>&1 || exit 96
                test ! -e log.txt || exit 95
                """, in: project.root)
            #expect(
                result.status == 0, "\(result)\n\(project.read("full.out") ?? "")\n\(project.read("after.out") ?? "")")
            #expect(project.read("full.status") == "0\n")
            let full = project.read("full.out") ?? ""
            let warnings = full.split(separator: "\n").filter { $0.contains("warning") }
            #expect(warnings.count >= 1 && warnings.count <= 2, "one warning per file, not per task: \(full)")
            #expect(warnings.first?.contains(".stask/journal") == true, "\(full)")
            #expect(full.contains("No space left on device"), "\(full)")
            let after = project.read("after.out") ?? ""
            #expect(!after.contains("warning"), "the state is intact: \(after)")
            let changed = graph.dependents(ofSources: [0, 1])
            let ran = Set((project.read("full.log") ?? "").split(separator: "\n").map(String.init))
            #expect(changed.isSubset(of: ran))
            let rerun = Set((project.read("after.log") ?? "").split(separator: "\n").map(String.init))
            #expect(rerun.isSubset(of: changed), "only work whose record was lost is redone")
        }
    }
}
