/// Finds the item a JUnit test case belongs to, the way pytest, jest-junit, go-junit-report and Maven
/// Surefire name their cases.
///
/// A case is tried by its keys in order, the first that names an item winning:
///
/// 1. **Its `file` attribute** (pytest's `xunit1` family, jest-junit with `addFileAttribute`), else its
///    suite's `file`: a path — unless its dotted `classname` starts with another item's module path
///    (pytest writes the file a test is defined in: for an inherited method, its base class's module). It names the item whose path it is, with or without extension and
///    without a leading `./`; or, when it has leading directories the item lacks (an absolute path, a
///    path under the runner's root), the item its longest tail names; or, when it lacks leading
///    directories (the runner ran in a subdirectory), the only item whose path ends with it.
/// 2. **Its `classname`**, when it holds a `/`: a path in the same way. go-junit-report writes the
///    package's import path (`github.com/acme/proj/pkg/parser`); its tail `pkg/parser` names the item
///    of that directory when the directory holds exactly one item.
/// 3. **Its `classname`**, dotted: the **longest dotted prefix** that names an item by its path without
///    extension, dots for slashes. pytest writes `tests.test_parser.TestLexer.TestNested` for a method of
///    a nested class of `tests/test_parser.py` and keeps parameters in the name; Maven Surefire writes
///    `com.acme.ParserTest` (`$Nested` for a nested class) for `src/test/java/com/acme/ParserTest.java`,
///    so a prefix also names the only item whose path ends with it. Anything from a `[` (parameters) or
///    `$` (nested Java class) on is left out first.
/// 4. **Its `name`**, as the `classname`, when it has no `classname`: pytest writes a module skipped as a
///    whole, or one that failed to import, as `classname=""` and the module's path as the name.
/// 5. **Its suite's `name`**, as the `classname` (Surefire and go-junit-report name the suite after the
///    class or package; jest-junit after a `describe` block, which names no item).
///
/// A name shared by several items (two `parser_test.go` in different folders, a stem in two places)
/// names none of them: a case is never attributed by a guess.
struct JUnitItemMatcher {
    /// Normalised path, and path without extension → item; `nil` when several items share it.
    private var exactPaths: [String: String?] = [:]
    /// Every proper tail (by `/`) of an item's path and path without extension → item; `nil` when shared.
    private var pathTails: [String: String?] = [:]
    /// A directory holding items → its item; `nil` when it holds several.
    private var directories: [String: String?] = [:]
    /// An item's path without extension with `/` as `.` → item; `nil` when shared.
    private var exactDotted: [String: String?] = [:]
    /// Every proper tail (by `.`) of the dotted form → item; `nil` when shared.
    private var dottedTails: [String: String?] = [:]

    /// A matcher over `items` (project-relative paths).
    ///
    /// - Complexity: O(*n* × *d*) for *n* items *d* components deep.
    init(items: [String]) {
        for item in items {
            let path = Self.normalized(item)
            let bare = JUnitReport.withoutExtension(path)
            for form in Set([path, bare]) {
                Self.insert(form, item, into: &exactPaths)
                let components = form.split(separator: "/", omittingEmptySubsequences: true)
                for start in components.indices.dropFirst() {
                    Self.insert(components[start...].joined(separator: "/"), item, into: &pathTails)
                }
            }
            Self.insert(ProjectPath.directory(of: path), item, into: &directories)
            let dotted = String(bare.map { $0 == "/" ? "." : $0 })
            Self.insert(dotted, item, into: &exactDotted)
            let parts = dotted.split(separator: ".", omittingEmptySubsequences: true)
            for start in parts.indices.dropFirst() {
                Self.insert(parts[start...].joined(separator: "."), item, into: &dottedTails)
            }
        }
    }

