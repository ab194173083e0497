/// JUnit reports in the shapes real producers write them, for the mapping tests.
enum JUnitSamples {
    /// pytest 8, default `junit_family=xunit2`: no `file`; `classname` is the module path, then the
    /// class and nested classes; parameters stay in `name`; one suite named `pytest`.
    static let pytestXunit2 = """
        <?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" \
        errors="0" failures="1" skipped="1" tests="8" time="3.412" timestamp="2026-12-07T11:15:54.820360+00:00" \
        hostname="ci-runner-7"><testcase classname="tests.test_parser.TestLexer" name="test_tokens" time="0.512" />\
        <testcase classname="tests.test_parser.TestLexer.TestNested" name="test_deep[a.b-1]" time="0.250" />\
        <testcase classname="tests.test_parser" name="test_module_level" time="0.125" />\
        <testcase classname="tests.test_parser.TestLexer" name="test_params[tests.unit.test_format-2]" time="0.500" />\
        <testcase classname="tests.unit.test_format.TestFormat" name="test_fails" time="1.000"><failure \
        message="assert 1 == 2">def test_fails(self):
        &gt;       assert 1 == 2
        E       assert 1 == 2

        tests/unit/test_format.py:12: AssertionError</failure></testcase>\
        <testcase classname="tests.unit.test_format.TestFormat" name="test_skipped" time="0.000"><skipped \
        type="pytest.skip" message="not on linux">tests/unit/test_format.py:20: not on linux</skipped></testcase>\
        <testcase classname="tests.test_parser.TestLexer" name="test_timing" time="0.050"><system-out>\
        <![CDATA[<testcase classname="tests.unit.test_format" time="99"/>]]></system-out></testcase>\
        <testcase classname="" name="tests.unit.test_yaml" time="0.000"><skipped type="pytest.skip" \
        message="could not import 'yaml': No module named 'yaml'">tests/unit/test_yaml.py:1: could not import \
        'yaml': No module named 'yaml'</skipped></testcase>\
        <testcase classname="tests.helpers" name="test_shared" time="0.300" /></testsuite></testsuites>
        """

    /// pytest with `-o junit_family=xunit1`: `file` and `line` on every case; `file` is where the test
    /// function is defined, which for an inherited method is the base class's module (a helper module, or
    /// another test module: `TestOtherLexer` in tests/test_other.py subclasses tests/test_parser.py's
    /// `TestLexer`).
    static let pytestXunit1 = """
        <?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" \
        failures="0" skipped="0" tests="5" time="2.530" timestamp="2026-12-07T11:20:01.100000+00:00" hostname="ci">\
        <testcase classname="tests.test_parser.TestLexer" name="test_tokens" file="tests/test_parser.py" line="11" \
        time="0.700" /><testcase classname="tests.test_parser.TestInherited" name="test_from_base" \
        file="tests/base.py" line="4" time="0.200" /><testcase classname="tests.unit.test_format.TestFormat" \
        name="test_pad[x-1]" file="tests/unit/test_format.py" line="30" time="1.000" />\
        <testcase classname="tests.test_other" name="test_y" file="tests/test_other.py" line="2" time="0.230" />\
        <testcase classname="tests.test_other.TestOtherLexer" name="test_tokens" file="tests/test_parser.py" \
        line="11" time="0.400" /></testsuite></testsuites>
        """

    /// jest-junit with `addFileAttribute: "true"` and the default templates: suites are the files' first
    /// `describe` blocks, `classname` is "describe titles + test title".
    static let jestJUnit = """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites name="jest tests" tests="4" failures="0" errors="0" time="2.315">
          <testsuite name="Parser" errors="0" failures="0" skipped="0" timestamp="2026-12-07T10:02:11" time="1.204" tests="2">
            <testcase classname="Parser parses numbers" name="Parser parses numbers" time="0.803" file="src/parser/parser.test.ts">
            </testcase>
            <testcase classname="Parser nested block handles 1.5 errors" name="Parser nested block handles 1.5 errors" time="0.4" file="src/parser/parser.test.ts">
            </testcase>
          </testsuite>
          <testsuite name="formatting" errors="0" failures="0" skipped="0" timestamp="2026-12-07T10:02:12" time="1.111" tests="1">
            <testcase classname="formatting pads &quot;x&quot;" name="formatting pads &quot;x&quot;" time="1.05" file="src/format.test.js">
            </testcase>
          </testsuite>
          <testsuite name="Lexer" errors="0" failures="0" skipped="0" timestamp="2026-12-07T10:02:13" time="0.5" tests="1">
            <testcase classname="Lexer reads tokens" name="Lexer reads tokens" time="0.5">
            </testcase>
          </testsuite>
        </testsuites>
        """

