import Foundation
import Testing

extension EndToEndTests {
    /// A task printing 64 MiB. stask's peak RSS stays bounded (a later task reads
    /// `VmHWM` of its parent, stask, from `/proc`), the output spills to `.stask/logs/`, the tail is shown
    /// with the log's path, and the log holds every byte. `bench/faults.py --only output` does 1 GiB.
    @Suite struct HugeOutputTests {
        static let taskfile = """
            version: 1
            tasks:
              huge:
                run: yes stask | head -c {{SIZE}}
              report:
                deps: [huge]
                run: grep VmHWM /proc/$PPID/status > hwm.txt

            """

        /// Builds with `SIZE=size` from scratch; returns stask's peak RSS in bytes and the result.
        private func peakRSS(_ project: FixtureProject, size: Int) async throws -> (Int, StaskResult) {
            if project.exists(".stask") { try project.remove(".stask") }
            let result = try await project.build("SIZE=\(size)")
            #expect(result.status == 0, "\(result)")
            let words = (project.read("hwm.txt") ?? "").split(separator: " ", omittingEmptySubsequences: true)
            let kilobytes = try #require(words.count >= 2 ? Int(words[1]) : nil)
            return (kilobytes * 1024, result)
        }

        @Test func sixtyFourMegabytesOfOutputKeepMemoryBoundedAndSpillCompletelyToALog() async throws {
            let project = try FixtureProject(files: ["Taskfile": Self.taskfile])
            let (baseline, _) = try await peakRSS(project, size: 1000)
            let size = 64 << 20
            let (peak, result) = try await peakRSS(project, size: size)
            #expect(peak < baseline + 24 << 20, "peak \(peak >> 20) MiB vs \(baseline >> 20) MiB for 1 kB")
            let note = try #require(
                result.standardOutput.split(separator: "\n").first { $0.contains("output cut to its last") })
            #expect(note.contains("of \(size) bytes"), "\(note)")
            let path = try #require(note.split(separator: " ").last.map { String($0.dropLast()) })
            #expect(path.hasPrefix(project.url(".stask/logs/").path), "\(path)")
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.size] as? Int) == size, "the log holds every byte")
            #expect(result.standardOutput.contains("stask\nstask\nstask\n"), "the tail is shown")
        }
    }
}
