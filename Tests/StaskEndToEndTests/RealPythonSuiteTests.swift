import Foundation
import StaskTestSupport
import Testing

extension EndToEndTests {
    /// Sharding a real test suite by its JUnit reports: docutils 0.21.2's test modules (138 of its 140), nearly all of
    /// them classes of tests, from its source distribution on PyPI, run by pytest with its default
    /// `xunit2` reports, whose `classname` is the module path followed by the class
    /// (`Fixtures/real-python-suite/`). The balance in seconds is measured by `bench/shards.py`; this test
    /// checks what the balance rests on, not times.
    @Suite struct RealPythonSuiteTests {
        @Test(arguments: ["xunit2", "xunit1"])
        func twoMachinesRunEveryTestCaseOnceAndTheirTimeIsAttributedToItsModule(family: String) async throws {
            let seed = try await DocutilsProject.extracted()
            let single = try await seed.testCases(running: "single", report: "single.xml")
            try #require(single.count >= 300, "docutils has some 400 test cases: \(single.count)")

            // The recorded run: both shards here, each writing its JUnit report.
            let recorded = try await seed.build("test", "JUNIT_FAMILY=\(family)")
            try #require(recorded.status == 0, "\(recorded)")
            #expect(!"\(recorded)".contains("name no item"), "every case names its module: \(recorded)")

            let plan = try await seed.plan()
            let modules = try seed.testModules()
            #expect(plan.items == modules.count, "every module is an item")
            #expect(plan.knownItems == modules.count, "every module has a recorded duration")
            #expect(plan.unattributedCases == 0)
            // Every module's time is measured from its test cases, none spread by estimate.
            #expect(plan.measuredSeconds >= 0.99 * plan.predictedSeconds, "\(plan)")
            let text = try await seed.fixture.stask(["shards", "test"])
            #expect(text.standardOutput.contains("s measured, 0.000 s estimated)"), "\(text)")
            // Each module's recorded duration is its cases' times in the reports, read by Python, plus its share
            // of the time pytest's suite holds beyond its cases (the collection).
            let reported = try await seed.moduleSecondsOfShardReports()
            #expect(Set(reported.keys) == Set(modules), "every module has cases in the reports")
            for (module, seconds) in reported {
                let recorded = plan.estimates[module] ?? -1
                #expect(abs(recorded - seconds) <= 0.001, "\(module): recorded \(recorded) s, reported \(seconds) s")
            }

            // Two machines, each with a copy of the recorded history, run one shard each.
            var ran: [String: Int] = [:]
            for index in 0..<2 {
                let machine = try DocutilsProject(fixture: FixtureProject(copyOf: seed.fixture))
                try? machine.fixture.remove(".stask/junit")  // the recorded run's reports
                let result = try await machine.build("test", "--shard", "\(index)/2", "JUNIT_FAMILY=\(family)")
                try #require(result.status == 0, "shard \(index): \(result)")
                #expect(result.standardOutput.contains("built 1,"), "only shard \(index) runs: \(result)")
                for testCase in try await machine.testCasesOfShardReports() { ran[testCase, default: 0] += 1 }
            }
            #expect(ran.values.allSatisfy { $0 == 1 }, "\(ran.filter { $0.value != 1 })")
            #expect(Set(ran.keys) == single, "the shards ran exactly the test cases of one plain run")
        }

        @Test func casesNamingNoItemAreReportedOnceAndShownByShards() async throws {
            let seed = try await DocutilsProject.extracted()
            // Items are only the parser tests; the shards run the writer tests too, which name no item.
            let taskfile = try #require(seed.fixture.read("Taskfile"))
            try seed.fixture.write(
                "Taskfile",
                taskfile.replacingOccurrences(
                    of: "foreach: \"test/**/test_*.py\"", with: "foreach: \"test/test_parsers/**/test_*.py\""
                )
                .replacingOccurrences(of: "{{items}}", with: "{{items}} test/test_writers/test_null.py"))
            let result = try await seed.build("test")
            try #require(result.status == 0, "\(result)")
            let output = result.standardOutput + result.standardError
            let warnings = output.split(separator: "\n").filter { $0.contains("name no item") }
            #expect(warnings.count == 1, "one warning for the build, not one per shard: \(result)")
            #expect(warnings.first?.contains("test.test_writers.test_null") == true, "\(result)")
            let plan = try await seed.plan()
            #expect(plan.unattributedCases >= 2, "test_null's cases in both shards: \(plan)")
            let text = try await seed.fixture.stask(["shards", "test"])
            #expect(text.standardOutput.contains("named no item in the last runs' JUnit reports"), "\(text)")
        }
    }
}

