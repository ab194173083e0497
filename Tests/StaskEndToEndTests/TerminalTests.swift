import Foundation
import Testing

extension EndToEndTests {
    /// The live status line under a real pseudo-terminal (util-linux `script`), and the plain fallback.
    @Suite struct TerminalTests {
        private static let script = URL(fileURLWithPath: "/usr/bin/script")
        private static let erase = "\r\u{1B}[K"

        /// Runs `stask build ARGS` inside a pseudo-terminal with `TERM` set; the typescript with the
        /// terminal's `\r\n` line ends turned back into `\n`.
        private func buildOnTerminal(_ project: FixtureProject, term: String, _ arguments: [String] = []) async throws
            -> String?
        {
            guard FileManager.default.isExecutableFile(atPath: Self.script.path) else { return nil }
            let command = ([StaskInvocation.binary.path, "build", "-j", "2"] + arguments).map { "'\($0)'" }
                .joined(separator: " ")
            let result = try await StaskInvocation.run(
                ["-qfec", command, "/dev/null"], in: project.root, environment: ["TERM": term, "COLUMNS": "100"],
                executable: Self.script)
            #expect(result.status == 0, "\(result)")
            return result.standardOutput.replacingOccurrences(of: "\r\n", with: "\n")
        }

        @Test func statusLineRedrawsInPlaceAndTaskOutputComesOutWholeAboveIt() async throws {
            let project = try FixtureProject("seeing")
            guard let output = try await buildOnTerminal(project, term: "xterm") else {
                print("skipped: util-linux 'script' is not installed, no pseudo-terminal to test with")
                return
            }
            // Redrawn in place: carriage return and erase-line, several times, with the counter.
            #expect(output.components(separatedBy: Self.erase + "[").count > 3, "\(output.debugDescription)")
            #expect(output.contains(Self.erase + "[0/5]"), "\(output.debugDescription)")
            // Every task's three lines come out together, right after the erase that clears the status.
            for name in ["gen-1", "gen-2", "gen-3", "gen-4", "pack"] {
                let block = "line 1 of \(name)\nline 2 of \(name)\nline 3 of \(name)\n"
                #expect(output.contains(block), "\(name) garbled: \(output.debugDescription)")
                let before = output[..<(try #require(output.range(of: block)).lowerBound)]
                // Right before the block: an erase, then its one header line "[k/5] id (…s)".
                let lastErase = try #require(before.range(of: Self.erase, options: .backwards))
                let header = before[lastErase.upperBound...]
                #expect(header.hasPrefix("[") && header.hasSuffix(")\n"), "\(header.debugDescription)")
                #expect(header.filter { $0 == "\n" }.count == 1, "\(header.debugDescription)")
            }
            // The summary replaces the status line and nothing is drawn after it.
            #expect(output.contains(Self.erase + "stask: built 5, up to date 0"), "\(output.debugDescription)")
            let tail = try #require(output.range(of: "stask: built 5")).upperBound
            #expect(!output[tail...].contains("\u{1B}"), "\(output.debugDescription)")
        }

        @Test func dumbTerminalFallsBackToPlainLines() async throws {
            let project = try FixtureProject("seeing")
            guard let output = try await buildOnTerminal(project, term: "dumb") else {
                print("skipped: util-linux 'script' is not installed, no pseudo-terminal to test with")
                return
            }
            #expect(!output.contains("\u{1B}") && !output.contains("\r"), "\(output.debugDescription)")
            #expect(output.contains("line 1 of pack\nline 2 of pack\nline 3 of pack\n"), "\(output)")
            #expect(output.split(separator: "\n").filter { $0.hasPrefix("[") }.count == 5, "\(output)")
        }

        @Test func stdoutThatIsNotATerminalGetsPlainLines() async throws {
            let project = try FixtureProject("seeing")
            let result = try await project.stask(["build", "--progress=auto"])
            #expect(result.status == 0, "\(result)")
            #expect(!result.standardOutput.contains("\u{1B}") && !result.standardOutput.contains("\r"), "\(result)")
            #expect(result.standardOutput.contains("[5/5] "), "\(result)")
        }
    }
}
