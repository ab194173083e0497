/// Where the recorded durations of one sharded task's items come from, and what its JUnit reports left
/// unattributed: what `stask shards` shows next to the predictions.
///
/// Kept by ``ShardTimingFile``; the durations themselves are in the build state.
package struct ShardTiming: Sendable, Hashable, Codable {
    /// The items whose recorded duration was measured: timed on their own (`{{item}}` commands, an item
    /// alone in its shard) or the sum of their test cases' times in a JUnit report. The others' are
    /// estimates (a shard's time spread over its items).
    package var measuredItems: Set<String>
    /// The shard count the unattributed counts are for.
    package var shardCount: Int
    /// Shard index → the test cases of that shard's last report that named no item.
    package var unattributedByShard: [Int: UnattributedTestCases]

    /// Creates a record.
    package init(
        measuredItems: Set<String> = [], shardCount: Int = 0, unattributedByShard: [Int: UnattributedTestCases] = [:]
    ) {
        self.measuredItems = measuredItems
        self.shardCount = shardCount
        self.unattributedByShard = unattributedByShard
    }

    /// The unattributed cases of every shard's last run, together.
    package var unattributed: UnattributedTestCases {
        unattributedByShard.keys.sorted().reduce(UnattributedTestCases()) { $0.adding(unattributedByShard[$1]!) }
    }

    /// Takes in a run of shard `index` of `count` over `items`: its items are measured or not as `learned`
    /// says, and its unattributed cases replace the shard's previous ones (all shards' when the count
    /// changed).
    package mutating func record(
        shard index: Int, of count: Int, items: [String], _ learned: ShardDurationLearning.Learned
    ) {
        measuredItems.subtract(items)
        measuredItems.formUnion(learned.measured)
        if count != shardCount {
            shardCount = count
            unattributedByShard = [:]
        }
        unattributedByShard[index] = learned.unattributed.isEmpty ? nil : learned.unattributed
    }

    /// Only the entries of `items` (the task's items now).
    package func keeping(_ items: Set<String>) -> Self {
        var copy = self
        copy.measuredItems.formIntersection(items)
        return copy
    }

    enum CodingKeys: String, CodingKey {
        case measuredItems = "measured_items"
        case shardCount = "shard_count"
        case unattributedByShard = "unattributed"
    }

    /// Decodes a record; `measured_items` is a list, `unattributed` an object keyed by shard index. The
    /// counts of a key that is no shard index below `shard_count` are dropped: no run recorded them.
    ///
    /// - Throws: `DecodingError` for a mistyped field or a negative shard count.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        measuredItems = Set(try container.decodeIfPresent([String].self, forKey: .measuredItems) ?? [])
        shardCount = try container.decodeIfPresent(Int.self, forKey: .shardCount) ?? 0
        guard shardCount >= 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .shardCount, in: container, debugDescription: "a negative shard count")
        }
        let byShard = try container.decodeIfPresent([String: UnattributedTestCases].self, forKey: .unattributedByShard)
        unattributedByShard = [:]
        for (key, cases) in byShard ?? [:] {
            if let index = Int(key), (0..<shardCount).contains(index) { unattributedByShard[index] = cases }
        }
    }

    /// Encodes the record with sorted lists, so the same record is the same bytes.
    ///
    /// - Throws: `EncodingError` for a time that is not finite (what a report gives is capped).
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(measuredItems.sorted(), forKey: .measuredItems)
        try container.encode(shardCount, forKey: .shardCount)
        var byShard: [String: UnattributedTestCases] = [:]
        for (index, cases) in unattributedByShard { byShard[String(index)] = cases }
        try container.encode(byShard, forKey: .unattributedByShard)
    }
}
