// MARK: - Text

extension ShardPlan {
    /// The plan as `stask shards TASK` prints it: a heading, one line per shard (predicted time and how
    /// much of it is measured and estimated, item count, items in run order with their estimates), the test
    /// time JUnit reports left unattributed if any, and the balance (longest shard / ideal).
    ///
    /// ```
    /// test: 12 items in 4 shards (history for all 12 items)
    ///   shard 0: 0.210 s (0.200 s measured, 0.010 s estimated), 2 items: tests/slow.sh (0.200 s) tests/a.sh (0.010 s)
    ///   ...
    ///   unattributed: 2 test cases, 0.040 s, named no item in the last runs' JUnit reports (e.g. 'helpers test_x')
    ///   longest shard 0.210 s, ideal 0.200 s = max(longest item 0.200 s, total 0.640 s / 4): ratio 1.05
    /// ```
    package var text: String {
        let items = self.items
        let history =
            knownItemCount == 0
            ? "no history: stable hash split, 1 s assumed per item"
            : knownItemCount == items.count
                ? "history for all \(items.count) items"
                : "history for \(knownItemCount) of \(items.count) items, the others get the median"
        var text = "\(task): \(items.count) items in \(shardCount) shards (\(history))\n"
        for shard in shards {
            let list = shard.items.map { "\($0) (\(Self.format(estimates[$0] ?? 0)))" }.joined(separator: " ")
            let count = shard.items.count == 1 ? "1 item" : "\(shard.items.count) items"
            text += "  shard \(shard.index): \(Self.format(shard.predictedSeconds))"
            if knownItemCount > 0 {
                let estimated = max(0, shard.predictedSeconds - shard.measuredSeconds)
                text += " (\(Self.format(shard.measuredSeconds)) measured, \(Self.format(estimated)) estimated)"
            }
            text += ", \(count)"
            text += list.isEmpty ? "\n" : ": \(list)\n"
        }
        if !unattributed.isEmpty {
            let cases = unattributed.count == 1 ? "1 test case" : "\(unattributed.count) test cases"
            text += "  unattributed: \(cases), \(Self.format(unattributed.seconds)), named no item in the last runs'"
            text += " JUnit reports"
            let examples = unattributed.examples.map { "'\($0)'" }.joined(separator: ", ")
            text += examples.isEmpty ? "\n" : " (e.g. \(examples))\n"
        }
        let total = estimates.values.reduce(0, +)
        text += "  longest shard \(Self.format(longestSeconds)), ideal \(Self.format(idealSeconds))"
        text += " = max(longest item \(Self.format(estimates.values.max() ?? 0)),"
        text += " total \(Self.format(total)) / \(shardCount)): ratio \(Self.fixed(ratio, digits: 2))\n"
        return text
    }

    /// Seconds with three decimals: `0.210 s`.
    static func format(_ seconds: Double) -> String {
        fixed(seconds, digits: 3) + " s"
    }

    /// A non-negative number with `digits` decimals, without Foundation's locale-dependent formatting.
    static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = String(scaled % Int(scale))
        let sign = value < 0 && scaled != 0 ? "-" : ""
        guard digits > 0 else { return "\(sign)\(whole)" }
        return "\(sign)\(whole)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }
}
