/// Decides which `foreach` items each shard of a sharded task runs.
///
/// ``GraphBuilder`` calls the planner once per sharded task with `foreach`, with the task's items
/// (sorted byte-wise) and its shard count. The result must be a partition: `shardCount` arrays that
/// together hold every item exactly once (a planner breaking this is a programmer error and stops the
/// program). Shards left empty produce no instance. The planner must be deterministic: the same items
/// and history must give the same assignment on every machine (`stask build --shard I/N`).
///
/// The order of a shard's items is the order they run in: `{{items}}` lists them in it and per-item
/// commands run in it. Planners with history put the longest items first, so a slow test is not the
/// last thing a shard starts.
///
/// The default, ``HashShardPlanner``, balances item counts without history; the engine plugs in a
/// longest-processing-time-first planner over recorded durations.
package protocol ShardPlanner: Sendable {
    /// Assigns `items` to `shardCount` shards.
    ///
    /// - Parameters:
    ///   - items: The task's items, sorted byte-wise, without duplicates.
    ///   - shardCount: At least 1.
    ///   - task: The task's name (to look up its history).
    /// - Returns: `shardCount` arrays of items.
    func assign(items: [String], shardCount: Int, task: String) -> [[String]]
}

/// Assigns items to shards without history: ordered by a stable hash of the item, then dealt round-robin.
///
/// Within a shard, items are in byte-wise name order.
/// Shards get item counts differing by at most one; an item's shard depends only on the set of items
/// and the count (FNV-1a over the UTF-8 bytes, identical on every machine and run), not on file order.
package struct HashShardPlanner: ShardPlanner {
    /// Creates the planner.
    package init() {}

    /// Assigns `items` round-robin in order of their stable hash (ties by name); each shard sorted by name.
    ///
    /// - Complexity: O(*n* log *n*) in the number of items.
    package func assign(items: [String], shardCount: Int, task: String) -> [[String]] {
        precondition(shardCount >= 1, "at least one shard")
        let ordered = items.map { (hash: Self.stableHash($0), item: $0) }.sorted {
            $0.hash != $1.hash ? $0.hash < $1.hash : ProjectPath.precedes($0.item, $1.item)
        }
        var shards = Array(repeating: [String](), count: shardCount)
        for (position, entry) in ordered.enumerated() {
            shards[position % shardCount].append(entry.item)
        }
        // Without history no item is known to be longer: each shard runs its items in name order.
        return shards.map { $0.sorted(by: ProjectPath.precedes) }
    }

    /// FNV-1a, 64 bits, over the UTF-8 bytes of `text`.
    static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
