/// How a run of a shard teaches per-item durations, as pure functions over seconds.
///
/// Three sources, best first:
/// 1. **Per-item commands** (`run` uses `{{item}}`): each item's commands are timed on their own; exact.
/// 2. **JUnit** (`{{junit}}`): the times the report gives for the items its cases name
///    (``JUnitReport/attribution(items:taskItems:)``); items the report does not name share what is left of the
///    shard's wall time after all its cases (``spread(_:over:estimates:)``); cases that name no item are
///    counted, not spread.
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

    /// What a shard run taught.
    package struct Learned: Sendable, Hashable {
        /// Item → seconds.
        package var seconds: [String: Double]
        /// The items whose seconds were measured (timed on their own, or the times of their test cases); the
        /// others' are estimates.
        package var measured: Set<String>
        /// The report's cases that name no item of the shard.
        package var unattributed: UnattributedTestCases

        /// Creates a result.
        package init(
            seconds: [String: Double], measured: Set<String>, unattributed: UnattributedTestCases = .init()
        ) {
            self.seconds = seconds
            self.measured = measured
            self.unattributed = unattributed
        }
    }

    /// Per-item seconds for a shard whose runner wrote a JUnit report: the times of the cases each item's
    /// name (measured), and what is left of `total` after every case's time, attributed or not, spread over
    /// the items no case names (estimates, see ``spread(_:over:estimates:)``). The time of cases that name no
    /// item goes to no item: it is counted in ``Learned/unattributed``.
    ///
    /// - Parameters:
    ///   - report: The shard's report.
    ///   - total: The shard's wall time, in seconds.
    ///   - items: The shard's items.
    ///   - taskItems: All the task's items, among which the report's names are looked up (a name two items
    ///     of the task share names neither, whichever shard they are in); `nil` for `items`.
    ///   - estimates: The items' previous estimates.
    package static func fromJUnit(
        _ report: JUnitReport, total: Double, items: [String], taskItems: [String]? = nil,
        estimates: [String: Double]
    ) -> Learned {
        let attribution = report.attribution(items: items, taskItems: taskItems)
        var result = attribution.itemSeconds
        let measured = Set(result.keys)
        let rest = items.filter { result[$0] == nil }
        if !rest.isEmpty {
            let remaining = total - result.values.reduce(0, +) - attribution.unattributed.seconds
            result.merge(spread(remaining, over: rest, estimates: estimates)) { known, _ in known }
        }
        return Learned(seconds: result, measured: measured, unattributed: attribution.unattributed)
    }
}