    /// The item `testCase` belongs to, if any (see the type's rules).
    func item(for testCase: JUnitReport.TestCase) -> String? {
        if let file = testCase.file, let item = item(forPath: file) {
            // pytest's xunit1 `file` is where a test is defined: for a method inherited from a class of another
            // test module, the class name (where it runs, and what the shard's command names) wins.
            if let className = testCase.className, !className.contains("/"),
                let running = itemOfDottedModule(className), running != item
            {
                return running
            }
            return item
        }
        if let className = testCase.className, !className.isEmpty {
            if let item = item(forName: className) { return item }
        } else if let item = item(forName: testCase.name) {
            return item
        }
        if let suiteName = testCase.suiteName, let item = item(forName: suiteName) { return item }
        return nil
    }

    /// The item a suite's `file` or `name` names, if any.
    func item(forSuite suite: JUnitReport.TestSuite) -> String? {
        if let file = suite.file, let item = item(forPath: file) { return item }
        if let name = suite.name, let item = item(forName: name) { return item }
        return nil
    }

    /// A `classname` or suite name: a path when it holds a `/`, else dotted.
    func item(forName name: String) -> String? {
        if let separator = Self.nodeIDSeparator(in: name) {
            // `tests/test_x.py::TestX`: a pytest node id.
            return item(forPath: String(name[..<separator]))
        }
        return name.contains("/") ? item(forPath: name) : item(forDotted: name)
    }

    /// A path: exact, else its longest tail that is an item, else the only item it ends, else the only
    /// item of the directory its longest tail (two components at least) names.
    func item(forPath raw: String) -> String? {
        let path = Self.normalized(raw)
        guard !path.isEmpty else { return nil }
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        for start in components.indices {
            if let item = exactPaths[components[start...].joined(separator: "/")] { return item }
        }
        if let item = pathTails[path] { return item }
        for start in components.indices.dropFirst() where components.count - start >= 2 {
            if let item = pathTails[components[start...].joined(separator: "/")] { return item }
        }
        for start in components.indices where start == 0 || components.count - start >= 2 {
            if let item = directories[components[start...].joined(separator: "/")] { return item }
        }
        return nil
    }

    /// A dotted name: its longest prefix that is an item's dotted form (also after dropping leading
    /// parts, two parts at least), else the longest prefix that is the tail of exactly one item's.
    func item(forDotted raw: String) -> String? {
        let name = raw.prefix { $0 != "[" && $0 != "$" && $0 != "(" }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !parts.contains(where: \.isEmpty) || parts.count == 1, !name.isEmpty else { return nil }
        for end in stride(from: parts.count, to: 0, by: -1) {
            for start in 0..<end where start == 0 || end - start >= 2 {
                if let item = exactDotted[parts[start..<end].joined(separator: ".")] { return item }
            }
        }
        for end in stride(from: parts.count, to: 0, by: -1) {
            if let item = dottedTails[parts[0..<end].joined(separator: ".")] { return item }
        }
        return nil
    }

    /// Where the first `::` starts, if any.
    private static func nodeIDSeparator(in name: String) -> String.Index? {
        var index = name.startIndex
        while let colon = name[index...].firstIndex(of: ":") {
            let next = name.index(after: colon)
            if next < name.endIndex, name[next] == ":" { return colon }
            index = next
        }
        return nil
    }

    /// The item whose dotted path without extension is a prefix of `name` from its start, the longest such.
    private func itemOfDottedModule(_ name: String) -> String? {
        let parts = name.prefix { $0 != "[" && $0 != "$" && $0 != "(" }.split(separator: ".")
        for end in stride(from: parts.count, to: 0, by: -1) {
            if let item = exactDotted[parts[0..<end].joined(separator: ".")] { return item }
        }
        return nil
    }

    /// `./a/b/`, `a\b` → `a/b`; `/abs/a` keeps no leading slash (its components are what matters).
    private static func normalized(_ path: String) -> String {
        var text = path.contains("\\") ? String(path.map { $0 == "\\" ? "/" : $0 }) : path
        while text.hasPrefix("./") { text.removeFirst(2) }
        let components = text.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        return components.joined(separator: "/")
    }

    /// Records `key` → `item`, or marks `key` as shared when another item has it.
    private static func insert(_ key: String, _ item: String, into table: inout [String: String?]) {
        guard !key.isEmpty else { return }
        if let existing = table[key] {
            if existing != item { table[key] = .some(nil) }
        } else {
            table[key] = .some(item)
        }
    }
}
