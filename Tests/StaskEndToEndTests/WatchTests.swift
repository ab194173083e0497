import Foundation
import StaskTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension EndToEndTests {
    /// `stask build --watch` over real files and processes: each way of changing a file gives exactly one
    /// build of exactly the tasks it reaches; the test waits for each cycle's line (`stask: watch #N: …`).
    @Suite struct WatchTests {
        /// Long enough that a test's own multi-step change (truncate, then write) is never split in two by a
        /// loaded machine descheduling it between the steps.
        static let quiet = "250ms"

        @Test func eachKindOfChangeGivesOneBuildOfWhatItReaches() async throws {
            let project = try FixtureProject("watch")
            let stask = try WatchedProcess.stask(
                ["build", "--watch", "--progress=plain", "--watch-debounce", Self.quiet], in: project.root)
            defer { stask.signal(SIGKILL) }
            try await expectCycle(stask, "#1: first build; ran 3 (")
            #expect(project.ran == ["bundle", "compile src/a.txt", "compile src/b.txt"])
            #expect(project.read("build/bundle.txt") == "ALPHA\nBETA\n")

            try project.clearLog()
            try saveByRename(project, "src/a.txt", "alpha two\n")
            try await expectCycle(stask, "#2: src/a.txt changed; ran 2 (compile[src/a.txt], bundle)")
            #expect(project.read("build/bundle.txt") == "ALPHA TWO\nBETA\n")

            try truncateAndWrite(project, "src/b.txt", "beta two\n")
            try await expectCycle(stask, "#3: src/b.txt changed; ran 2 (compile[src/b.txt], bundle)")

            try project.write("src/c.txt", "gamma\n")
            try await expectCycle(stask, "#4: src/c.txt changed; ran 2 (compile[src/c.txt], bundle)")
            #expect(project.read("build/bundle.txt") == "ALPHA TWO\nBETA TWO\nGAMMA\n")

            try project.remove("src/c.txt")
            try await expectCycle(stask, "#5: src/c.txt changed; ran 1 (bundle)")
            #expect(project.read("build/bundle.txt") == "ALPHA TWO\nBETA TWO\n")

            try project.clearLog()
            try project.touch("src/a.txt")
            try await expectCycle(stask, "#6: src/a.txt changed; ran nothing")
            #expect(project.ran == [], "a touch runs nothing")

            let taskfile = try #require(project.read("Taskfile"))
            try saveByRename(
                project, "Taskfile", taskfile.replacingOccurrences(of: "echo bundle", with: "echo bundled"))
            try await expectCycle(stask, "#7: Taskfile changed; ran 1 (bundle)")
            #expect(project.ran == ["bundled"])

            try truncateAndWrite(project, "Taskfile", "version: 1\ntasks:\n  broken: [\n")
            try await expectCycle(stask, "#8: Taskfile changed; Taskfile:")
            #expect(await stask.output(containing: "still watching with the last good graph"))
            try project.clearLog()
            try truncateAndWrite(project, "src/b.txt", "beta three\n")
            try await expectCycle(stask, "#9: src/b.txt changed; ran 2 (compile[src/b.txt], bundle)")
            #expect(project.ran == ["bundled", "compile src/b.txt"], "the last good graph builds")

            try truncateAndWrite(project, "Taskfile", taskfile)
            try await expectCycle(stask, "#10: Taskfile changed; ran 1 (bundle)")
            // The build's own outputs and log never start a build: the next line is the interrupt's.
            stask.signal(SIGINT)
            let result = await stask.result(timeout: .seconds(20))
            #expect(result.status == 130, "\(result)")
            #expect(!result.standardOutput.contains("watch #11"), "\(result)")
        }

        @Test func theWatchLimitFallsBackToPollingWithOneWarning() async throws {
            let project = try FixtureProject("watch")
            let stask = try WatchedProcess(
                [StaskInvocation.binary.path, "watch", "--progress=plain", "--watch-debounce", Self.quiet],
                in: project.root,
                environment: ["STASK_WATCH_LIMIT": "1"])
            defer { stask.signal(SIGKILL) }
            try await expectCycle(stask, "#1: first build")
            #expect(await stask.output(containing: "stask: warning: the inotify watch limit is reached"))
            try truncateAndWrite(project, "src/a.txt", "polled\n")
            try await expectCycle(stask, "#2: src/a.txt changed; ran 2 (compile[src/a.txt], bundle)")
            stask.signal(SIGTERM)
            let result = await stask.result(timeout: .seconds(20))
            #expect(result.status == 143, "\(result)")
            #expect(result.standardOutput.components(separatedBy: "watch limit is reached").count == 2, "one warning")
        }

        /// A change while a command runs: the command finishes, and the next build starts right after.
        @Test func aChangeDuringABuildLetsItFinishAndBuildsAgainRightAfter() async throws {
            let project = try FixtureProject(files: Self.holdingProject)
            let ready = try FIFO(project.url("ready.fifo"))
            let stask = try WatchedProcess.stask(
                ["watch", "--progress=plain", "--watch-debounce", Self.quiet], in: project.root)
            defer { stask.signal(SIGKILL) }
            _ = try await ready.lines(what: "the first build's step to start")
            try project.write("input.txt", "two\n")
            try project.remove("hold")
            try await expectCycle(stask, "#1: first build; ran 1 (step) in")
            try await expectCycle(stask, "#2: input.txt changed; ran 1 (step) in")
            #expect(project.read("out.txt") == "two\n")
            #expect(project.logLines == ["step one", "step done", "step two", "step done"], "the first run finished")
            stask.signal(SIGINT)
            #expect(await stask.result(timeout: .seconds(20)).status == 130)
        }

        /// `--watch-restart`: a change stops the running command at once and builds again.
        @Test func watchRestartStopsTheRunningCommandsAndBuildsAgain() async throws {
            let project = try FixtureProject(files: Self.holdingProject)
            let ready = try FIFO(project.url("ready.fifo"))
            let stask = try WatchedProcess.stask(
                ["watch", "--watch-restart", "--progress=plain", "--watch-debounce", Self.quiet], in: project.root)
            defer { stask.signal(SIGKILL) }
            _ = try await ready.lines(what: "the first build's step to start")
            let firstPids = pids(project)
            try project.write("input.txt", "two\n")
            try await expectCycle(stask, "#1: first build; ran 1 (step), interrupted by a change (--watch-restart)")
            _ = try await ready.lines(what: "the second build's step to start")
            #expect(firstPids.count == 2 && firstPids.allSatisfy { !ProcessTable.isAlive($0) }, "\(firstPids)")
            try project.remove("hold")
            try await expectCycle(stask, "#2: input.txt changed; ran 1 (step) in")
            #expect(project.read("out.txt") == "two\n")
            stask.signal(SIGINT)
            #expect(await stask.result(timeout: .seconds(20)).status == 130)
        }

        /// Ctrl-C while commands run: they and their children are gone, stask exits 130.
        @Test func ctrlCWithRunningCommandsLeavesNoProcessBehind() async throws {
            let project = try FixtureProject(files: Self.holdingProject)
            let ready = try FIFO(project.url("ready.fifo"))
            let stask = try WatchedProcess.stask(
                ["build", "--watch", "--progress=plain", "--watch-debounce", Self.quiet], in: project.root)
            defer { stask.signal(SIGKILL) }
            _ = try await ready.lines(what: "the step to start")
            let running = pids(project)
            #expect(running.count == 2)
            let sent = ContinuousClock.now
            stask.signal(SIGINT)
            let result = await stask.result(timeout: .seconds(20))
            #expect(result.status == 130, "\(result)")
            #expect(ContinuousClock.now - sent < .seconds(5))
            #expect(running.filter(ProcessTable.isAlive).isEmpty, "every process of the build is gone")
            #expect(ProcessTable.processes(in: project.root).isEmpty, "nothing left in the project")
            #expect(result.standardOutput.contains("interrupted by SIGINT"), "\(result)")
        }

        /// `step` copies `input.txt` to `out.txt`; while `hold` exists it first records its shell's and a
        /// child's pids, says so on `ready.fifo` and waits.
        static let holdingProject = [
            "Taskfile": """
            version: 1
            tasks:
              step:
                inputs: [input.txt]
                outputs: [out.txt]
                run:
                  - echo step $(cat input.txt) >> log.txt
                  - sh hold.sh
                  - cp input.txt out.txt
                  - echo step done >> log.txt

            """,
            "hold.sh": """
            if [ -f hold ]; then
                rm -f pids
                sleep 300 & echo $! >> pids
                echo $$ >> pids
                echo started > ready.fifo
                while [ -f hold ]; do sleep 0.05; done
                kill $! 2>/dev/null
            fi

            """,
            "input.txt": "one\n",
            "hold": "",
        ]

        private func pids(_ project: FixtureProject) -> [pid_t] {
            (project.read("pids") ?? "").split(separator: "\n").compactMap { pid_t($0) }
        }

        private func expectCycle(
            _ stask: WatchedProcess, _ text: String, sourceLocation: SourceLocation = #_sourceLocation
        ) async throws {
            let found = await stask.output(containing: "stask: watch " + text)
            if !found {
                let result = await stask.result(timeout: .seconds(1))
                Issue.record("no line 'stask: watch \(text)' in \(result)", sourceLocation: sourceLocation)
                throw HarnessError("watch cycle missing")
            }
        }
    }
}

/// Writes `contents` to a temporary file beside `path` and renames it over `path`, as editors save.
func saveByRename(_ project: FixtureProject, _ path: String, _ contents: String) throws {
    let temporary = project.url(path).deletingLastPathComponent().appendingPathComponent(
        ".\(project.url(path).lastPathComponent).tmp")
    try contents.write(to: temporary, atomically: false, encoding: .utf8)
    guard rename(temporary.path, project.url(path).path) == 0 else { throw HarnessError("rename failed: \(errno)") }
}

/// Truncates `path` and writes `contents` into the same file (inode), as some editors and `>` do.
func truncateAndWrite(_ project: FixtureProject, _ path: String, _ contents: String) throws {
    let fd = open(project.url(path).path, O_WRONLY | O_TRUNC)
    guard fd >= 0 else { throw HarnessError("cannot open \(path): \(errno)") }
    defer { close(fd) }
    let bytes = Array(contents.utf8)
    guard write(fd, bytes, bytes.count) == bytes.count else { throw HarnessError("short write to \(path)") }
}
