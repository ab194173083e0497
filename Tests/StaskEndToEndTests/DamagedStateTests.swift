import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension EndToEndTests {
    /// Damaged `.stask/state` and `.stask/journal` files are a warning naming the file and
    /// a correct rebuild; a read-only `.stask` is a clear error before any task runs. The seeded long run is
    /// `bench/faults.py --only state`.
    @Suite struct DamagedStateTests {
        enum Damage: String, CaseIterable, CustomTestStringConvertible {
            case truncated, bitFlip, garbage, empty, futureVersion, unreadable, directory

            var testDescription: String { rawValue }
        }

        /// A built generated project whose state is all in the snapshot (`state`), the journal empty.
        private func builtProject(snapshot: Bool) async throws -> (FixtureProject, GeneratedGraph) {
            let graph = GeneratedGraph(seed: 11, tasks: 16, sources: 5)
            let project = try FixtureProject(files: graph.files(seed: 11))
            let first = try await project.build()
            #expect(first.status == 0, "\(first)")
            if snapshot {
                // Only a compaction writes the snapshot; a damaged journal tail makes the next open compact.
                let journal = try FileHandle(forWritingTo: project.url(".stask/journal"))
                try journal.seekToEnd()
                try journal.write(contentsOf: Data([1]))
                try journal.close()
                let folded = try await project.build()
                #expect(folded.status == 0 && project.exists(".stask/state"), "\(folded)")
            }
            try project.clearLog()
            return (project, graph)
        }

        private func damage(_ project: FixtureProject, _ file: String, _ damage: Damage) throws {
            let url = project.url(".stask/\(file)")
            var bytes = [UInt8](try Data(contentsOf: url))
            switch damage {
            case .truncated: bytes = Array(bytes.prefix(bytes.count * 2 / 3))
            case .bitFlip: bytes[bytes.count / 2] ^= 0x10
            case .garbage: bytes = (0..<700).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            case .empty: bytes = []
            case .futureVersion: bytes[8] = 99  // the version field follows the 8-byte magic
            case .unreadable:
                try Sandbox.handOver(project.root)
                try #require(chmod(url.path, 0) == 0)
                return
            case .directory:
                try FileManager.default.removeItem(at: url)
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
                return
            }
            try Data(bytes).write(to: url)
        }

        /// Runs `stask build` (as `nobody` when the damage is permissions and this process is root).
        private func build(_ project: FixtureProject, _ damage: Damage) async throws -> StaskResult {
            let prefix = damage == .unreadable ? Sandbox.unprivileged : []
            let process = try WatchedProcess.stask(["build", "--progress=plain"], in: project.root, prefix: prefix)
            return await process.result()
        }

        @Test(arguments: Damage.allCases)
        func damagedSnapshotIsAWarningNamingItAndAFullRebuild(damage: Damage) async throws {
            if damage == .unreadable { try #require(await Sandbox.canRunUnprivileged(), "needs setpriv when root") }
            let (project, graph) = try await builtProject(snapshot: true)
            try self.damage(project, "state", damage)
            let result = try await build(project, damage)
            #expect(result.status == 0, "\(result)")
            #expect(
                (result.standardOutput + result.standardError).contains(
                    "\(project.url(".stask/state").path): warning:"),
                "\(result)")
            #expect(project.logLines.sorted() == graph.names, "a full rebuild")
            try project.clearLog()
            let again = try await build(project, damage)
            #expect(again.status == 0 && project.logLines.isEmpty, "the state is repaired: \(again)")
            #expect(!(again.standardOutput + again.standardError).contains("warning"), "\(again)")
        }

        /// Journal damage loses the entries from the damage on (their tasks run again); an empty journal has
        /// nothing to lose (a crash between creating it and writing its header leaves one) and is no warning.
        @Test(arguments: Damage.allCases)
        func damagedJournalIsAWarningNamingItAndACorrectRebuild(damage: Damage) async throws {
            if damage == .unreadable { try #require(await Sandbox.canRunUnprivileged(), "needs setpriv when root") }
            let (project, graph) = try await builtProject(snapshot: false)
            let outputs = graph.names.indices.map { project.read(graph.output($0)) }
            try self.damage(project, "journal", damage)
            let result = try await build(project, damage)
            #expect(result.status == 0, "\(result)")
            let warned = (result.standardOutput + result.standardError).contains(
                "\(project.url(".stask/journal").path): warning:")
            #expect(warned == (damage != .empty), "\(result)")
            if damage != .truncated {  // a cut may fall in the last entry, the stat cache: no record lost
                #expect(!project.logLines.isEmpty, "the lost records' tasks run again")
            }
            #expect(graph.names.indices.map { project.read(graph.output($0)) } == outputs)
            try project.clearLog()
            let again = try await build(project, damage)
            #expect(again.status == 0 && project.logLines.isEmpty, "the state is repaired: \(again)")
        }

        /// A `.stask` that cannot be written (a read-only bind mount: root ignores permissions) is an error
        /// naming it before any task runs, and leaves the state usable.
        @Test(.enabled(Sandbox.mountMissingComment) { await Sandbox.canMount() }, arguments: [false, true])
        func readOnlyStateDirectoryIsAClearErrorBeforeAnyTaskRuns(afterABuild: Bool) async throws {
            let graph = GeneratedGraph(seed: 12, tasks: 20, sources: 5)
            let project = try FixtureProject(files: graph.files(seed: 12))
            if afterABuild {
                let first = try await project.build()
                #expect(first.status == 0, "\(first)")
                try project.write(graph.sources[0], "changed\n")
                try project.clearLog()
            }
            try FileManager.default.createDirectory(at: project.url(".stask"), withIntermediateDirectories: true)
            let result = try await Sandbox.runInMountNamespace(
                """
                mount --bind .stask .stask && mount -o remount,ro,bind .stask && \
                exec "$STASK" build --progress=plain
                """, in: project.root)
            #expect(result.status == 1, "\(result)")
            #expect(result.standardError.contains("cannot write build state"), "\(result)")
            #expect(result.standardError.contains(".stask"), "\(result)")
            #expect(project.logLines.isEmpty, "no task ran")
            let writable = try await project.build()
            #expect(writable.status == 0, "\(writable)")
            #expect(!(writable.standardOutput + writable.standardError).contains("warning"), "\(writable)")
        }
    }
}
