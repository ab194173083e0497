import Foundation
import StaskCore
import Testing

/// Mapping the cases of real producers' reports to items (`JUnitSamples`).
@Suite struct JUnitReportAttributionTests {
    static func attribution(_ xml: String, _ items: [String]) -> JUnitReport.Attribution {
        JUnitReport(bytes: Array(xml.utf8)).attribution(items: items)
    }

    static func expectSeconds(
        _ actual: [String: Double], _ expected: [String: Double],
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        #expect(actual.keys.sorted() == expected.keys.sorted(), sourceLocation: sourceLocation)
        for (item, seconds) in expected {
            #expect(abs((actual[item] ?? -1) - seconds) < 1e-9, "\(item)", sourceLocation: sourceLocation)
        }
    }

    @Test func pytestClassesNestedClassesParametersAndSkippedModulesMapToTheirModule() {
        let items = [
            "tests/test_parser.py", "tests/unit/test_format.py", "tests/test_other.py", "tests/unit/test_yaml.py",
        ]
        let result = Self.attribution(JUnitSamples.pytestXunit2, items)
        // The suite's 3.412 s beyond the cases' 2.737 s (the collection) is shared by the three modules.
        let share = (3.412 - 2.737) / 3
        Self.expectSeconds(
            result.itemSeconds,
            [
                "tests/test_parser.py": 0.512 + 0.25 + 0.125 + 0.5 + 0.05 + share,
                "tests/unit/test_format.py": 1 + share,
                "tests/unit/test_yaml.py": share,
            ])
        // tests/helpers.py holds a test but is no item: counted, given to no item.
        #expect(
            result.unattributed
                == UnattributedTestCases(count: 1, seconds: 0.3, examples: ["tests.helpers test_shared"]))
    }

    @Test func pytestRunInASubdirectoryMapsByTheTailOfTheItemsPaths() {
        let items = [
            "python/tests/test_parser.py", "python/tests/unit/test_format.py", "python/tests/helpers.py",
            "python/tests/unit/test_yaml.py",
        ]
        let result = Self.attribution(JUnitSamples.pytestXunit2, items)
        let share = (3.412 - 2.737) / 4
        Self.expectSeconds(
            result.itemSeconds,
            [
                "python/tests/test_parser.py": 1.437 + share, "python/tests/unit/test_format.py": 1 + share,
                "python/tests/helpers.py": 0.3 + share, "python/tests/unit/test_yaml.py": share,
            ])
        #expect(result.unattributed.isEmpty)
    }

    @Test func pytestXunit1UsesTheFileAttributeAndFallsBackToTheClassForInheritedTests() {
        let items = ["tests/test_parser.py", "tests/unit/test_format.py", "tests/test_other.py"]
        let result = Self.attribution(JUnitSamples.pytestXunit1, items)
        // test_from_base is defined in tests/base.py (no item) and runs in tests/test_parser.py's class;
        // TestOtherLexer.test_tokens is defined in tests/test_parser.py and runs in tests/test_other.py.
        Self.expectSeconds(
            result.itemSeconds,
            ["tests/test_parser.py": 0.9, "tests/unit/test_format.py": 1, "tests/test_other.py": 0.63])
        #expect(result.unattributed.isEmpty)
    }

    @Test func jestJUnitMapsByFileAndNeverByDescribeBlocks() {
        let items = ["src/parser/parser.test.ts", "src/format.test.js", "src/lexer.test.ts"]
        let result = Self.attribution(JUnitSamples.jestJUnit, items)
        // Each file's suite time (1.204 s, 1.111 s) counts, hooks outside the cases included.
        Self.expectSeconds(result.itemSeconds, ["src/parser/parser.test.ts": 1.204, "src/format.test.js": 1.111])
        // Without addFileAttribute a case names only describe blocks: "Lexer" is not src/lexer.test.ts.
        #expect(
            result.unattributed
                == UnattributedTestCases(count: 1, seconds: 0.5, examples: ["Lexer reads tokens Lexer reads tokens"]))
    }

    @Test func absoluteFilePathsMapByTheirLongestTailThatIsAnItem() {
        let xml = JUnitSamples.jestJUnit.replacingOccurrences(of: "file=\"src/", with: "file=\"/home/ci/work/src/")
        let result = Self.attribution(xml, ["src/parser/parser.test.ts", "src/format.test.js"])
        Self.expectSeconds(result.itemSeconds, ["src/parser/parser.test.ts": 1.204, "src/format.test.js": 1.111])
    }

    @Test func goPackagesMapToTheOnlyItemOfTheirDirectoryAndSubtestsCountOnce() {
        let items = [
            "pkg/parser/parser_test.go", "internal/format/format_test.go", "tools/gen/a_test.go", "tools/gen/b_test.go",
        ]
        let result = Self.attribution(JUnitSamples.goJUnitReport, items)
        // The package's 2.003 s: its cases' 1.503 s (TestParse's 1.5 s holds TestParse/empty_input's 0.5 s)
        // and the rest of the package's run. tools/gen holds two items: it names neither.
        Self.expectSeconds(
            result.itemSeconds, ["pkg/parser/parser_test.go": 2.003, "internal/format/format_test.go": 1.138])
        let withoutSuiteTime = #"""
            <testsuite name="github.com/acme/demo/pkg/parser"><testcase name="TestA" classname="github.com/acme/demo/pkg/parser" time="1"/>
            <testcase name="TestA/sub" classname="github.com/acme/demo/pkg/parser" time="0.4"/></testsuite>
            """#
        #expect(Self.attribution(withoutSuiteTime, items).itemSeconds == ["pkg/parser/parser_test.go": 1])
        #expect(
            result.unattributed
                == UnattributedTestCases(count: 1, seconds: 0.01, examples: ["github.com/acme/demo/tools/gen TestGen"]))
    }

    @Test func goPackagesMapToDirectoryItems() {
        let result = Self.attribution(JUnitSamples.goJUnitReport, ["pkg/parser", "internal/format/", "tools/gen"])
        Self.expectSeconds(result.itemSeconds, ["pkg/parser": 2.003, "internal/format/": 1.138, "tools/gen": 0.01])
    }

    @Test func javaClassesMapToTheirSourceFileUnderAnyTestRoot() {
        let items = [
            "core/src/test/java/com/acme/parser/ParserTest.java",
            "core/src/test/java/com/acme/format/FormatterTest.java",
            "core/src/test/java/com/acme/other/OtherTest.java",
        ]
        let result = Self.attribution(JUnitSamples.mavenSurefire, items)
        Self.expectSeconds(
            result.itemSeconds,
            [
                "core/src/test/java/com/acme/parser/ParserTest.java": 0.84,
                "core/src/test/java/com/acme/format/FormatterTest.java": 1.5,
            ])
        #expect(result.unattributed.isEmpty)
    }

    @Test func aNameSharedByTwoItemsNamesNeitherAndIsReported() {
        let xml = #"<testsuite><testcase classname="test_util.TestX" name="a" time="1"/></testsuite>"#
        let result = Self.attribution(xml, ["a/test_util.py", "b/test_util.py"])
        #expect(result.itemSeconds.isEmpty)
        #expect(result.unattributed.count == 1)
    }

    @Test func theLongestPrefixWinsOverAShorterOne() {
        // Both tests/a.py and the package tests/a/ (tests/a/b.py) are items.
        let xml =
            #"<testsuite><testcase classname="tests.a.b.TestC" name="x" time="2"/><testcase classname="tests.a.TestD" name="y" time="1"/></testsuite>"#
        let result = Self.attribution(xml, ["tests/a.py", "tests/a/b.py"])
        Self.expectSeconds(result.itemSeconds, ["tests/a/b.py": 2, "tests/a.py": 1])
    }

    @Test func aSuitesTimeBeyondItsCasesIsSharedByItsItemsButNotAParentSuites() {
        let xml = #"""
            <testsuites><testsuite name="all" time="100"><testsuite name="pytest" time="4">
            <testcase classname="a.TestX" name="t" time="1"/><testcase classname="b" name="t" time="1"/>
            <testcase classname="nowhere" name="t" time="1"/></testsuite></testsuite></testsuites>
            """#
        let result = Self.attribution(xml, ["a.py", "b.py"])
        Self.expectSeconds(result.itemSeconds, ["a.py": 1.5, "b.py": 1.5])
        #expect(result.unattributed.seconds == 1)
    }

    @Test func onlyTheFirstFewUnattributedCasesAreKeptAsExamples() {
        let cases = (0..<5).map { #"<testcase classname="nowhere.Test\#($0)" name="t" time="0.5"/>"# }.joined()
        let result = Self.attribution("<testsuite>\(cases)</testsuite>", ["tests/a.py"])
        #expect(result.unattributed.count == 5)
        #expect(result.unattributed.seconds == 2.5)
        #expect(result.unattributed.examples == ["nowhere.Test0 t", "nowhere.Test1 t", "nowhere.Test2 t"])
    }

    // MARK: - Paths, names and suites that must not match

    @Test func aPathThatOnlyEndsLikeAnItemsNamesNoItem() {
        let xml = #"""
            <testsuite><testcase file="packages/b/src/index.test.ts" name="b" time="1"/>
            <testcase file="/home/ci/work/packages/a/src/index.test.ts" name="a" time="2"/>
            <testcase file="a/src/index.test.ts" name="tail" time="4"/></testsuite>
            """#
        let result = Self.attribution(xml, ["packages/a/src/index.test.ts", "other/index.test.ts"])
        // b's file ends in a's `src/index.test.ts`, but neither path is the other with leading directories.
        Self.expectSeconds(result.itemSeconds, ["packages/a/src/index.test.ts": 6])
        #expect(result.unattributed.examples == ["packages/b/src/index.test.ts b"])
    }

    @Test func goPackagesAtTheModulesTopMapToTheOnlyItemOfTheirDirectory() {
        let xml = #"""
            <testsuite name="example.com/mod/parser" time="3">
            <testcase classname="example.com/mod/parser" name="TestParse" time="2"/></testsuite>
            <testsuite name="example.com/mod/pkg/lexer" time="1">
            <testcase classname="example.com/mod/pkg/lexer" name="TestLex" time="1"/></testsuite>
            """#
        let result = Self.attribution(xml, ["parser/parser_test.go", "pkg/lexer/lexer_test.go"])
        Self.expectSeconds(result.itemSeconds, ["parser/parser_test.go": 3, "pkg/lexer/lexer_test.go": 1])
        #expect(result.unattributed.isEmpty)
    }

    @Test func aSuiteHoldingCasesNeverAddsItsOwnTime() {
        // A Surefire `@Suite` class: its suite names AllTests.java, its cases the classes they run in.
        let flat = #"""
            <testsuite name="com.acme.AllTests" time="4">
            <testcase classname="com.acme.ParserTest" name="a" time="2"/>
            <testcase classname="com.acme.FormatterTest" name="b" time="2"/></testsuite>
            """#
        let nested = #"""
            <testsuite name="com.acme.AllTests" time="4">
            <testsuite name="com.acme.ParserTest" time="2"><testcase classname="com.acme.ParserTest" name="a" time="2"/></testsuite>
            <testsuite name="com.acme.Other" time="2"><testcase classname="com.acme.FormatterTest" name="b" time="2"/></testsuite>
            </testsuite>
            """#
        let items = [
            "src/test/java/com/acme/AllTests.java", "src/test/java/com/acme/ParserTest.java",
            "src/test/java/com/acme/FormatterTest.java",
        ]
        for xml in [flat, nested] {
            let result = Self.attribution(xml, items)
            Self.expectSeconds(
                result.itemSeconds,
                ["src/test/java/com/acme/ParserTest.java": 2, "src/test/java/com/acme/FormatterTest.java": 2])
            #expect(result.itemSeconds.values.reduce(0, +) == 4)
        }
    }

    @Test func aKeySharedAmongTheTasksItemsNamesNoItemInAnyShard() {
        let xml = #"""
            <testsuite><testcase classname="test_util.TestX" name="a" time="1"/>
            <testcase classname="tests.test_b.TestY" name="b" time="2"/><testcase classname="tests.test_c" name="c" time="4"/></testsuite>
            """#
        let task = ["a/test_util.py", "b/test_util.py", "tests/test_b.py", "tests/test_c.py"]
        // Alone in its shard, a/test_util.py would be unique; among the task's items it is not.
        Self.expectSeconds(
            Self.attribution(xml, ["a/test_util.py", "tests/test_b.py"]).itemSeconds,
            [
                "a/test_util.py": 1, "tests/test_b.py": 2,
            ])
        let report = JUnitReport(bytes: Array(xml.utf8))
        let result = report.attribution(items: ["a/test_util.py", "tests/test_b.py"], taskItems: task)
        Self.expectSeconds(result.itemSeconds, ["tests/test_b.py": 2])
        // tests/test_c.py is another shard's: its case is no item's of this shard.
        #expect(
            result.unattributed
                == UnattributedTestCases(
                    count: 2, seconds: 5, examples: ["test_util.TestX a", "tests.test_c c"]))
    }

    // MARK: - Hostile reports

    @Test func namesOfTooManyPartsOrBytesNameNoItemAndDoNotStall() {
        let items = ["a.py", "a/a.py", "tests/test_a.py", "d/x.py"]
        let manyParts = Array(repeating: "a", count: 10_000).joined(separator: ".")
        let manyComponents = String(repeating: "d/", count: 50_000) + "x.py"
        let longName = String(repeating: "x", count: 100 * 1024)
        let cases = [
            #"<testcase classname="\#(manyParts)" name="parts" time="1"/>"#,
            #"<testcase file="\#(manyComponents)" name="components" time="1"/>"#,
            #"<testcase classname="\#(manyComponents)" name="slashes" time="1"/>"#,
            #"<testcase classname="\#(longName)" name="bytes" time="1"/>"#,
            #"<testcase classname="" name="\#(manyParts)" time="1"/>"#,
        ]
        let xml = "<testsuite name=\"\(manyParts)\" file=\"\(manyComponents)\">\(cases.joined())</testsuite>"
        let result = Self.attribution(xml, items)
        #expect(result.itemSeconds.isEmpty)
        #expect(result.unattributed.count == 5)
        #expect(result.unattributed.seconds == 5)
    }

    @Test func namesWithinTheLimitsStillMapAndManyCasesSharingOneNameAreCheap() {
        // 63 parts: the module, then nested classes; the same class name on 2,000 cases.
        let className = "tests.test_a." + Array(repeating: "Nested", count: 61).joined(separator: ".")
        let cases = String(
            repeating: #"<testcase classname="\#(className)" name="t" time="0.5"/>"#, count: 2_000)
        let result = Self.attribution("<testsuite>\(cases)</testsuite>", ["tests/test_a.py", "a.py"])
        Self.expectSeconds(result.itemSeconds, ["tests/test_a.py": 1_000])
    }

    @Test func hugeAndNonFiniteTimesAreCappedOrIgnoredAndSumsStayFinite() {
        let xml = #"""
            <testsuite time="1e308"><testcase classname="a" name="x" time="1e308"/><testcase classname="a" name="y" time="1e308"/>
            <testcase classname="a" name="z" time="inf"/><testcase classname="a" name="w" time="nan"/>
            <testcase classname="nowhere" name="u" time="1e308"/><testcase classname="nowhere" name="v" time="1e308"/></testsuite>
            """#
        let report = JUnitReport(bytes: Array(xml.utf8))
        #expect(report.testCases.map(\.seconds) == [1e7, 1e7, 0, 0, 1e7, 1e7])
        #expect(report.testSuites.map(\.seconds) == [1e7])
        let result = report.attribution(items: ["a.py"])
        #expect(result.itemSeconds == ["a.py": JUnitReport.maximumSeconds])
        #expect(result.unattributed.seconds == JUnitReport.maximumSeconds)
        #expect(result.unattributed.adding(result.unattributed).seconds == JUnitReport.maximumSeconds)
    }
}
