/// The test cases of a JUnit XML report (as written to `{{junit}}`), with their times.
///
/// Only what shard balancing needs is read: every `<testcase>` element's `name`, `classname`, `file`
/// and `time` attributes, and every `<testsuite>` element's `name`, `file` and `time`. Nesting of
/// suites is followed so a case without a `file` inherits its suite's. Anything else (properties,
/// failure messages, CDATA, comments, processing instructions) is skipped. The scanner is lenient: a
/// report cut short or otherwise malformed yields the cases read up to that point; it never throws.
///
/// How cases are mapped to items (the rules of each producer: pytest, jest-junit, go-junit-report, Maven
/// Surefire), and what happens to the cases that name none, is ``attribution(items:taskItems:)``'s business.
package struct JUnitReport: Sendable, Hashable {
    /// One `<testcase>`.
    package struct TestCase: Sendable, Hashable {
        /// The `name` attribute.
        package var name: String
        /// The `classname` attribute, if any.
        package var className: String?
        /// The `file` attribute, or the nearest enclosing suite's.
        package var file: String?
        /// The enclosing suite's `name`, if any.
        package var suiteName: String?
        /// The `time` attribute in seconds (0 when absent, not a number, negative or not finite; at most
        /// ``JUnitReport/maximumSeconds``).
        package var seconds: Double
        /// The index of the enclosing suite in ``JUnitReport/testSuites``, if any.
        package var suiteIndex: Int? = nil
    }

    /// One `<testsuite>`.
    package struct TestSuite: Sendable, Hashable {
        /// The `name` attribute.
        package var name: String?
        /// The `file` attribute, if any.
        package var file: String?
        /// The `time` attribute in seconds, if present (as a case's).
        package var seconds: Double?
        /// Whether other suites are nested in it.
        package var containsSuites = false
        /// Whether a case is in it or in a suite nested in it.
        package var containsCases = false
    }

    /// The most seconds a time in a report, or a sum of them, counts for (about 116 days): a larger or
    /// non-finite `time` (`1e308`, `inf`) is no measurement, and sums stay finite.
    package static let maximumSeconds = 1e7

    /// The test cases in document order.
    package var testCases: [TestCase]
    /// The test suites in document order.
    package var testSuites: [TestSuite]

    /// Reads a report from its bytes (UTF-8).
    ///
    /// - Complexity: O(*n*) in the size of the document.
    package init(bytes: [UInt8]) {
        var scanner = JUnitScanner(text: String(decoding: bytes, as: UTF8.self))
        (testCases, testSuites) = scanner.scan()
    }

    /// `tests/a.sh` → `tests/a`; a dot in a directory name or leading the file name is kept.
    static func withoutExtension(_ path: String) -> String {
        let name = ProjectPath.name(of: path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return path }
        return String(path.dropLast(name.distance(from: dot, to: name.endIndex)))
    }
}

/// A minimal, lenient XML tag scanner for ``JUnitReport``.
private struct JUnitScanner {
    let characters: [Character]
    var position = 0

    init(text: String) {
        characters = Array(text)
    }

    mutating func scan() -> ([JUnitReport.TestCase], [JUnitReport.TestSuite]) {
        var cases: [JUnitReport.TestCase] = []
        var suites: [JUnitReport.TestSuite] = []
        var openSuites: [Int] = []  // indices into `suites`
        while let tag = nextTag() {
            switch tag.name {
            case "testsuite":
                if let parent = openSuites.last { suites[parent].containsSuites = true }
                let suite = JUnitReport.TestSuite(
                    name: tag.attributes["name"],
                    file: tag.attributes["file"] ?? openSuites.last.flatMap { suites[$0].file },
                    seconds: tag.attributes["time"].flatMap(Self.seconds))
                suites.append(suite)
                if !tag.isSelfClosing { openSuites.append(suites.count - 1) }
            case "/testsuite":
                if !openSuites.isEmpty { openSuites.removeLast() }
            case "testcase":
                let suite = openSuites.last
                // Open suites are marked innermost first; one already marked has its enclosing ones marked.
                for open in openSuites.reversed() {
                    if suites[open].containsCases { break }
                    suites[open].containsCases = true
                }
                cases.append(
                    JUnitReport.TestCase(
                        name: tag.attributes["name"] ?? "", className: tag.attributes["classname"],
                        file: tag.attributes["file"] ?? suite.flatMap { suites[$0].file },
                        suiteName: suite.flatMap { suites[$0].name },
                        seconds: tag.attributes["time"].flatMap(Self.seconds) ?? 0, suiteIndex: suite))
            default:
                break
            }
        }
        return (cases, suites)
    }