/// `Fixtures/real-python-suite/` with docutils' sdist extracted into it.
private struct DocutilsProject {
    let fixture: FixtureProject

    /// What `stask shards test --json` says of the plan.
    struct Plan: CustomStringConvertible {
        var items: Int
        var knownItems: Int
        var predictedSeconds: Double
        var measuredSeconds: Double
        var unattributedCases: Int
        /// Item → its estimate: its recorded duration when it has one.
        var estimates: [String: Double]

        var description: String {
            "\(items) items, \(knownItems) known, \(predictedSeconds) s predicted, \(measuredSeconds) s measured, "
                + "\(unattributedCases) unattributed cases"
        }
    }

    /// A fresh copy of the fixture with the sdist extracted into it.
    static func extracted() async throws -> DocutilsProject {
        let archive = try await PyPIFiles.docutils.archive(timeout: .seconds(90))
        let project = DocutilsProject(fixture: try FixtureProject("real-python-suite"))
        let extracted = try await runTool(
            ["tar", "-xzf", archive.path, "-C", project.fixture.root.path, "--strip-components=1"],
            in: project.fixture.root)
        try #require(extracted.status == 0, "extracting \(archive.path): \(extracted)")
        for path in orderDependentTests { try project.fixture.remove(path) }
        return project
    }

    /// Two of docutils' language tests pass or fail depending on which test modules ran before them in the
    /// same process (a language module cache): a split can break them, so they are left out.
    static let orderDependentTests = [
        "test/test_parsers/test_rst/test_directives/test_admonitions_dummy_lang.py",
        "test/test_parsers/test_rst/test_directives/test_replace_fr.py",
    ]

    /// `stask build --progress=plain arguments... PYTEST_PATH=…`, with time for a loaded machine.
    func build(_ arguments: String...) async throws -> StaskResult {
        let pytest = try await PyPIFiles.pytestDirectory()
        return try await StaskInvocation.run(
            ["build", "--progress=plain"] + arguments + ["PYTEST_PATH=\(pytest.path)"], in: fixture.root,
            timeout: .seconds(240))
    }

