// MARK: - Attribution

extension JUnitReport {
    /// The report's times attributed to items, and what could not be.
    package struct Attribution: Sendable, Hashable {
        /// Item → the sum of its cases' times (or its suite's `time` when the suite holds no case) and its
        /// share of its suite's time beyond the cases', for the items some case or suite names.
        package var itemSeconds: [String: Double] = [:]
        /// The cases that name no item of the shard.
        package var unattributed = UnattributedTestCases()
    }

    /// Attributes every case to the item it names: an item's time is the sum of its cases' times; a suite
    /// that names an item no case was attributed to, and that holds no case itself nor in a nested suite,
    /// adds its own `time` (a suite with cases has its time in them: a Surefire `@Suite` class names its own
    /// item, while its cases name the classes they run in). What an innermost suite's `time` holds beyond
    /// its cases' times (pytest's one suite: the collection, which imports every test module) is shared
    /// equally by the items its cases name. A case naming no item of the shard is counted as unattributed,
    /// and its time is given to no item.
    ///
    /// A case is tried by its keys in order, the first that names an item winning: its `file` attribute
    /// (pytest's `xunit1` family, jest-junit's `addFileAttribute`), else its suite's, unless its dotted
    /// `classname` starts with another item's module path (pytest's `file` is where an inherited test is
    /// defined, its class name where it runs); its `classname`, as a
    /// path when it holds a `/` (go-junit-report's package import path names the only item of that
    /// package's directory), else dotted: its longest dotted prefix that is an item's path without
    /// extension, dots for slashes (`tests.test_parser.TestLexer.TestNested` → `tests/test_parser.py`;
    /// Maven Surefire's `com.acme.ParserTest$Nested` → `…/src/test/java/com/acme/ParserTest.java`; from a
    /// `[` or `$` on it is left out); its `name` when its `classname` is empty (a pytest module skipped as
    /// a whole); its suite's `name`. A path names an item exactly, by its longest tail (an absolute path),
    /// or as the tail of exactly one item's path (a runner in a subdirectory), whole components compared;
    /// a key several items share names none. jest-junit's suites and class names are `describe` blocks,
    /// which name no item: without its `file` attribute its cases stay unattributed.
    ///
    /// Keys are looked up among all of the task's items (`taskItems`), so a key two items of the task share
    /// names neither in any shard, however the items are split; a case is then credited only when its item
    /// is one of the shard's (`items`).
    ///
    /// A Go subtest (`TestParse/empty`, next to a case `TestParse` of the same `classname`) is left out:
    /// go-junit-report's parent time already holds it. Times are at most ``maximumSeconds``, sums too.
    ///
    /// - Parameters:
    ///   - items: The items of the shard, project-relative paths.
    ///   - taskItems: All the items of the task, the shard's among them; `nil` for `items`.
    /// - Complexity: O(*n* × *d*² + *k* × *p* × *d* × *l*) for *n* items *d* components deep and *k* distinct
    ///   keys (`file`, `classname`, suite name) of *p* ≤ 64 parts and *l* ≤ 1,024 bytes: cases sharing their
    ///   keys are looked up once.
    package func attribution(items: [String], taskItems: [String]? = nil) -> Attribution {
        let matcher = JUnitItemMatcher(items: taskItems ?? items)
        let shard = Set(items)
        var result = Attribution()
        let names = Set(testCases.map { [$0.className ?? "", $0.name] })
        var caseSeconds: [Int: Double] = [:]
        var matchedItems: [Int: Set<String>] = [:]
        var lookups: [CaseKeys: String?] = [:]
        for testCase in testCases {
            if let slash = testCase.name.lastIndex(of: "/"),
                names.contains([testCase.className ?? "", String(testCase.name[..<slash])])
            {
                continue
            }
            caseSeconds[testCase.suiteIndex ?? -1, default: 0] += testCase.seconds
            let keys = CaseKeys(testCase)
            let found: String?
            if let known = lookups[keys] {
                found = known
            } else {
                found = matcher.item(for: testCase)
                lookups[keys] = .some(found)
            }
            if let item = found, shard.contains(item) {
                result.itemSeconds[item] = Self.capped((result.itemSeconds[item] ?? 0) + testCase.seconds)
                if let suite = testCase.suiteIndex { matchedItems[suite, default: []].insert(item) }
                continue
            }
            let place = testCase.className.flatMap { $0.isEmpty ? nil : $0 } ?? testCase.file ?? ""
            result.unattributed.add(
                place.isEmpty ? testCase.name : "\(place) \(testCase.name)", seconds: testCase.seconds)
        }
        var suiteSeconds: [String: Double] = [:]
        for suite in testSuites where !suite.containsCases {
            guard let seconds = suite.seconds, let item = matcher.item(forSuite: suite), shard.contains(item),
                result.itemSeconds[item] == nil
            else { continue }
            suiteSeconds[item] = Self.capped((suiteSeconds[item] ?? 0) + seconds)
        }
        result.itemSeconds.merge(suiteSeconds) { cases, _ in cases }
        for (item, seconds) in suiteOverheadShares(caseSeconds: caseSeconds, matchedItems: matchedItems) {
            result.itemSeconds[item] = Self.capped((result.itemSeconds[item] ?? 0) + seconds)
        }
        return result
    }

    /// What ``JUnitItemMatcher/item(for:)`` reads of a case: cases alike in these name the same item.
    private struct CaseKeys: Hashable {
        var file: String?
        var className: String?
        /// The case's `name`, read only when it has no `classname`.
        var name: String?
        var suiteName: String?

        init(_ testCase: TestCase) {
            file = testCase.file
            className = testCase.className
            name = (testCase.className ?? "").isEmpty ? testCase.name : nil
            suiteName = testCase.suiteName
        }
    }

    /// `seconds`, at most ``maximumSeconds``.
    static func capped(_ seconds: Double) -> Double {
        min(seconds, maximumSeconds)
    }

    /// The time of each innermost suite beyond its cases' (pytest's collection, which imports every test
    /// module; setup outside any case), shared equally by the items its cases name.
    private func suiteOverheadShares(
        caseSeconds: [Int: Double], matchedItems: [Int: Set<String>]
    ) -> [String: Double] {
        var shares: [String: Double] = [:]
        for (index, items) in matchedItems where !items.isEmpty && !testSuites[index].containsSuites {
            let overhead = (testSuites[index].seconds ?? 0) - (caseSeconds[index] ?? 0)
            guard overhead > 0 else { continue }
            for item in items { shares[item, default: 0] += overhead / Double(items.count) }
        }
        return shares
    }

    /// Seconds per item, for the items some case or suite names (``attribution(items:taskItems:)``).
    ///
    /// - Parameters:
    ///   - items: The items of the shard, project-relative paths.
    ///   - taskItems: All the items of the task; `nil` for `items`.
    /// - Returns: Item → seconds; items no case names are absent.
    package func itemSeconds(items: [String], taskItems: [String]? = nil) -> [String: Double] {
        attribution(items: items, taskItems: taskItems).itemSeconds
    }
}
