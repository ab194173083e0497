import AsyncStreams
import StaskCore
import Testing

@Suite struct MemorySyntaxTests {
    @Test(arguments: [
        ("16GB", 16e9), ("512MiB", 536_870_912.0), ("1.5G", 1_610_612_736.0), ("2 gb", 2e9), ("100", 100.0),
        ("4k", 4096.0), ("1TB", 1e12), ("0", 0.0),
    ])
    func amountsParse(_ text: String, _ bytes: Double) {
        #expect(MemorySyntax.parse(text) == bytes)
    }

    @Test(arguments: ["", "GB", "-1GB", "16XB", "1e999GB", "one", "1.2.3G"])
    func nonsenseIsRefused(_ text: String) {
        #expect(MemorySyntax.parse(text) == nil)
    }

    @Test func formatPicksTheLargestBinaryUnit() {
        #expect(MemorySyntax.format(512) == "512 B")
        #expect(MemorySyntax.format(1_610_612_736) == "1.5 GiB")
        #expect(MemorySyntax.format(300_000_000) == "286.1 MiB")
    }

    @Test func theTaskfileAcceptsUnitsForMemOnlyAndPointsAtABadOne() throws {
        func parse(_ text: String) throws -> Taskfile {
            try TaskfileParser(fileSystem: InMemoryFileSystem(), workingDirectory: "/p").parse(
                contents: Array(text.utf8), path: "/p/T.yml")
        }
        let good = try parse(
            "version: 1\nbudget: {mem: 16GB}\ntasks:\n  a:\n    cost: {mem: 512MiB}\n    run: x\n")
        #expect(good.budget["mem"] == 16e9)
        #expect(good.tasks.first?.cost?["mem"] == 536_870_912)
        #expect(throws: TaskfileError.self) {
            _ = try parse("version: 1\nbudget: {cpu: 2GB}\ntasks: {}\n")
        }
        do {
            _ = try parse("version: 1\ntasks:\n  a:\n    cost: {mem: lots}\n    run: x\n")
            Issue.record("a bad amount of memory was accepted")
        } catch {
            #expect("\(error)".contains("T.yml:4:17"), "\(error)")
            #expect("\(error)".contains("512MB, 16GB or 2GiB"), "\(error)")
        }
    }
}
