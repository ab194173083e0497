import FoundationEssentials

/// The file `.stask/shard-timing.json`: per sharded task, which recorded item durations were measured
/// and how much test time its JUnit reports left unattributed (``ShardTiming``).
///
/// **Format, version 1.** `{"version": 1, "tasks": {TASK: {"measured_items": [ITEM, ...], "shard_count": N,
/// "unattributed": {SHARD: {"count": C, "seconds": S, "examples": [...]}}}}}`, keys sorted. A build that ran
/// shards rewrites it at its end. It only feeds `stask shards`' display: a missing, unreadable or other-version
/// file counts as empty, and losing it shows measured durations as estimates until the next run. A damaged
/// file (a negative count or shard count, a time that is negative, not finite or above
/// ``JUnitReport/maximumSeconds``) counts as empty too; unattributed counts of a shard index outside
/// `0..<shard_count` are dropped.
package struct ShardTimingFile: Sendable, Hashable, Codable {
    /// The format version this build writes and reads.
    package static let currentVersion = 1
    /// The file's name in the state directory.
    package static let fileName = "shard-timing.json"

    /// The format version (1).
    package var version: Int
    /// Task name → its record.
    package var tasks: [String: ShardTiming]

    /// Creates a file holding `tasks`.
    package init(tasks: [String: ShardTiming] = [:]) {
        self.version = Self.currentVersion
        self.tasks = tasks
    }

    /// The file in `stateDirectory`; empty when it is missing, unreadable or of another version.
    package static func load(stateDirectory: String, fileSystem: any FileSystem) -> Self {
        let path = ProjectPath.join(stateDirectory, fileName)
        guard let bytes = try? fileSystem.readFile(atPath: path),
            let file = try? JSONDecoder().decode(Self.self, from: Data(bytes)), file.version == currentVersion
        else { return Self() }
        return file
    }

    /// Writes the file to `stateDirectory`.
    ///
    /// - Throws: `EncodingError` when a record holds a time JSON cannot hold (not finite; what a report
    ///   gives is capped, so this means a bug), and the file is left as it was; `FileSystemError` when it
    ///   cannot be written.
    package func save(stateDirectory: String, fileSystem: any FileSystem) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(self)
        try fileSystem.writeFile(
            atPath: ProjectPath.join(stateDirectory, Self.fileName), contents: Array(data) + [UInt8(ascii: "\n")])
    }
}
