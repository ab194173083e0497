/// How a run of a shard teaches per-item durations, as pure functions over seconds.
///
/// Three sources, best first:
/// 1. **Per-item commands** (`run` uses `{{item}}`): each item's commands are timed on their own; exact.
/// 2. **JUnit** (`{{junit}}`): the times the report gives for the items its cases name
///    (``JUnitReport/itemSeconds(items:)``); items the report does not name share what is left of the
///    shard's wall time (``spread(_:over:estimates:)``).
/// 3. **Otherwise** only the shard's total is known: it is spread over its items in proportion to their
///    previous estimates. An item alone in its shard is therefore timed exactly, and as the planner moves
///    items between shards run after run, the estimates converge.
package enum ShardDurationLearning {
    /// `total` seconds spread over `items` in proportion to `estimates` (unknown items get the median of
    /// the known ones; equal shares when nothing is known).
    ///
    /// - Complexity: O(*n* log *n*) in the number of items.
    package static func spread(_ total: Double, over items: [String], estimates: [String: Double]) -> [String: Double] {
        guard !items.isEmpty else { return [:] }
        let fallback = CriticalPath.defaultEstimate(known: items.compactMap { estimates[$0] })
        let weights = items.map { estimates[$0] ?? fallback }
        let sum = weights.reduce(0, +)
        let total = max(0, total)
        var result: [String: Double] = [:]
        for (item, weight) in zip(items, weights) {
            result[item] = sum > 0 ? total * weight / sum : total / Double(items.count)
        }
        return result
    }

    /// Per-item seconds for a shard whose runner wrote a JUnit report: the report's times for the items it
    /// names, and the rest of `total` spread over the others (see ``spread(_:over:estimates:)``).
    package static func fromJUnit(
        _ report: JUnitReport, total: Double, items: [String], estimates: [String: Double]
    ) -> [String: Double] {
        var result = report.itemSeconds(items: items)
        let rest = items.filter { result[$0] == nil }
        guard !rest.isEmpty else { return result }
        let remaining = total - result.values.reduce(0, +)
        result.merge(spread(remaining, over: rest, estimates: estimates)) { known, _ in known }
        return result
    }
}
