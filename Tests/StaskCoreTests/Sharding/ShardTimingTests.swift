import FoundationEssentials
import StaskCore
import Testing

@Suite struct ShardTimingTests {
    static func learned(measured: Set<String>, unattributed: Int = 0) -> ShardDurationLearning.Learned {
        ShardDurationLearning.Learned(
            seconds: [:], measured: measured,
            unattributed: UnattributedTestCases(count: unattributed, seconds: Double(unattributed)))
    }

    @Test func aShardRunReplacesItsItemsSourcesAndItsUnattributedCases() {
        var timing = ShardTiming()
        timing.record(shard: 0, of: 2, items: ["a", "b"], Self.learned(measured: ["a", "b"], unattributed: 2))
        timing.record(shard: 1, of: 2, items: ["c"], Self.learned(measured: [], unattributed: 1))
        #expect(timing.measuredItems == ["a", "b"])
        #expect(timing.unattributed.count == 3)

        // Shard 0 runs again: b is now an estimate, and its report names every case.
        timing.record(shard: 0, of: 2, items: ["a", "b"], Self.learned(measured: ["a"]))
        #expect(timing.measuredItems == ["a"])
        #expect(timing.unattributed.count == 1)

        // Another shard count: the old shards' counts no longer apply.
        timing.record(shard: 2, of: 3, items: ["c"], Self.learned(measured: ["c"]))
        #expect(timing.unattributed.isEmpty)
        #expect(timing.keeping(["c"]).measuredItems == ["c"])
    }

    @Test func theFileRoundTripsAndAMissingOrForeignFileIsEmpty() throws {
        let fileSystem = InMemoryFileSystem()
        try fileSystem.createDirectory(atPath: "/p/.stask")
        #expect(ShardTimingFile.load(stateDirectory: "/p/.stask", fileSystem: fileSystem) == ShardTimingFile())
        var timing = ShardTiming()
        timing.record(shard: 1, of: 2, items: ["a", "b"], Self.learned(measured: ["b"], unattributed: 4))
        let file = ShardTimingFile(tasks: ["test": timing])
        try file.save(stateDirectory: "/p/.stask", fileSystem: fileSystem)
        #expect(ShardTimingFile.load(stateDirectory: "/p/.stask", fileSystem: fileSystem) == file)

        try fileSystem.writeFile(atPath: "/p/.stask/shard-timing.json", contents: Array(#"{"version": 9}"#.utf8))
        #expect(ShardTimingFile.load(stateDirectory: "/p/.stask", fileSystem: fileSystem) == ShardTimingFile())
    }

    @Test func aDamagedFileIsEmptyAndHugeCountsDoNotOverflow() throws {
        let fileSystem = InMemoryFileSystem()
        try fileSystem.createDirectory(atPath: "/p/.stask")
        var timing = ShardTiming()
        timing.record(shard: 0, of: 2, items: ["a"], Self.learned(measured: ["a"], unattributed: 1))
        try ShardTimingFile(tasks: ["test": timing]).save(stateDirectory: "/p/.stask", fileSystem: fileSystem)
        let saved = String(decoding: try fileSystem.readFile(atPath: "/p/.stask/shard-timing.json"), as: UTF8.self)
        #expect(saved.contains(#""count""#))
        for damage in [#""count" : -5"#, #""count" : 1e999"#] {
            let damaged = saved.replacing(#/"count"\s*:\s*1/#, with: damage)
            #expect(damaged != saved)
            try fileSystem.writeFile(atPath: "/p/.stask/shard-timing.json", contents: Array(damaged.utf8))
            #expect(ShardTimingFile.load(stateDirectory: "/p/.stask", fileSystem: fileSystem) == ShardTimingFile())
        }
        let huge = UnattributedTestCases(count: .max, seconds: 1)
        #expect(huge.adding(huge).count == .max)
    }
}
