import Foundation
import StaskTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension EndToEndTests {
    /// A watch as a person sees it: under a pseudo-terminal, with `--progress json` for tools, and through
    /// an editor's and `git`'s ways of changing many files at once.
    @Suite struct WatchTerminalTests {
        private static let script = URL(fileURLWithPath: "/usr/bin/script")
        private static let erase = "\r\u{1B}[K"

        @Test func aTerminalShowsEachRebuildsStatusLineThenItsSummaryLine() async throws {
            guard FileManager.default.isExecutableFile(atPath: Self.script.path) else {
                print("skipped: util-linux 'script' is not installed, no pseudo-terminal to test with")
                return
            }
            let project = try FixtureProject("watch")
            let command = "exec '\(StaskInvocation.binary.path)' watch --watch-debounce \(WatchTests.quiet)"
            let terminal = try WatchedProcess(
                [Self.script.path, "-qfec", command, "/dev/null"], in: project.root,
                environment: ["TERM": "xterm", "COLUMNS": "100"])
            defer { terminal.signal(SIGKILL) }
            #expect(await terminal.output(containing: "stask: watch #1: first build; ran 3"))
            try truncateAndWrite(project, "src/a.txt", "seen\n")
            #expect(await terminal.output(containing: "stask: watch #2: src/a.txt changed; ran 2"))
            // The pseudo-terminal's child is stask itself (exec): Ctrl-C goes to it.
            let children =
                (try? String(
                    contentsOfFile: "/proc/\(terminal.process.processIdentifier)/task/"
                        + "\(terminal.process.processIdentifier)/children", encoding: .utf8)) ?? ""
            let stask = try #require(children.split(separator: " ").first.flatMap { pid_t($0) })
            kill(stask, SIGINT)
            let result = await terminal.result(timeout: .seconds(20))
            #expect(result.status == 130, "\(result)")
            let screen = result.standardOutput.replacingOccurrences(of: "\r\n", with: "\n")
            let second = try #require(screen.range(of: "stask: watch #1: ")).upperBound
            let rebuild = String(screen[second...])
            // The rebuild's status line is redrawn in place, then erased by its summary, then the cycle line.
            #expect(rebuild.contains(Self.erase + "[0/2]"), "\(rebuild.debugDescription)")
            #expect(rebuild.contains(Self.erase + "stask: built 2, up to date 1"), "\(rebuild.debugDescription)")
            let summary = try #require(rebuild.range(of: "stask: built 2, up to date 1")).upperBound
            let afterSummary = rebuild[summary...]
            #expect(
                afterSummary.contains("\nstask: watch #2: src/a.txt changed; ran 2 (compile[src/a.txt], bundle) in "))
            #expect(
                !afterSummary.prefix(while: { $0 != "#" }).contains("\u{1B}"), "nothing is drawn over the cycle line")
        }

        @Test func jsonProgressHasOneCycleEventPerBuild() async throws {
            let project = try FixtureProject("watch")
            let stask = try WatchedProcess.stask(
                ["watch", "--progress=json", "--watch-debounce", WatchTests.quiet], in: project.root)
            defer { stask.signal(SIGKILL) }
            #expect(await stask.output(containing: #"{"event":"cycle","cycle":1,"changed":[],"#))
            try saveByRename(project, "src/b.txt", "json\n")
            #expect(await stask.output(containing: #"{"event":"cycle","cycle":2,"changed":["src/b.txt"],"#))
            stask.signal(SIGINT)
            let result = await stask.result(timeout: .seconds(20))
            #expect(result.status == 130, "\(result)")
            let cycles = result.standardOutput.split(separator: "\n").filter { $0.contains(#""event":"cycle""#) }
            #expect(cycles.count == 2, "two builds; the interrupted wait builds nothing: \(result)")
            let second = try #require(cycles.dropFirst().first)
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(second.utf8)) as? [String: Any])
            #expect(object["ran"] as? [String] == ["compile[src/b.txt]", "bundle"])
            #expect(object["success"] as? Bool == true && object["built"] as? Int == 2)
            #expect(object["wall_time"] is Double)
        }

        /// vim's save (backup by rename, new file, backup deleted, its swap file beside) and a `git checkout`
        /// of every source each give one build.
        @Test func vimSaveAndGitCheckoutGiveOneBuildEach() async throws {
            let project = try FixtureProject("watch")
            for index in 0..<20 { try project.write("src/f\(index).txt", "file \(index)\n") }
            try git(["init", "-q"], in: project)
            try git(["add", "src", "Taskfile"], in: project)
            try git(["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one"], in: project)
            let stask = try WatchedProcess.stask(
                ["watch", "--progress=plain", "--watch-debounce", WatchTests.quiet], in: project.root)
            defer { stask.signal(SIGKILL) }
            #expect(await stask.output(containing: "stask: watch #1: first build; ran 23"))

            try project.write("src/.a.txt.swp", "vim swap")
            guard rename(project.url("src/a.txt").path, project.url("src/a.txt~").path) == 0 else {
                throw HarnessError("rename failed")
            }
            try project.write("src/a.txt", "written by vim\n")
            try project.remove("src/a.txt~")
            try project.remove("src/.a.txt.swp")
            #expect(
                await stask.output(containing: "stask: watch #2: src/a.txt changed; ran 2 (compile[src/a.txt], bundle)")
            )

            try git(["checkout", "-q", "-b", "other"], in: project)
            for index in 0..<20 { try project.write("src/f\(index).txt", "changed \(index)\n") }
            try git(["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "two"], in: project)
            #expect(await stask.output(containing: "stask: watch #3: "))
            #expect(await stask.output(containing: "and 17 more changed; ran 21 (", timeout: .seconds(5)))
            try git(["checkout", "-q", "master"], in: project)
            #expect(await stask.output(containing: "stask: watch #4: "))
            stask.signal(SIGINT)
            let result = await stask.result(timeout: .seconds(20))
            #expect(result.status == 130, "\(result)")
            #expect(!result.standardOutput.contains("watch #5"), "one build for the checkout: \(result)")
            let fourth = result.standardOutput.split(separator: "\n").first { $0.contains("watch #4: ") } ?? ""
            #expect(fourth.contains("and 18 more changed; ran 22 ("), "vim's edit is undone too: \(result)")
        }

        private func git(_ arguments: [String], in project: FixtureProject) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git"] + arguments
            process.currentDirectoryURL = project.root
            process.environment = ProcessInfo.processInfo.environment.merging(["GIT_CONFIG_GLOBAL": "/dev/null"]) {
                $1
            }
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw HarnessError("git \(arguments) failed") }
        }
    }
}
