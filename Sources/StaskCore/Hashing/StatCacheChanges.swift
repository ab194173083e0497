/// Stat-cache changes: path → new entry, or `nil` for an entry removed. What a `FileDigestCache` learns in a
/// build, and what the live state keeps of it until the state is saved.
///
/// Why not a `[String: FileDigestCache.Entry?]`: a dictionary keeps keys and values in one bucket array
/// sized for at most 75% load, so its 72-byte values are paid for in every bucket, empty or not: at 100,000
/// targets (200,000 files) that is 524,288 buckets and 46 MB, plus both old and new storage while it
/// doubles. Here paths and entries sit densely in two arrays, found through ``ProbedSlots`` (8 bytes a
/// slot): about 22 MB for the same table. Lookups cost one more array read.
struct StatCacheChanges: Sendable {
    private var slots = ProbedSlots()
    private var pathList: [String] = []
    private var values: [FileDigestCache.Entry?] = []

    init() {}

    init(_ changes: [String: FileDigestCache.Entry?]) {
        reserveCapacity(changes.count)
        for (path, entry) in changes { set(entry, forPath: path) }
    }

    /// The number of paths changed (entries set or removed).
    var count: Int { pathList.count }

    var isEmpty: Bool { pathList.isEmpty }

    /// `nil` when `path` is unchanged; `.some(nil)` when its entry was removed.
    subscript(path: String) -> FileDigestCache.Entry?? {
        guard let position = position(of: path) else { return nil }
        return .some(values[position])
    }

    /// Sets (or, for `nil`, records the removal of) the entry of `path`.
    mutating func set(_ entry: FileDigestCache.Entry?, forPath path: String) {
        if let position = position(of: path) {
            values[position] = entry
        } else {
            slots.insert(tag: ProbedSlots.tag(of: path), position: pathList.count) { _ in false }
            pathList.append(path)
            values.append(entry)
        }
    }

    mutating func reserveCapacity(_ count: Int) {
        if count > slots.capacity {
            // Rebuilt at the new size (called before a build runs, while the table is small).
            var larger = ProbedSlots(capacity: count)
            for (position, path) in pathList.enumerated() {
                larger.insert(tag: ProbedSlots.tag(of: path), position: position) { _ in false }
            }
            slots = larger
        }
        pathList.reserveCapacity(count)
        values.reserveCapacity(count)
    }

    private func position(of path: String) -> Int? {
        slots.find(tag: ProbedSlots.tag(of: path)) { pathList[$0] == path }
    }

    /// Applies `other` on top of these changes.
    mutating func merge(_ other: StatCacheChanges) {
        other.forEach { path, entry in set(entry, forPath: path) }
    }

    /// Calls `body` with every changed path and its entry (`nil`: removed), in no particular order.
    func forEach(_ body: (String, FileDigestCache.Entry?) throws -> Void) rethrows {
        for (path, value) in zip(pathList, values) { try body(path, value) }
    }

    /// Every changed path.
    var paths: [String] { pathList }

    /// The changes as a dictionary.
    var dictionary: [String: FileDigestCache.Entry?] {
        var result: [String: FileDigestCache.Entry?] = [:]
        result.reserveCapacity(count)
        forEach { path, entry in result.updateValue(entry, forKey: path) }
        return result
    }
}
