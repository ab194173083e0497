import Foundation
import Testing

extension EndToEndTests {
    /// `stask explain` and `stask build --dry-run`: why things would run, without running or changing
    /// anything.
    @Suite struct ExplainTests {
        /// Every file under `.stask/`, path → bytes.
        private func stateFiles(_ project: FixtureProject) throws -> [String: Data] {
            let root = project.url(".stask")
            var files: [String: Data] = [:]
            let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
            while let url = enumerator?.nextObject() as? URL {
                guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
                files[url.path] = try Data(contentsOf: url)
            }
            return files
        }

        @Test func explainNamesTheChangedInputTheWaitingDependentAndWhatIsUpToDate() async throws {
            let project = try FixtureProject("incremental")
            #expect(try await project.build().status == 0)
            try project.write("src/a.c", "# the first file\nint a = 10;\n")
            let result = try await project.stask(["explain", "compile", "link", "docs"])
            #expect(result.status == 0, "\(result)")
            let lines = result.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.count == 4, "\(result)")
            #expect(lines[0].hasPrefix("compile[src/a.c]: input 'src/a.c' changed ("), "\(result)")
            #expect(lines[0].contains(" → "), "\(result)")
            #expect(lines[1].hasPrefix("compile[src/b.c]: up to date (1 input: "), "\(result)")
            #expect(lines[2] == "link: dependency 'compile[src/a.c]' will rebuild", "\(result)")
            #expect(lines[3].hasPrefix("docs: up to date (1 input: "), "\(result)")
        }

        @Test func explainNamesAChangedVarWithItsOldAndNewValue() async throws {
            let project = try FixtureProject("vars")
            #expect(try await project.build().status == 0)
            let result = try await project.stask(["explain", "greet", "plain", "GREETING=hi"])
            #expect(result.status == 0, "\(result)")
            #expect(
                result.standardOutput.split(separator: "\n").first
                    == "greet: variable 'GREETING' changed: 'hello' → 'hi'", "\(result)")
            #expect(result.standardOutput.contains("plain: up to date"), "\(result)")
        }

        @Test func explainBeforeAnyBuildSaysNeverBuiltAndUnknownTargetsAreUsageErrors() async throws {
            let project = try FixtureProject("incremental")
            let result = try await project.stask(["explain", "link"])
            #expect(result.standardOutput == "link: never built\n", "\(result)")
            let unknown = try await project.stask(["explain", "lnk"])
            #expect(unknown.status == 2 && unknown.standardError.contains("'lnk'"), "\(unknown)")
            #expect(!project.exists(".stask/state") && !project.exists("log.txt"))
        }

        @Test func dryRunListsWhatWouldRunInOrderWithReasonsAndLeavesTheStateByteForByte() async throws {
            let project = try FixtureProject("incremental")
            #expect(try await project.build().status == 0)
            try project.clearLog()
            try project.write("src/a.c", "# the first file\nint a = 10;\n")
            try project.remove("build/guide.html")
            let before = try stateFiles(project)
            #expect(!before.isEmpty)
            let result = try await project.build("-n")
            #expect(result.status == 0, "\(result)")
            let lines = result.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.count == 5, "\(result)")
            #expect(lines[0].hasPrefix("would run compile[src/a.c]: input 'src/a.c' changed ("), "\(result)")
            #expect(lines[1] == "would run link: dependency 'compile[src/a.c]' will rebuild", "\(result)")
            #expect(lines[2] == "would run report: dependency 'link' will rebuild", "\(result)")
            #expect(lines[3] == "would run docs: output 'build/guide.html' is missing", "\(result)")
            #expect(lines[4] == "stask: 4 to run (dry run)", "\(result)")
            #expect(try stateFiles(project) == before, "the dry run changed .stask/")
            #expect(project.logLines == [] && !project.exists("build/guide.html"))
        }
    }
}
