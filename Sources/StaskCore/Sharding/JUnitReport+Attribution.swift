// MARK: - Attribution

extension JUnitReport {
    /// The report's times attributed to items, and what could not be.
    package struct Attribution: Sendable, Hashable {
        /// Item → the sum of its cases' times (or its suite's `time` when no case of it was read) and its
        /// share of its suite's time beyond the cases', for the items some case or suite names.
        package var itemSeconds: [String: Double] = [:]
        /// The cases that name no item.
        package var unattributed = UnattributedTestCases()
    }

    /// Attributes every case to the item it names: an item's time is the sum of its
    /// cases' times; a suite that names an item none of whose cases was read adds its own `time`. What an
    /// innermost suite's `time` holds beyond its cases' times (pytest's one suite: the collection, which
    /// imports every test module) is shared equally by the items its cases name. A case naming no item is
    /// counted as unattributed, and its time is given to no item.
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
    /// or as the tail of exactly one item's path (a runner in a subdirectory); a key several items share
    /// names none. jest-junit's suites and class names are `describe` blocks, which name no item: without
    /// its `file` attribute its cases stay unattributed.
    ///
    /// A Go subtest (`TestParse/empty`, next to a case `TestParse` of the same `classname`) is left out:
    /// go-junit-report's parent time already holds it.
    ///
    /// - Parameter items: The items of the shard, project-relative paths.
    /// - Complexity: O(*n* × *d*²) for *n* cases and items *d* components deep.
    package func attribution(items: [String]) -> Attribution {
        let matcher = JUnitItemMatcher(items: items)
        var result = Attribution()
        let names = Set(testCases.map { [$0.className ?? "", $0.name] })
        var caseSeconds: [Int: Double] = [:]
        var matchedItems: [Int: Set<String>] = [:]
        for testCase in testCases {
            if let slash = testCase.name.lastIndex(of: "/"),
                names.contains([testCase.className ?? "", String(testCase.name[..<slash])])
            {
                continue
            }
            caseSeconds[testCase.suiteIndex ?? -1, default: 0] += testCase.seconds
            if let item = matcher.item(for: testCase) {
                result.itemSeconds[item, default: 0] += testCase.seconds
                if let suite = testCase.suiteIndex { matchedItems[suite, default: []].insert(item) }
                continue
            }
            let place = testCase.className.flatMap { $0.isEmpty ? nil : $0 } ?? testCase.file ?? ""
            result.unattributed.add(
                place.isEmpty ? testCase.name : "\(place) \(testCase.name)", seconds: testCase.seconds)
        }
        for suite in testSuites {
            guard let seconds = suite.seconds, let item = matcher.item(forSuite: suite),
                result.itemSeconds[item] == nil
            else { continue }
            result.itemSeconds[item] = seconds
        }
        for (item, seconds) in suiteOverheadShares(caseSeconds: caseSeconds, matchedItems: matchedItems) {
            result.itemSeconds[item, default: 0] += seconds
        }
        return result
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

    /// Seconds per item, for the items some case or suite names (``attribution(items:)``).
    ///
    /// - Parameter items: The items of the shard, project-relative paths.
    /// - Returns: Item → seconds; items no case names are absent.
    package func itemSeconds(items: [String]) -> [String: Double] {
        attribution(items: items).itemSeconds
    }
}
