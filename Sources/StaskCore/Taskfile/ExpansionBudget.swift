/// How many YAML values reading one Taskfile may visit, so that aliases cannot make it explode.
///
/// An alias lets two bytes name a whole subtree, as often as wanted: `inputs: *list` in every task, or
/// merge keys merging anchors that themselves merge anchors (a "billion laughs": each level multiplies
/// the work, and a 400-byte file takes hours). ``TaskfileReader`` charges every mapping entry and list
/// item it visits; past ``limit`` — 10,000 plus 4 per byte of the file, several times more than a
/// Taskfile without aliases can reach, since each of its values takes a few bytes — loading stops with
/// `TaskfileError.invalidValue` located at the value being read. So the work of reading, and of
/// expanding what was read into a graph, stays proportional to the size of the file.
///
/// Owned by one reader; not shared between threads.
final class ExpansionBudget {
    /// The most values one read may visit.
    let limit: Int
    private var used = 0

    /// A budget for a Taskfile of `byteCount` bytes.
    init(byteCount: Int) {
        limit = 10_000 + 4 * byteCount
    }

    /// Charges `count` values; `false` once the total exceeds ``limit``.
    func charge(_ count: Int) -> Bool {
        used += count
        return used <= limit
    }
}
