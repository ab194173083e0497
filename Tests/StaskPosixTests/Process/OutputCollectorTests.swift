import Foundation
import Testing

@testable import StaskCore
@testable import StaskPosix

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct OutputCollectorTests {
    typealias Support = ExecutionTestSupport

    /// `count` bytes of a recognisable pattern.
    private func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / 251) }
    }

    private func feed(_ bytes: [UInt8], chunk: Int, into collector: inout OutputCollector, maxRetained: inout Int) {
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            bytes[offset..<end].withUnsafeBytes { collector.append($0) }
            maxRetained = max(maxRetained, collector.retainedByteCount)
            offset = end
        }
    }

    @Test func keepsEverythingUnderTheLimit() {
        var collector = OutputCollector(memoryLimit: 100, tailSize: 10, logDirectory: "/nonexistent", logName: "x")
        var maxRetained = 0
        feed(pattern(100), chunk: 7, into: &collector, maxRetained: &maxRetained)
        let (output, byteCount, logPath) = collector.finish()
        #expect(output == pattern(100))
        #expect(byteCount == 100)
        #expect(logPath == nil)
    }

    @Test(arguments: [1, 37, 100, 4_096])
    func spillsEverythingToTheLogAndKeepsATailInBoundedMemory(chunk: Int) throws {
        let directory = try Support.makeDirectory()
        defer { Support.removeDirectory(directory) }
        let bytes = pattern(50_000)
        var collector = OutputCollector(
            memoryLimit: 1_000, tailSize: 100, logDirectory: directory + "/a/b", logName: "out.log")
        var maxRetained = 0
        feed(bytes, chunk: chunk, into: &collector, maxRetained: &maxRetained)
        let (output, byteCount, logPath) = collector.finish()
        #expect(output == Array(bytes.suffix(100)))
        #expect(byteCount == 50_000)
        #expect(logPath == directory + "/a/b/out.log")
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/a/b/out.log"))) == bytes)
        #expect(maxRetained <= 1_000 + 2 * 100 + chunk)
    }

    @Test func withoutLogDirectoryKeepsOnlyTheTail() {
        let bytes = pattern(10_000)
        var collector = OutputCollector(memoryLimit: 1_000, tailSize: 100, logDirectory: nil, logName: "x")
        var maxRetained = 0
        feed(bytes, chunk: 333, into: &collector, maxRetained: &maxRetained)
        let (output, byteCount, logPath) = collector.finish()
        #expect(output == Array(bytes.suffix(100)))
        #expect(byteCount == 10_000)
        #expect(logPath == nil)
        #expect(maxRetained <= 1_000 + 2 * 100 + 333)
    }

    @Test func unwritableLogDirectoryFallsBackToTheTail() {
        let bytes = pattern(5_000)
        var collector = OutputCollector(
            memoryLimit: 1_000, tailSize: 100, logDirectory: "/proc/stask-cannot-exist", logName: "x")
        var maxRetained = 0
        feed(bytes, chunk: 512, into: &collector, maxRetained: &maxRetained)
        let (output, byteCount, logPath) = collector.finish()
        #expect(output == Array(bytes.suffix(100)))
        #expect(byteCount == 5_000)
        #expect(logPath == nil)
    }

    @Test func discardRemovesTheLog() throws {
        let directory = try Support.makeDirectory()
        defer { Support.removeDirectory(directory) }
        var collector = OutputCollector(memoryLimit: 10, tailSize: 5, logDirectory: directory, logName: "out.log")
        collector.append(pattern(100))
        #expect(access(directory + "/out.log", F_OK) == 0)
        collector.discard()
        #expect(access(directory + "/out.log", F_OK) != 0)
    }
}
