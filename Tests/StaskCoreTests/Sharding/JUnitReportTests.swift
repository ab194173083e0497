import StaskCore
import Testing

@Suite struct JUnitReportTests {
    static let report = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- written by a runner <testcase name="not a case" time="99"/> -->
        <testsuites time="2.5">
          <testsuite name="unit" time="2.0" file="tests/unit.sh">
            <testcase name="parses" classname="unit" time="1.25"/>
            <testcase name="prints" classname="unit" time="0.5">
              <failure message="a &lt; b"><![CDATA[<testcase time="7"/>]]></failure>
            </testcase>
          </testsuite>
          <testsuite name="other">
            <testcase name="x" classname="tests.deep.x" time="0.25"/>
            <testcase name="y" classname="y" file="./tests/y.sh" time='1,000.5'/>
            <testcase name="z" classname="z" time="oops"/>
          </testsuite>
        </testsuites>
        """

    @Test func readsCasesWithTheirSuiteFileAndSkipsCommentsAndCDATA() {
        let report = JUnitReport(bytes: Array(Self.report.utf8))
        #expect(report.testCases.map(\.name) == ["parses", "prints", "x", "y", "z"])
        #expect(report.testCases.map(\.seconds) == [1.25, 0.5, 0.25, 1000.5, 0])
        #expect(report.testCases[1].file == "tests/unit.sh")
        #expect(report.testCases[2].file == nil)
        #expect(report.testCases[2].suiteName == "other")
        #expect(report.testSuites.map(\.name) == ["unit", "other"])
        #expect(report.testSuites.map(\.seconds) == [2.0, nil])
    }

    @Test func mapsCasesToItemsByFileThenClassName() {
        let report = JUnitReport(bytes: Array(Self.report.utf8))
        let seconds = report.itemSeconds(items: ["tests/unit.sh", "tests/deep/x.py", "tests/y.sh", "tests/z.sh"])
        // unit: its two cases through the suite's file, and the suite's 2 s beyond them; x: dotted class name;
        // y: file with "./"; z: by stem, with an unreadable time counting 0.
        #expect(seconds == ["tests/unit.sh": 2, "tests/deep/x.py": 0.25, "tests/y.sh": 1000.5, "tests/z.sh": 0])
    }

    @Test func aStemSharedByTwoItemsNamesNeither() {
        let xml = #"<testsuite><testcase classname="a" time="1"/><testcase classname="b/a" time="2"/></testsuite>"#
        let seconds = JUnitReport(bytes: Array(xml.utf8)).itemSeconds(items: ["x/a.sh", "y/a.sh", "b/a.sh"])
        #expect(seconds == ["b/a.sh": 2])
    }

    @Test func aSuiteWithoutMatchedCasesGivesItsOwnTime() {
        let xml = #"<testsuites><testsuite name="tests/slow" time="3.5" tests="0"/></testsuites>"#
        #expect(JUnitReport(bytes: Array(xml.utf8)).itemSeconds(items: ["tests/slow.sh"]) == ["tests/slow.sh": 3.5])
    }

    @Test func aTruncatedReportYieldsTheCasesReadSoFar() {
        let xml = #"<testsuite><testcase classname="a" time="1"/><testcase classname="b" ti"#
        let report = JUnitReport(bytes: Array(xml.utf8))
        #expect(report.itemSeconds(items: ["a.sh", "b.sh"]) == ["a.sh": 1, "b.sh": 0])
        #expect(JUnitReport(bytes: Array("not xml at all".utf8)).testCases.isEmpty)
    }
}
