import FoundationEssentials

/// The JSON file `stask shards --json` writes and `stask build --shard-plan FILE` reads.
///
/// **Format, version 1.** One object: `{"version": 1, "plans": [PLAN, ...]}`, each `PLAN` as
/// ``ShardPlan`` encodes it: `task`, `shard_count`, `shards` (`index`, `items` in run order,
/// `predicted_seconds`), `estimates` (item → seconds), `known_items`, and the derived `longest_seconds`,
/// `ideal_seconds`, `ratio` (written for readers, ignored when read). Keys are sorted, so the same plan
/// is the same bytes. A reader refuses another `version`; unknown keys are ignored.
///
/// **Importing.** Each plan fixes the assignment of its task's items (``ImportedShardPlanner``). Items
/// the plan does not name (added since it was computed) are placed longest-processing-time-first onto
/// the plan's loads; items the plan names that no longer exist are dropped. A plan for a task that is not
/// a sharded `foreach` task of the Taskfile, or with another shard count, is an error
/// (``ShardPlanError``).
package struct ShardPlanFile: Sendable, Hashable, Codable {
    /// The format version this build writes and reads.
    package static let currentVersion = 1

    /// The format version (1).
    package var version: Int
    /// The plans, one per task.
    package var plans: [ShardPlan]

    /// Creates a file holding `plans`.
    package init(plans: [ShardPlan]) {
        self.version = Self.currentVersion
        self.plans = plans
    }

    /// The JSON text, pretty-printed with sorted keys, ending in a newline.
    ///
    /// - Throws: `EncodingError` for a time JSON cannot hold (not finite: no recorded or reported time is).
    package func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [UInt8(ascii: "\n")]
    }

    /// Reads a plan file's bytes.
    ///
    /// - Parameters:
    ///   - bytes: The file's contents.
    ///   - path: The file's path, for messages.
    /// - Throws: `ShardPlanError.malformed` (not JSON of this shape, or a shard list that is not a
    ///   partition), `ShardPlanError.unsupportedVersion`.
    package init(decoding bytes: [UInt8], path: String) throws(ShardPlanError) {
        struct Header: Decodable { var version: Int }
        let data = Data(bytes)
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data)
        } catch {
            throw .malformed(path: path, reason: "not a shard plan file (expected {\"version\": 1, \"plans\": [...]})")
        }
        guard header.version == Self.currentVersion else {
            throw .unsupportedVersion(path: path, found: header.version)
        }
        do {
            self = try JSONDecoder().decode(Self.self, from: data)
        } catch {
            throw .malformed(path: path, reason: Self.describe(error))
        }
        for plan in plans {
            guard plan.shardCount >= 1, plan.shards.count == plan.shardCount,
                plan.shards.enumerated().allSatisfy({ $0.offset == $0.element.index })
            else {
                throw .malformed(
                    path: path, reason: "plan of '\(plan.task)' must list shards 0..<\(plan.shardCount) in order")
            }
            let items = plan.items
            guard Set(items).count == items.count else {
                throw .malformed(path: path, reason: "plan of '\(plan.task)' names an item in two shards")
            }
        }
        let tasks = plans.map(\.task)
        guard Set(tasks).count == tasks.count else {
            throw .malformed(path: path, reason: "two plans for the same task")
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing '\(key.stringValue)' at \(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(context.debugDescription) at \(path(context))"
        @unknown default:
            return "\(error)"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let parts = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }
        return parts.isEmpty ? "the top level" : parts.joined()
    }
}

/// A shard plan file that cannot be used.
package enum ShardPlanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, underlying: FileSystemError)
    /// The file is not a valid plan file.
    case malformed(path: String, reason: String)
    /// The file has another format version.
    case unsupportedVersion(path: String, found: Int)
    /// A plan names a task that is not a sharded `foreach` task of the Taskfile.
    case notShardedTask(path: String, task: String)
    /// `stask shards TASK` names a task without both `shards:` and `foreach:`.
    case taskNotSharded(task: String)
    /// A plan's shard count differs from the task's `shards:`.
    case shardCountMismatch(path: String, task: String, planned: Int, declared: Int)

    /// The message, file first.
    package var description: String {
        switch self {
        case .unreadable(let path, let underlying):
            "\(path): cannot read shard plan: \(underlying)"
        case .malformed(let path, let reason):
            "\(path): malformed shard plan: \(reason)"
        case .unsupportedVersion(let path, let found):
            "\(path): shard plan version \(found) is not supported (expected \(ShardPlanFile.currentVersion))"
        case .notShardedTask(let path, let task):
            "\(path): plan for '\(task)', which is not a sharded foreach task of the Taskfile"
        case .taskNotSharded(let task):
            "task '\(task)' has no shard plan: it needs both 'foreach:' and 'shards:'"
        case .shardCountMismatch(let path, let task, let planned, let declared):
            "\(path): plan for '\(task)' has \(planned) shards but the Taskfile says 'shards: \(declared)'"
                + " (export the plan again with 'stask shards \(task) --json')"
        }
    }
}
