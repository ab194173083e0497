/// How the items of one sharded task are split over its shards, with the predicted time of each shard.
///
/// What `stask shards TASK` prints and `stask shards --json` exports; `stask build --shard-plan FILE`
/// imports it (``ShardPlanFile``) so a CI pipeline computes the plan once and every machine of its matrix
/// runs `--shard I/N` against the same assignment.
///
/// Predictions use the recorded per-item durations; an item without one counts as the median of the known
/// ones (one second when none is known). The *ideal* is the lower bound no assignment can beat:
/// `max(longest item, total / shards)`; ``ratio`` = longest shard / ideal, 1.0 being perfect.
package struct ShardPlan: Sendable, Hashable, Codable {
    /// One shard of the plan.
    package struct Shard: Sendable, Hashable, Codable {
        /// 0-based, as `--shard I/N`, `{{shard}}` and `STASK_SHARD_INDEX`.
        package var index: Int
        /// The items, in the order they run (longest first when history is known).
        package var items: [String]
        /// The sum of the items' estimates, in seconds.
        package var predictedSeconds: Double
        /// The part of ``predictedSeconds`` from measured durations (items timed on their own or by their
        /// test cases); the rest is estimated.
        package var measuredSeconds: Double

        /// Creates a shard.
        package init(index: Int, items: [String], predictedSeconds: Double, measuredSeconds: Double = 0) {
            self.index = index
            self.items = items
            self.predictedSeconds = predictedSeconds
            self.measuredSeconds = measuredSeconds
        }

        enum CodingKeys: String, CodingKey {
            case index, items
            case predictedSeconds = "predicted_seconds"
            case measuredSeconds = "measured_seconds"
        }

        /// Decodes a shard; `measured_seconds` is optional (0).
        ///
        /// - Throws: `DecodingError` for a missing or mistyped field.
        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            index = try container.decode(Int.self, forKey: .index)
            items = try container.decode([String].self, forKey: .items)
            predictedSeconds = try container.decode(Double.self, forKey: .predictedSeconds)
            measuredSeconds = try container.decodeIfPresent(Double.self, forKey: .measuredSeconds) ?? 0
        }
    }

    /// The task's name.
    package var task: String
    /// The task's `shards:`.
    package var shardCount: Int
    /// Every shard, `shardCount` of them in index order (an empty shard has no instance).
    package var shards: [Shard]
    /// Item → the estimate (seconds) the prediction used.
    package var estimates: [String: Double]
    /// How many of the items have a recorded duration (0: the split is the stable hash split).
    package var knownItemCount: Int
    /// The test cases of the last runs' JUnit reports that named no item (their time is in no estimate).
    package var unattributed: UnattributedTestCases

    /// Creates a plan from an assignment and estimates (items missing from `estimates` count as the median
    /// of the others, or one second).
    ///
    /// - Parameters:
    ///   - task: The task's name.
    ///   - assignment: Items per shard, in run order; its count is the shard count.
    ///   - estimates: Seconds per item.
    ///   - knownItemCount: How many items have a recorded duration.
    ///   - measuredItems: The items whose recorded duration was measured (see ``Shard/measuredSeconds``).
    ///   - unattributed: See ``unattributed``.
    package init(
        task: String, assignment: [[String]], estimates: [String: Double], knownItemCount: Int,
        measuredItems: Set<String> = [], unattributed: UnattributedTestCases = .init()
    ) {
        let items = assignment.joined()
        let fallback = CriticalPath.defaultEstimate(known: items.compactMap { estimates[$0] })
        var used: [String: Double] = [:]
        for item in items { used[item] = estimates[item] ?? fallback }
        self.task = task
        self.shardCount = assignment.count
        self.shards = assignment.enumerated().map { index, items in
            Shard(
                index: index, items: items, predictedSeconds: items.reduce(0) { $0 + used[$1]! },
                measuredSeconds: items.reduce(0) { $0 + (measuredItems.contains($1) ? used[$1]! : 0) })
        }
        self.estimates = used
        self.knownItemCount = knownItemCount
        self.unattributed = unattributed
    }

    /// Every item, shard by shard.
    package var items: [String] { shards.flatMap(\.items) }

    /// The predicted time of the longest shard, in seconds.
    package var longestSeconds: Double { shards.map(\.predictedSeconds).max() ?? 0 }

    /// The lower bound of any assignment: `max(longest item, total / shards)`, in seconds.
    package var idealSeconds: Double {
        let total = estimates.values.reduce(0, +)
        return max(estimates.values.max() ?? 0, total / Double(max(shardCount, 1)))
    }

    /// Longest shard / ideal (1.0 is perfect; 1.0 for a plan without items).
    package var ratio: Double {
        idealSeconds > 0 ? longestSeconds / idealSeconds : 1
    }

    /// The shard an item is in, if any.
    package func shardIndex(of item: String) -> Int? {
        shards.first { $0.items.contains(item) }?.index
    }

    enum CodingKeys: String, CodingKey {
        case task, shards, estimates
        case shardCount = "shard_count"
        case knownItemCount = "known_items"
        case unattributedCases = "unattributed_cases"
        case unattributedSeconds = "unattributed_seconds"
        case longestSeconds = "longest_seconds"
        case idealSeconds = "ideal_seconds"
        case ratio
    }

    /// Decodes a plan; the derived figures (`longest_seconds`, `ideal_seconds`, `ratio`) are ignored.
    ///
    /// - Throws: `DecodingError` for a missing or mistyped field.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        task = try container.decode(String.self, forKey: .task)
        shardCount = try container.decode(Int.self, forKey: .shardCount)
        shards = try container.decode([Shard].self, forKey: .shards)
        estimates = try container.decodeIfPresent([String: Double].self, forKey: .estimates) ?? [:]
        knownItemCount = try container.decodeIfPresent(Int.self, forKey: .knownItemCount) ?? 0
        unattributed = UnattributedTestCases(
            count: try container.decodeIfPresent(Int.self, forKey: .unattributedCases) ?? 0,
            seconds: try container.decodeIfPresent(Double.self, forKey: .unattributedSeconds) ?? 0)
    }

    /// Encodes the plan with its derived figures, for readers of the JSON.
    ///
    /// - Throws: `EncodingError` (does not happen for finite values).
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(task, forKey: .task)
        try container.encode(shardCount, forKey: .shardCount)
        try container.encode(shards, forKey: .shards)
        try container.encode(estimates, forKey: .estimates)
        try container.encode(knownItemCount, forKey: .knownItemCount)
        try container.encode(unattributed.count, forKey: .unattributedCases)
        try container.encode(unattributed.seconds, forKey: .unattributedSeconds)
        try container.encode(longestSeconds, forKey: .longestSeconds)
        try container.encode(idealSeconds, forKey: .idealSeconds)
        try container.encode(ratio, forKey: .ratio)
    }
}