    /// `1.5`, `1,234.5` (some runners write thousands separators); negative or non-finite → nil; at most
    /// ``JUnitReport/maximumSeconds``.
    static func seconds(_ text: String) -> Double? {
        let cleaned = text.trimmingSpaces.filter { $0 != "," }
        guard let value = Double(cleaned), value.isFinite, value >= 0 else { return nil }
        return min(value, JUnitReport.maximumSeconds)
    }

    struct Tag {
        var name: String
        var attributes: [String: String]
        var isSelfClosing: Bool
    }

    /// The next element tag; comments, CDATA, declarations and processing instructions are skipped.
    mutating func nextTag() -> Tag? {
        while position < characters.count {
            guard characters[position] == "<" else {
                position += 1
                continue
            }
            if hasPrefix("<!--") {
                skip(past: "-->")
            } else if hasPrefix("<![CDATA[") {
                skip(past: "]]>")
            } else if hasPrefix("<?") || hasPrefix("<!") {
                skip(past: ">")
            } else {
                position += 1
                return readTag()
            }
        }
        return nil
    }

    private func hasPrefix(_ text: String) -> Bool {
        var index = position
        for character in text {
            guard index < characters.count, characters[index] == character else { return false }
            index += 1
        }
        return true
    }

    private mutating func skip(past terminator: String) {
        let end = Array(terminator)
        while position < characters.count {
            if characters[position] == end[0], position + end.count <= characters.count,
                Array(characters[position..<(position + end.count)]) == end
            {
                position += end.count
                return
            }
            position += 1
        }
    }

    private mutating func readTag() -> Tag {
        var name = ""
        while position < characters.count, !characters[position].isWhitespace, characters[position] != ">",
            !(characters[position] == "/" && !name.isEmpty)
        {
            name.append(characters[position])
            position += 1
        }
        var attributes: [String: String] = [:]
        var isSelfClosing = false
        while position < characters.count {
            let character = characters[position]
            if character == ">" {
                position += 1
                break
            }
            if character == "/" {
                isSelfClosing = true
                position += 1
                continue
            }
            if character.isWhitespace {
                position += 1
                continue
            }
            var attribute = ""
            while position < characters.count, !characters[position].isWhitespace,
                !"=>/".contains(characters[position])
            {
                attribute.append(characters[position])
                position += 1
            }
            while position < characters.count, characters[position].isWhitespace { position += 1 }
            guard position < characters.count, characters[position] == "=" else {
                if attribute.isEmpty { position += 1 }
                continue
            }
            position += 1
            while position < characters.count, characters[position].isWhitespace { position += 1 }
            guard position < characters.count else { break }
            let quote = characters[position]
            var value = ""
            if quote == "\"" || quote == "'" {
                position += 1
                while position < characters.count, characters[position] != quote {
                    value.append(characters[position])
                    position += 1
                }
                position += 1
            } else {
                while position < characters.count, !characters[position].isWhitespace, characters[position] != ">" {
                    value.append(characters[position])
                    position += 1
                }
            }
            attributes[attribute] = Self.unescaped(value)
        }
        return Tag(name: name, attributes: attributes, isSelfClosing: isSelfClosing)
    }

    static func unescaped(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "&", let semicolon = text[index...].firstIndex(of: ";"),
                text.distance(from: index, to: semicolon) <= 10
            {
                let entity = text[text.index(after: index)..<semicolon]
                let replacement: Character? =
                    switch entity {
                    case "amp": "&"
                    case "lt": "<"
                    case "gt": ">"
                    case "quot": "\""
                    case "apos": "'"
                    default: nil
                    }
                if let replacement {
                    result.append(replacement)
                    index = text.index(after: semicolon)
                    continue
                }
            }
            result.append(text[index])
            index = text.index(after: index)
        }
        return result
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
