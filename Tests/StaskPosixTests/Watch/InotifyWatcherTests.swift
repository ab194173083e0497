import Foundation
import StaskCore
import StaskPosix
import StaskTestSupport
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1)))
struct InotifyWatcherTests {
    /// Collects the watcher's batches and lets a test wait for a change it expects.
    final class Changes: Sendable {
        private let seen = Mutex<[FileChange]>([])

        func add(_ changes: [FileChange]) { seen.withLock { $0 += changes } }

        /// Waits (checking every 5 ms, at most 10 s) until a change satisfies `predicate`.
        func wait(for predicate: (FileChange) -> Bool) async -> Bool {
            for _ in 0..<2000 {
                if seen.withLock({ $0.contains(where: predicate) }) { return true }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return false
        }

        var all: [FileChange] { seen.withLock { $0 } }
    }

    @Test(arguments: [nil, 0])
    func reportsWritesRenamesAndNewEntries(watchLimit: Int?) async throws {
        let scratch = try ScratchDirectory()
        let directory = scratch.path + "/src"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "a".write(toFile: directory + "/a.c", atomically: false, encoding: .utf8)
        // watchLimit 0: nothing is watched by notification, everything is polled (every 20 ms here).
        let watcher = InotifyWatcher(pollInterval: .milliseconds(20), watchLimit: watchLimit)
        let changes = Changes()
        try watcher.start { changes.add($0) }
        defer { watcher.stop() }
        let coverage = watcher.watch(WatchTargets(directories: [directory], files: [directory + "/a.c"]))
        #expect(coverage.isLimitReached == (watchLimit != nil))
        #expect(coverage.polled == (watchLimit == nil ? 0 : 1) && coverage.notified == (watchLimit == nil ? 1 : 0))

        try "edited".write(toFile: directory + "/a.c", atomically: false, encoding: .utf8)
        #expect(await changes.wait { $0.path == directory + "/a.c" })
        try "new".write(toFile: directory + "/b.c", atomically: false, encoding: .utf8)
        // Notified: the entry itself; polled: its directory's listing changed.
        #expect(await changes.wait { $0.kind == .entry && ($0.path == directory + "/b.c" || $0.path == directory) })
        try "saved".write(toFile: directory + "/a.c.tmp", atomically: false, encoding: .utf8)
        #expect(rename(directory + "/a.c.tmp", directory + "/a.c") == 0)
        #expect(await changes.wait { $0.kind == .entry && ($0.path == directory + "/a.c" || $0.path == directory) })
    }

    @Test func stopEndsTheThreadAndNothingIsReportedAfterIt() async throws {
        let scratch = try ScratchDirectory()
        let watcher = InotifyWatcher()
        let changes = Changes()
        try watcher.start { changes.add($0) }
        watcher.watch(WatchTargets(directories: [scratch.path]))
        watcher.stop()
        watcher.stop()
        try "late".write(toFile: scratch.path + "/late", atomically: false, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(50))
        #expect(changes.all.isEmpty)
        #expect(watcher.watch(WatchTargets(directories: [scratch.path])) == WatchCoverage())
    }
}