    /// go-junit-report v2: a suite per package named by import path, the same path as every case's
    /// `classname`; a subtest's time is inside its parent's.
    static let goJUnitReport = """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuites tests="5" failures="1" errors="0" skipped="0" time="3.141">
        \t<testsuite name="github.com/acme/demo/pkg/parser" tests="3" failures="0" errors="0" id="0" skipped="0" time="2.003" timestamp="2026-12-07T10:00:00Z">
        \t\t<properties>
        \t\t\t<property name="go.version" value="go1.22.4 linux/amd64"></property>
        \t\t</properties>
        \t\t<testcase name="TestParse" classname="github.com/acme/demo/pkg/parser" time="1.500"></testcase>
        \t\t<testcase name="TestParse/empty_input" classname="github.com/acme/demo/pkg/parser" time="0.500"></testcase>
        \t\t<testcase name="TestLex" classname="github.com/acme/demo/pkg/parser" time="0.003"></testcase>
        \t</testsuite>
        \t<testsuite name="github.com/acme/demo/internal/format" tests="1" failures="1" errors="0" id="1" skipped="0" time="1.138" timestamp="2026-12-07T10:00:02Z">
        \t\t<testcase name="TestPad" classname="github.com/acme/demo/internal/format" time="1.138">
        \t\t\t<failure message="Failed" type="">format_test.go:14: got &#34;a&#34;, want &#34;b&#34;</failure>
        \t\t</testcase>
        \t</testsuite>
        \t<testsuite name="github.com/acme/demo/tools/gen" tests="1" failures="0" errors="0" id="2" skipped="0" time="0.010" timestamp="2026-12-07T10:00:03Z">
        \t\t<testcase name="TestGen" classname="github.com/acme/demo/tools/gen" time="0.010"></testcase>
        \t</testsuite>
        </testsuites>
        """

    /// Maven Surefire 3: one `TEST-<class>.xml` per class (a shard's reports concatenated into
    /// `{{junit}}`), a nested JUnit 5 class as `Outer$Nested`, parameters in `name`.
    static let mavenSurefire = """
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="https://maven.apache.org/surefire/maven-surefire-plugin/xsd/surefire-test-report-3.0.xsd" version="3.0" name="com.acme.parser.ParserTest" time="0.84" tests="3" errors="0" skipped="0" failures="0">
          <properties>
            <property name="java.version" value="21.0.3"/>
            <property name="user.dir" value="/home/ci/work"/>
          </properties>
          <testcase name="parsesEmptyInput" classname="com.acme.parser.ParserTest" time="0.412"/>
          <testcase name="parsesNumbers(String)[1]" classname="com.acme.parser.ParserTest" time="0.2"/>
          <testcase name="rejectsGarbage" classname="com.acme.parser.ParserTest$WhenStrict" time="0.128"/>
        </testsuite>
        <?xml version="1.0" encoding="UTF-8"?>
        <testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="https://maven.apache.org/surefire/maven-surefire-plugin/xsd/surefire-test-report-3.0.xsd" version="3.0" name="com.acme.format.FormatterTest" time="1.5" tests="1" errors="0" skipped="0" failures="0">
          <testcase name="pads" classname="com.acme.format.FormatterTest" time="1.5">
            <system-out><![CDATA[padding "x"]]></system-out>
          </testcase>
        </testsuite>
        """
}
