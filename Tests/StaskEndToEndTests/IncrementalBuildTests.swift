import Foundation
import Testing

extension EndToEndTests {
    /// Scenarios 1, 2, 3 and 5: no-op rebuilds, touch, edits with early cutoff, damaged outputs.
    @Suite struct IncrementalBuildTests {
        /// A project built once, with its log cleared.
        private func builtProject() async throws -> FixtureProject {
            let project = try FixtureProject("incremental")
            let first = try await project.build()
            #expect(first.status == 0, "\(first)")
            let expected = try #require(project.read("expected-first-build.txt"))
            #expect(project.ran == expected.split(separator: "\n").map(String.init))
            try project.clearLog()
            return project
        }

        @Test func secondBuildRunsNothingAndSaysAllUpToDate() async throws {
            let project = try await builtProject()
            let second = try await project.build()
            #expect(second.status == 0, "\(second)")
            #expect(project.ran == [])
            #expect(second.standardOutput.contains("built 0, up to date 5"), "\(second)")
        }

        @Test func touchingInputsWithoutChangingThemRunsNothing() async throws {
            let project = try await builtProject()
            try project.touch("src/a.c")
            try project.touch("docs/guide.md")
            let result = try await project.build()
            #expect(result.status == 0, "\(result)")
            #expect(project.ran == [])
        }

        @Test func editingAnInputRunsExactlyTheTasksDownstreamOfIt() async throws {
            let project = try await builtProject()
            try project.write("src/a.c", "# the first file\nint a = 10;\n")
            let result = try await project.build()
            #expect(result.status == 0, "\(result)")
            #expect(project.ran == ["compile-a", "link", "report"])
            #expect(project.read("build/a.o") == "int a = 10;\n")
        }

        @Test func editingOnlyACommentStopsAtTheByteIdenticalObject() async throws {
            let project = try await builtProject()
            try project.write("src/a.c", "# the first file, reworded\nint a = 1;\n")
            let result = try await project.build()
            #expect(result.status == 0, "\(result)")
            #expect(project.ran == ["compile-a"])
            #expect(result.standardOutput.contains("built 1, up to date 4"), "\(result)")
        }

        @Test func deletingAnOutputRerunsOnlyItsTask() async throws {
            let project = try await builtProject()
            try project.remove("build/app")
            let result = try await project.build()
            #expect(result.status == 0, "\(result)")
            // report's input comes back byte-identical: early cutoff.
            #expect(project.ran == ["link"])
            #expect(project.exists("build/app"))
        }

        @Test func editingAnOutputByHandRerunsItsTask() async throws {
            let project = try await builtProject()
            let original = try #require(project.read("build/report.txt"))
            try project.write("build/report.txt", "edited by hand\n")
            let result = try await project.build()
            #expect(result.status == 0, "\(result)")
            #expect(project.ran == ["report"])
            #expect(project.read("build/report.txt") == original)
        }

        @Test func noOpBuildsLeaveAStampThatStillSeesAnEditKeepingSizeAndModificationTimeAndEditsKeepOne() async throws
        {
            let project = try await builtProject()
            // A no-op build writes `.stask/uptodate` once every output is older than its start by more
            // than the timestamp granularity; each build here takes longer than that.
            for _ in 0..<3 where !project.exists(".stask/uptodate") {
                let result = try await project.build()
                #expect(result.status == 0 && project.ran == [], "\(result)")
            }
            #expect(project.exists(".stask/uptodate"))
            let fromStamp = try await project.build()
            #expect(fromStamp.status == 0 && project.ran == [], "\(fromStamp)")
            #expect(fromStamp.standardOutput.contains("built 0, up to date 5"), "\(fromStamp)")

            // Same size, modification time put back: only the change time tells.
            let path = project.url("src/a.c").path
            let modified = try #require(
                FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
            try project.write("src/a.c", "# the first file\nint a = 7;\n")
            try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: path)
            let edited = try await project.build()
            #expect(edited.status == 0, "\(edited)")
            #expect(project.ran == ["compile-a", "link", "report"])
            // Built on the stamp's graph, it leaves a stamp of its own: the next edit takes the same way.
            #expect(project.exists(".stask/uptodate"))
            try project.clearLog()
            try project.write("src/b.c", "int b = 3;\n")
            let second = try await project.build()
            #expect(second.status == 0, "\(second)")
            #expect(project.ran == ["compile-b", "link", "report"])
            #expect(project.read("build/app") == "int a = 7;\nint b = 3;\n")
            try project.clearLog()
            let noOp = try await project.build()
            #expect(noOp.status == 0 && project.ran == [], "\(noOp)")
            #expect(noOp.standardOutput.contains("built 0, up to date 5"), "\(noOp)")
        }

        /// A directory a glob reaches through a wildcard is known as a directory from its parent's listing
        /// (`d_type`); it is observed itself all the same, so a file added to it is built.
        @Test(arguments: ["foreach: \"lib/*/*.c\"", "foreach: \"lib/**/*.c\""])
        func aFileAddedBelowAWildcardDirectoryIsBuilt(foreach: String) async throws {
            let project = try FixtureProject("incremental")
            try project.write(
                "Taskfile",
                """
                version: 1
                tasks:
                  copy:
                    \(foreach)
                    inputs: ["{{item}}"]
                    outputs: ["out/{{stem}}.o"]
                    run: cp {{item}} {{output}}
                """)
            try project.write("lib/core/x.c", "x\n")
            // A stamp is written once every path is older than a build's start by the timestamp granularity.
            for _ in 0..<5 where !project.exists(".stask/uptodate") {
                let result = try await project.build()
                #expect(result.status == 0, "\(result)")
            }
            #expect(project.exists(".stask/uptodate"))
            try project.write("lib/core/y.c", "y\n")
            let added = try await project.build()
            #expect(added.status == 0, "\(added)")
            #expect(project.read("out/y.o") == "y\n")
        }

        @Test func buildingOneTargetRunsOnlyWhatItNeeds() async throws {
            let project = try FixtureProject("incremental")
            let result = try await project.build("link")
            #expect(result.status == 0, "\(result)")
            #expect(project.ran == ["compile-a", "compile-b", "link"])
        }
    }
}
