import Foundation
import StaskPosix
import Testing

@Suite struct OutOfMemoryKillsTests {
    @Test func eachKillCountedIsCreditedToOneCommand() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vmstat-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try "pgfault 12\noom_kill 5\nother 1\n".write(to: file, atomically: true, encoding: .utf8)
        let kills = OutOfMemoryKills(path: file.path)
        #expect(!kills.hasCountedSinceLastLook(), "nothing since creation")
        try "pgfault 12\noom_kill 7\nother 1\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(kills.hasCountedSinceLastLook() && kills.hasCountedSinceLastLook(), "two kills, two commands")
        #expect(!kills.hasCountedSinceLastLook(), "a third SIGKILL is someone else's")
    }
}
