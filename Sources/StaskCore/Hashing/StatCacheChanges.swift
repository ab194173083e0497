/// Stat-cache changes: path → new entry, or `nil` for an entry removed. What a `FileDigestCache` learns in a
/// build, and what the live state keeps of it until the state is saved.
///
/// Why not a `[String: FileDigestCache.Entry?]`: a dictionary keeps keys and values in one bucket array
/// sized for at most 75% load, so its 72-byte values are paid for in every bucket, empty or not: at 100,000
/// targets (200,000 files) that is 524,288 buckets and 46 MB, plus both old and new storage while it
/// doubles. Here the dictionary maps a path to a 4-byte position and the entries sit densely in an array:
/// about 30 MB for the same table. Lookups cost one more array read.
struct StatCacheChanges: Sendable {
    private var positions: [String: Int32] = [:]
    private var values: [FileDigestCache.Entry?] = []

    init() {}

    init(_ changes: [String: FileDigestCache.Entry?]) {
        reserveCapacity(changes.count)
        for (path, entry) in changes { set(entry, forPath: path) }
    }

    /// The number of paths changed (entries set or removed).
    var count: Int { positions.count }

    var isEmpty: Bool { positions.isEmpty }

    /// `nil` when `path` is unchanged; `.some(nil)` when its entry was removed.
    subscript(path: String) -> FileDigestCache.Entry?? {
        guard let position = positions[path] else { return nil }
        return .some(values[Int(position)])
    }

    /// Sets (or, for `nil`, records the removal of) the entry of `path`.
    mutating func set(_ entry: FileDigestCache.Entry?, forPath path: String) {
        if let position = positions[path] {
            values[Int(position)] = entry
        } else {
            precondition(values.count < Int(Int32.max), "too many stat-cache changes")
            positions[path] = Int32(values.count)
            values.append(entry)
        }
    }

    mutating func reserveCapacity(_ count: Int) {
        positions.reserveCapacity(count)
        values.reserveCapacity(count)
    }

    /// Applies `other` on top of these changes.
    mutating func merge(_ other: StatCacheChanges) {
        other.forEach { path, entry in set(entry, forPath: path) }
    }

    /// Calls `body` with every changed path and its entry (`nil`: removed), in no particular order.
    func forEach(_ body: (String, FileDigestCache.Entry?) throws -> Void) rethrows {
        for (path, position) in positions { try body(path, values[Int(position)]) }
    }

    /// Every changed path.
    var paths: Dictionary<String, Int32>.Keys { positions.keys }

    /// The changes as a dictionary.
    var dictionary: [String: FileDigestCache.Entry?] {
        var result: [String: FileDigestCache.Entry?] = [:]
        result.reserveCapacity(count)
        forEach { path, entry in result.updateValue(entry, forKey: path) }
        return result
    }
}
