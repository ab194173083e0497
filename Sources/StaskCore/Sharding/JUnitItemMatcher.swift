/// Finds the item a JUnit test case belongs to, the way pytest, jest-junit, go-junit-report and Maven
/// Surefire name their cases.
///
/// A case is tried by its keys in order, the first that names an item winning:
///
/// 1. **Its `file` attribute** (pytest's `xunit1` family, jest-junit with `addFileAttribute`), else its
///    suite's `file`: a path — unless its dotted `classname` starts with another item's module path
///    (pytest writes the file a test is defined in: for an inherited method, its base class's module).
///    It names the item whose path it is, with or without extension and without a leading `./`; or, when
///    it has leading directories the item lacks (an absolute path, a path under the runner's root), the
///    item its longest tail names; or, when it lacks leading directories (the runner ran in a
///    subdirectory), the only item whose path ends with it. Paths are compared by whole components, and
///    only one of the two may have extra leading directories: `packages/b/src/index.test.ts` does not
///    name the item `packages/a/src/index.test.ts`, though both end in `src/index.test.ts`.
/// 2. **Its `classname`**, when it holds a `/`: a path in the same way. go-junit-report writes the
///    package's import path (`github.com/acme/proj/pkg/parser`); its tail `pkg/parser` names the item
///    of that directory when the directory holds exactly one item (`github.com/acme/proj/parser`, a
///    package at the module's top, names the only item of `parser/`). The module's root package names
///    no item: nothing in the report says which leading part is the module's path.
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
///
/// A name longer than ``maximumNameLength`` bytes or of more than ``maximumNameParts`` parts names no item,
/// so a lookup costs O(*p* × *d* × *l*) at most, for a name of *p* ≤ 64 parts and *l* ≤ 1,024 bytes and
/// items *d* components deep (each tail or window of the name no deeper than the deepest item is hashed
/// once).
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
    /// The most components of a key of ``exactPaths`` or ``directories``: a longer tail of a report's path
    /// cannot be one.
    private var deepestPath = 0
    /// The most parts of a key of ``exactDotted``.
    private var deepestDotted = 0

    /// A name (`file`, `classname`, suite name) longer than this, in UTF-8 bytes, names no item: no runner
    /// writes one, and a hostile report must not stall the build.
    static let maximumNameLength = 1024
    /// A name of more parts than this (`/`- or `.`-separated) names no item.
    static let maximumNameParts = 64

    /// A matcher over `items` (project-relative paths).
    ///
    /// - Complexity: O(*n* × *d*²) for *n* items *d* components deep (each tail is a key).
    init(items: [String]) {
        for item in items {
            let path = Self.normalized(item)
            let bare = JUnitReport.withoutExtension(path)
            for form in Set([path, bare]) {
                Self.insert(form, item, into: &exactPaths)
                let components = form.split(separator: "/", omittingEmptySubsequences: true)
                deepestPath = max(deepestPath, components.count)
                for start in components.indices.dropFirst() {
                    Self.insert(components[start...].joined(separator: "/"), item, into: &pathTails)
                }
            }
            Self.insert(ProjectPath.directory(of: path), item, into: &directories)
            let dotted = String(bare.map { $0 == "/" ? "." : $0 })
            Self.insert(dotted, item, into: &exactDotted)
            let parts = dotted.split(separator: ".", omittingEmptySubsequences: true)
            deepestDotted = max(deepestDotted, parts.count)
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

    /// A path: the item it is, with or without leading directories the item lacks (its longest tail that is
    /// an item), else the only item that is it with leading directories it lacks, else the only item of the
    /// directory it names, with or without leading directories (a Go package's import path is its module's
    /// path and its directory). Only whole components are compared: `packages/b/src/x.ts` is not
    /// `packages/a/src/x.ts`, though they end alike.
    ///
    /// - Complexity: O(*p* × *d* × *l*) for a path of *p* ≤ ``maximumNameParts`` components and *l* ≤
    ///   ``maximumNameLength`` bytes, and items *d* components deep; a longer path names no item.
    func item(forPath raw: String) -> String? {
        guard raw.utf8.count <= Self.maximumNameLength else { return nil }
        let path = Self.normalized(raw)
        guard !path.isEmpty else { return nil }
        let starts = Self.partStarts(of: path[...], separator: "/")
        guard starts.count <= Self.maximumNameParts else { return nil }
        // Tails of at most `deepestPath` components: no longer key is in the tables.
        let tails = starts.suffix(deepestPath).map { String(path[$0...]) }
        for tail in tails {
            if let item = exactPaths[tail] { return item }
        }
        if let item = pathTails[path] { return item }
        for tail in tails {
            if let item = directories[tail] { return item }
        }
        return nil
    }

    /// A dotted name: its longest prefix that is an item's dotted form (also after dropping leading
    /// parts, two parts at least), else the longest prefix that is the tail of exactly one item's.
    ///
    /// - Complexity: O(*p* × *d* × *l*) for a name of *p* ≤ ``maximumNameParts`` parts and *l* ≤
    ///   ``maximumNameLength`` bytes, and items *d* components deep; a longer name names no item.
    func item(forDotted raw: String) -> String? {
        guard raw.utf8.count <= Self.maximumNameLength else { return nil }
        let name = raw.prefix { $0 != "[" && $0 != "$" && $0 != "(" }
        guard !name.isEmpty, deepestDotted > 0 else { return nil }
        let starts = Self.partStarts(of: name, separator: ".")
        guard starts.count <= Self.maximumNameParts else { return nil }
        // `name[starts[first]..<ends[last]]` is parts `first...last`, dots between: no joining.
        let ends = starts.dropFirst().map { name.index(before: $0) } + [name.endIndex]
        guard starts.count == 1 || zip(starts, ends).allSatisfy({ $0 < $1 }) else { return nil }
        for last in stride(from: starts.count - 1, through: 0, by: -1) {
            // Windows of at most `deepestDotted` parts: no longer key is in the tables.
            for first in max(0, last + 1 - deepestDotted)...last where first == 0 || last > first {
                if let item = exactDotted[String(name[starts[first]..<ends[last]])] { return item }
            }
        }
        for last in stride(from: min(starts.count, deepestDotted) - 1, through: 0, by: -1) {
            if let item = dottedTails[String(name[starts[0]..<ends[last]])] { return item }
        }
        return nil
    }

    /// Where each part of `text` starts, parts separated by `separator` (empty parts included).
    private static func partStarts(of text: Substring, separator: Character) -> [String.Index] {
        var starts = [text.startIndex]
        var index = text.startIndex
        while let found = text[index...].firstIndex(of: separator) {
            index = text.index(after: found)
            starts.append(index)
            // One more than the limit is enough to refuse the name.
            if starts.count > maximumNameParts { break }
        }
        return starts
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
        guard name.utf8.count <= Self.maximumNameLength else { return nil }
        let text = name.prefix { $0 != "[" && $0 != "$" && $0 != "(" }
        let starts = Self.partStarts(of: text, separator: ".")
        guard starts.count <= Self.maximumNameParts else { return nil }
        let ends = starts.dropFirst().map { text.index(before: $0) } + [text.endIndex]
        for last in stride(from: min(starts.count, deepestDotted) - 1, through: 0, by: -1) {
            if let item = exactDotted[String(text[starts[0]..<ends[last]])] { return item }
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
