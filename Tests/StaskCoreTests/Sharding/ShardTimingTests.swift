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

    /// The saved file of one task with shard 0 of 2's counts, its text edited by `edit`.
    static func damagedFile(_ edit: (String) -> String) throws -> ShardTimingFile {
        let fileSystem = InMemoryFileSystem()
        try fileSystem.createDirectory(atPath: "/p/.stask")
        var timing = ShardTiming()
        timing.record(shard: 0, of: 2, items: ["a"], Self.learned(measured: ["a"], unattributed: 1))
        try ShardTimingFile(tasks: ["test": timing]).save(stateDirectory: "/p/.stask", fileSystem: fileSystem)
        let saved = String(decoding: try fileSystem.readFile(atPath: "/p/.stask/shard-timing.json"), as: UTF8.self)
        let damaged = edit(saved)
        #expect(damaged != saved)
        try fileSystem.writeFile(atPath: "/p/.stask/shard-timing.json", contents: Array(damaged.utf8))
        return ShardTimingFile.load(stateDirectory: "/p/.stask", fileSystem: fileSystem)
    }

    /// `text` with the value of the first `"key"` set to `value`.
    static func replacingValue(of key: String, in text: String, with value: String) -> String {
        guard let found = text.firstRange(of: "\"\(key)\""),
            let colon = text[found.upperBound...].firstIndex(of: ":")
        else { return text }
        let start = text.index(after: colon)
        let end = text[start...].firstIndex { ",\n}".contains($0) } ?? text.endIndex
        var result = text
        result.replaceSubrange(start..<end, with: " " + value)
        return result
    }

    @Test(arguments: [
        ("shard_count", "-2"), ("count", "-5"), ("count", "1e999"), ("seconds", "-1"), ("seconds", "1e999"),
        ("seconds", "1e308"),
    ])
    func aFileWithANegativeCountOrAnImpossibleTimeIsEmpty(key: String, value: String) throws {
        let file = try Self.damagedFile { Self.replacingValue(of: key, in: $0, with: value) }
        #expect(file == ShardTimingFile())
    }

    @Test func countsOfAShardIndexOutOfRangeAreDroppedOnLoad() throws {
        for index in ["2", "-1", "99999999999999999999", "x"] {
            let file = try Self.damagedFile { $0.replacing(#/"0"\s*:/#, with: "\"\(index)\" :") }
            let timing = try #require(file.tasks["test"], "\(index)")
            #expect(timing.unattributedByShard.isEmpty, "\(index)")
            #expect(timing.measuredItems == ["a"])
            #expect(timing.shardCount == 2)
        }
    }

    @Test func aTimeJSONCannotHoldIsNotSavedAndLeavesTheFileAsItWas() throws {
        let fileSystem = InMemoryFileSystem()
        try fileSystem.createDirectory(atPath: "/p/.stask")
        let good = ShardTimingFile(tasks: ["test": ShardTiming(measuredItems: ["a"], shardCount: 1)])
        try good.save(stateDirectory: "/p/.stask", fileSystem: fileSystem)
        let bad = ShardTimingFile(
            tasks: [
                "test": ShardTiming(
                    shardCount: 1, unattributedByShard: [0: UnattributedTestCases(count: 1, seconds: .infinity)])
            ])
        #expect(throws: EncodingError.self) { try bad.save(stateDirectory: "/p/.stask", fileSystem: fileSystem) }
        #expect(ShardTimingFile.load(stateDirectory: "/p/.stask", fileSystem: fileSystem) == good)
    }

    @Test func countsAndTimesSaturate() {
        var cases = UnattributedTestCases(count: .max, seconds: JUnitReport.maximumSeconds)
        cases.add("x", seconds: 5)
        #expect(cases.count == .max)
        #expect(cases.seconds == JUnitReport.maximumSeconds)
        #expect(cases.adding(cases).seconds == JUnitReport.maximumSeconds)
        let huge = UnattributedTestCases(count: .max, seconds: 1)
        #expect(huge.adding(huge).count == .max)
    }
}
