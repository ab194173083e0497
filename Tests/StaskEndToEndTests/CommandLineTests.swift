import Foundation
import Testing

extension EndToEndTests {
    /// The command line itself: usage errors, `list`, `clean`, the example, signals.
    @Suite struct CommandLineTests {
        @Test func unknownOptionIsAUsageErrorWithStatusTwo() async throws {
            let project = try FixtureProject("incremental")
            let result = try await project.stask(["build", "--no-such-option"])
            #expect(result.status == 2, "\(result)")
            #expect(result.standardError.hasPrefix("stask: error:"), "\(result)")
            #expect(!project.exists("log.txt"))
        }

        @Test func directoryOptionWorksBeforeOrAfterTheCommandName() async throws {
            let project = try FixtureProject("incremental")
            let parent = project.root.deletingLastPathComponent()
            let name = project.root.lastPathComponent
            let before = try await StaskInvocation.run(["-C", name, "build", "--progress", "plain"], in: parent)
            #expect(before.status == 0, "\(before)")
            #expect(project.exists("build/app"))
            let after = try await StaskInvocation.run(["list", "-C", name], in: parent)
            #expect(after.status == 0 && after.standardOutput.contains("compile"), "\(after)")
            let listBefore = try await StaskInvocation.run(["-C", name, "list"], in: parent)
            #expect(listBefore.standardOutput == after.standardOutput, "\(listBefore)")
            let cleaned = try await StaskInvocation.run(["-C", name, "clean"], in: parent)
            #expect(cleaned.status == 0, "\(cleaned)")
            #expect(!project.exists("build/app"))
        }

        @Test func missingTaskfileIsAnErrorWithStatusTwo() async throws {
            let project = try FixtureProject("incremental")
            try project.remove("Taskfile")
            let result = try await project.build()
            #expect(result.status == 2, "\(result)")
            #expect(result.standardError.contains("Taskfile"), "\(result)")
        }

        @Test func unknownTargetIsAnErrorWithStatusTwo() async throws {
            let project = try FixtureProject("incremental")
            let result = try await project.build("lnk")
            #expect(result.status == 2, "\(result)")
            #expect(result.standardError.contains("'lnk'"), "\(result)")
            #expect(!project.exists("log.txt"))
        }

        @Test func listShowsEveryTaskWithItsDescriptionAndInstances() async throws {
            let project = try FixtureProject("incremental")
            let result = try await project.stask(["list"])
            #expect(result.status == 0, "\(result)")
            for text in ["compile", "Strip comment lines from one source file", "2 instances", "build/a.o", "link"] {
                #expect(result.standardOutput.contains(text), "'\(text)' in:\n\(result.standardOutput)")
            }
            #expect(!project.exists("log.txt"))
        }

        @Test func cleanRemovesDeclaredOutputsAndStateSoTheNextBuildRunsEverything() async throws {
            let project = try FixtureProject("incremental")
            #expect(try await project.build().status == 0)
            let clean = try await project.stask(["clean"])
            #expect(clean.status == 0, "\(clean)")
            #expect(!project.exists("build/app") && !project.exists("build/a.o") && !project.exists(".stask"))
            #expect(project.exists("src/a.c"), "sources stay")
            try project.clearLog()
            #expect(try await project.build().status == 0)
            #expect(project.ran.count == 5)
        }

        @Test func dryRunRunsNothingAndChangesNoState() async throws {
            let project = try FixtureProject("incremental")
            let result = try await project.build("--dry-run")
            #expect(result.status == 0, "\(result)")
            #expect(!project.exists("log.txt") && !project.exists("build/app"))
            #expect(result.standardOutput.contains("link"), "\(result)")
        }

        @Test func exampleTaskfileBuildsTheProgramAndPassesItsTests() async throws {
            let project = try FixtureProject(copyingFromPackage: [
                "Taskfile.example", "example/src", "example/include", "example/tests",
            ])
            let first = try await project.stask(["build", "--progress=plain", "-f", "Taskfile.example"])
            #expect(first.status == 0, "\(first)")
            #expect(project.exists("example/build/calc"))
            let second = try await project.stask(["build", "--progress=plain", "-f", "Taskfile.example"])
            #expect(second.status == 0, "\(second)")
            #expect(second.standardOutput.contains("built 0,"), "\(second)")
            // The headers are discovered from the compiler's depfiles: editing one recompiles its includers.
            try project.write("example/include/greet.h", (project.read("example/include/greet.h") ?? "") + "/* x */\n")
            let third = try await project.stask(["build", "--progress=plain", "-f", "Taskfile.example"])
            #expect(third.status == 0, "\(third)")
            #expect(third.standardOutput.contains("compile[example/src/greet.c]"), "\(third)")
            #expect(third.standardOutput.contains("compile[example/src/main.c]"), "\(third)")
            #expect(!third.standardOutput.contains("compile[example/src/arith.c]"), "\(third)")
        }

        @Test func jsonProgressWritesOneParsableObjectPerLine() async throws {
            let project = try FixtureProject("incremental")
            let result = try await project.stask(["build", "--progress=json"])
            #expect(result.status == 0, "\(result)")
            let objects = try result.standardOutput.split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            }
            #expect(objects.first?["event"] as? String == "planned")
            #expect(objects.last?["event"] as? String == "summary")
            #expect(objects.last?["built"] as? Int == 5)
            #expect(objects.filter { $0["event"] as? String == "finished" }.count == 5)
        }
    }
}