    /// The test modules `foreach: "test/**/test_*.py"` matches.
    func testModules() throws -> [String] {
        let base = fixture.url("test")
        let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)
        var modules: [String] = []
        while let url = enumerator?.nextObject() as? URL {
            if url.lastPathComponent.hasPrefix("test_"), url.pathExtension == "py" {
                modules.append("test/" + url.path.dropFirst(base.path.count + 1))
            }
        }
        return modules.sorted()
    }

    func plan() async throws -> Plan {
        let result = try await fixture.stask(["shards", "test", "--json"])
        try #require(result.status == 0, "\(result)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let plans = try #require(object["plans"] as? [[String: Any]])
        let plan = try #require(plans.first)
        let shards = try #require(plan["shards"] as? [[String: Any]])
        return Plan(
            items: shards.reduce(0) { $0 + (($1["items"] as? [String])?.count ?? 0) },
            knownItems: try #require(plan["known_items"] as? Int),
            predictedSeconds: shards.reduce(0) { $0 + ($1["predicted_seconds"] as? Double ?? 0) },
            measuredSeconds: shards.reduce(0) { $0 + ($1["measured_seconds"] as? Double ?? 0) },
            unattributedCases: try #require(plan["unattributed_cases"] as? Int),
            estimates: try #require(plan["estimates"] as? [String: Double]))
    }

    /// Seconds per test module in the JUnit reports under `.stask/junit/`, read by Python's XML parser: the
    /// times of the cases whose `classname` (or `name`, when that is empty) starts with the module's dotted
    /// path (the longest such module), and of each suite's time beyond its cases' an equal share for each
    /// module with cases in it.
    func moduleSecondsOfShardReports() async throws -> [String: Double] {
        let directory = fixture.url(".stask/junit")
        let reports = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasSuffix(".xml")
        }
        let script = """
            import json, os, sys, xml.etree.ElementTree as ET
            root, seconds = sys.argv[1], {}
            for path in sys.argv[2:]:
                for suite in ET.parse(path).getroot().iter("testsuite"):
                    total, modules = 0.0, set()
                    for case in suite.findall("testcase"):
                        time = float(case.get("time") or 0)
                        total += time
                        # A module skipped whole, or failing to import: classname="" and the module as name.
                        parts = (case.get("classname") or case.get("name", "")).split(".")
                        for end in range(len(parts), 0, -1):
                            module = "/".join(parts[:end]) + ".py"
                            if os.path.isfile(os.path.join(root, module)):
                                seconds[module] = seconds.get(module, 0) + time
                                modules.add(module)
                                break
                    beyond = float(suite.get("time") or 0) - total
                    for module in modules:
                        seconds[module] += max(beyond, 0) / len(modules)
            print(json.dumps(seconds))
            """
        let result = try await runTool(
            ["python3", "-c", script, fixture.root.path] + reports.map { directory.appendingPathComponent($0).path },
            in: fixture.root)
        try #require(result.status == 0, "reading \(reports): \(result)")
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
        return try #require(object as? [String: Double])
    }

    /// Runs task `task` and returns the test cases of the report it writes to `report`.
    func testCases(running task: String, report: String) async throws -> Set<String> {
        let result = try await build(task)
        try #require(result.status == 0, "\(result)")
        let cases = try await Self.testCases(in: [fixture.url(report)])
        return Set(cases)
    }

    /// The test cases of the JUnit reports under `.stask/junit/`.
    func testCasesOfShardReports() async throws -> [String] {
        let directory = fixture.url(".stask/junit")
        let reports = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.hasSuffix(".xml")
        }
        return try await Self.testCases(in: reports.map { directory.appendingPathComponent($0) })
    }

    /// `classname::name` of every `<testcase>` of `reports`, read by Python's XML parser (not stask's).
    static func testCases(in reports: [URL]) async throws -> [String] {
        let script = """
            import sys, xml.etree.ElementTree as ET
            for path in sys.argv[1:]:
                for case in ET.parse(path).getroot().iter("testcase"):
                    print(case.get("classname", "") + "::" + case.get("name", ""))
            """
        let result = try await runTool(
            ["python3", "-c", script] + reports.map(\.path),
            in: reports.first?.deletingLastPathComponent() ?? URL(fileURLWithPath: "/"))
        try #require(result.status == 0, "reading \(reports): \(result)")
        return result.standardOutput.split(separator: "\n").map(String.init)
    }
}

/// docutils' source distribution and pytest from PyPI, pinned, kept in the test cache and fetched with pip
/// when missing (see `PyPISdist`).
///
/// docutils because it is pure Python with no dependencies, its 140 test modules are mostly test classes,
/// with times from a few milliseconds to a few tenths of a second, and the whole suite runs in a few
/// seconds. pytest 8.3.5 because it needs no Pygments, which would change what docutils' code-highlighting
/// tests expect; with `python3 -S` nothing else the machine's Python has installed is seen.
private enum PyPIFiles {
    static let docutils = PyPISdist(
        requirement: "docutils==0.21.2", fileName: "docutils-0.21.2.tar.gz",
        sha256: "3a6b18732edf182daa3cd12775bbb338cf5691468f91eeeb109deff6ebfa986f")
    static let pytest = ["pytest==8.3.5", "pluggy==1.6.0", "iniconfig==2.1.0", "packaging==25.0"]
    static let pytestFolder = "pytest-8.3.5"

    /// A folder holding pytest and its dependencies (for `PYTHONPATH`), installed with pip if missing.
    static func pytestDirectory() async throws -> URL {
        try await pipInstalled(pytest, folder: pytestFolder, probe: "pytest/__init__.py")
    }
}
