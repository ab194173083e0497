import Foundation
import Testing
import Yams

@testable import StaskCore

/// ``FastYAMLComposer`` against the Yams path: for every document it either declines or composes exactly
/// the tree Yams's nodes convert to (strings, tags, styles, booleans, order, lines, columns), and it never
/// accepts a document Yams refuses.
@Suite struct FastYAMLComposerTests {
    // MARK: - Comparing

    /// What the composers made of a text.
    struct Outcome {
        /// The hand-written composer's tree, `nil` when it declined.
        var fast: String?
        /// The Yams path's tree, `nil` when Yams refused the text or found no document.
        var yams: String?
    }

    static func outcome(_ text: String) -> Outcome? { outcome(bytes: Array(text.utf8)) }

    /// `nil` when the bytes are not UTF-8 (neither composer sees them).
    static func outcome(bytes: [UInt8]) -> Outcome? {
        guard let source = try? SourceText(bytes: bytes, file: "Taskfile.yml") else { return nil }
        let byHand = !source.text.utf8.contains(UInt8(ascii: "!"))
        let fast = FastYAMLComposer(source: source).compose().map(dump)
        let yams =
            (try? YAMLNode.composedByYams(
                source.text, resolver: byHand ? .basic : .default, tagsPlainScalarsByHand: byHand))?.map(dump)
        return Outcome(fast: fast, yams: yams)
    }

    /// Checks one text; returns whether the fast composer accepted it.
    @discardableResult
    static func check(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Bool {
        check(bytes: Array(text.utf8), sourceLocation: sourceLocation)
    }

    @discardableResult
    static func check(bytes: [UInt8], sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Bool {
        guard let outcome = outcome(bytes: bytes), let fast = outcome.fast else { return false }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(
            outcome.yams != nil, "accepted what Yams refuses: \(text.debugDescription)", sourceLocation: sourceLocation)
        #expect(fast == outcome.yams, "differs from Yams for \(text.debugDescription)", sourceLocation: sourceLocation)
        return true
    }

    /// One line per node, indented by depth: `line:column kind tag style bool "string"`.
    static func dump(_ node: YAMLNode) -> String {
        var out = ""
        func visit(_ node: YAMLNode, depth: Int) {
            out += String(repeating: " ", count: 2 * depth)
            out += "\(node.line):\(node.column) \(node.kind) \(node.tag) \(node.style) "
            out += "\(node.boolValue.map(String.init) ?? "-") \(node.string.debugDescription)\n"
            for child in node.children { visit(child, depth: depth + 1) }
        }
        visit(node, depth: 0)
        return out
    }

    /// What `TaskfileParser` reads from a text: a Taskfile or an error's text.
    enum Parsed: Equatable {
        case taskfile(Taskfile)
        case error(String)
    }

    /// What `TaskfileParser` reads from `text`, with or without the fast path.
    static func parsed(_ text: String, composesByHand: Bool) -> Parsed {
        var parser = TaskfileParser(fileSystem: InMemoryFileSystem(files: [:]), workingDirectory: "/p")
        parser.composesByHand = composesByHand
        do {
            return .taskfile(try parser.parse(contents: Array(text.utf8), path: "/p/Taskfile.yml"))
        } catch {
            return .error("\(error)")
        }
    }

    // MARK: - Generated shapes

    /// One task per target, as the benchmark generates it.
    static func perTaskShape(tasks: Int) -> String {
        var text = "version: 1\ntasks:\n"
        for index in 0..<tasks {
            let name = String(index).leftPadded(to: 6)
            text += """
                  c\(name):
                    inputs: [src/f\(name).txt]
                    outputs: [out/f\(name).txt]
                    depfile: out/f\(name).d
                    run: "cp src/f\(name).txt out/f\(name).txt"

                """
        }
        text += """
              all:
                inputs: [outs.list, "out/*.txt"]
                outputs: [all.txt]
                run: "xargs cat < outs.list > all.txt"

            """
        return text
    }

    static let foreachShape = """
        version: 1
        tasks:
          copy:
            foreach: src/*.txt
            inputs: ["{{item}}"]
            outputs: ["out/{{stem}}.txt"]
            run: "cp {{item}} {{output}} && echo \\"done\\""

        """

    @Test func composesTheGeneratedShapesAsYamsDoes() {
        #expect(Self.check(Self.perTaskShape(tasks: 300)))
        #expect(Self.check(Self.foreachShape))
        #expect(Self.check(TaskfileFixture.example))
    }

    @Test func theGeneratedShapesReadAsTheyDoThroughYams() throws {
        for text in [Self.perTaskShape(tasks: 300), Self.foreachShape, TaskfileFixture.example] {
            let fast = Self.parsed(text, composesByHand: true)
            guard case .taskfile = fast else {
                Issue.record("\(fast)")
                continue
            }
            #expect(fast == Self.parsed(text, composesByHand: false))
        }
        var parser = TaskfileParser(fileSystem: InMemoryFileSystem(files: [:]), workingDirectory: "/p")
        let fast = try parser.parse(contents: Array(Self.perTaskShape(tasks: 300).utf8), path: "/p/Taskfile.yml")
        parser.composesByHand = false
        #expect(
            fast == (try parser.parse(contents: Array(Self.perTaskShape(tasks: 300).utf8), path: "/p/Taskfile.yml")))
    }

    // MARK: - The repository's Taskfiles

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `Taskfile.example` and every Taskfile (or YAML file) under `Fixtures/`.
    static func repositoryTaskfiles() -> [(name: String, text: String)] {
        var result: [(String, String)] = []
        let example = repository.appendingPathComponent("Taskfile.example")
        if let text = try? String(contentsOf: example, encoding: .utf8) { result.append(("Taskfile.example", text)) }
        let fixtures = repository.appendingPathComponent("Fixtures")
        let enumerator = FileManager.default.enumerator(at: fixtures, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            let name = url.lastPathComponent
            guard name.hasPrefix("Taskfile") || name.hasSuffix(".yml") || name.hasSuffix(".yaml") else { continue }
            if let text = try? String(contentsOf: url, encoding: .utf8) {
                result.append((String(url.path.dropFirst(fixtures.path.count + 1)), text))
            }
        }
        return result
    }

    @Test func repositoryTaskfilesComposeAsWithYams() {
        let files = Self.repositoryTaskfiles()
        #expect(files.count > 10)
        var accepted = 0
        for file in files {
            if Self.check(file.text) { accepted += 1 }
            #expect(
                Self.parsed(file.text, composesByHand: true) == Self.parsed(file.text, composesByHand: false),
                "\(file.name)")
        }
        #expect(accepted * 2 > files.count, "the fast path takes most of the repository's Taskfiles")
        #expect(Self.check(files.first { $0.name == "Taskfile.example" }?.text ?? ""))
    }

    // MARK: - The other tests' YAML

    /// The string literals of the Taskfile test files that look like YAML: multi-line literals and
    /// one-line literals holding a line break (escapes decoded; literals with interpolations left out).
    static func testSnippets() -> [String] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var snippets: [String] = []
        for name in names.sorted() where name.hasSuffix(".swift") && name != "FastYAMLComposerTests.swift" {
            guard let text = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) else {
                continue
            }
            snippets += multiLineLiterals(text) + oneLineLiterals(text)
        }
        return snippets.filter { !$0.contains("\\(") }.map(unescaped)
    }

    static func multiLineLiterals(_ text: String) -> [String] {
        var result: [String] = []
        var body: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            if var lines = body {
                if trimmed.hasPrefix("\"\"\"") {
                    let indent = line.count - trimmed.count
                    result.append(
                        lines.map { String($0.dropFirst(min(indent, $0.count))) }.joined(separator: "\n") + "\n")
                    body = nil
                } else {
                    lines.append(line)
                    body = lines
                }
            } else if line.hasSuffix("\"\"\"") && line.filter({ $0 == "\"" }).count == 3 {
                body = []
            }
        }
        return result
    }

    static func oneLineLiterals(_ text: String) -> [String] {
        var result: [String] = []
        for line in text.split(separator: "\n") where !line.contains("\"\"\"") {
            var characters = Array(line)[...]
            while let quote = characters.firstIndex(of: "\"") {
                var index = quote + 1
                var literal = ""
                while index < characters.endIndex && characters[index] != "\"" {
                    if characters[index] == "\\" && index + 1 < characters.endIndex {
                        literal.append(characters[index])
                        index += 1
                    }
                    literal.append(characters[index])
                    index += 1
                }
                if literal.contains("\\n") && literal.contains(":") { result.append(literal) }
                characters = characters[min(index + 1, characters.endIndex)...]
            }
        }
        return result
    }

    static func unescaped(_ literal: String) -> String {
        var result = ""
        var isEscaped = false
        for character in literal {
            if isEscaped {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "0": result.append("\0")
                default: result.append(character)
                }
                isEscaped = false
            } else if character == "\\" {
                isEscaped = true
            } else {
                result.append(character)
            }
        }
        return result
    }

    @Test func theOtherTestsYAMLComposesAsWithYams() {
        let snippets = Self.testSnippets()
        #expect(snippets.count > 100)
        var accepted = 0
        for snippet in snippets {
            if Self.check(snippet) { accepted += 1 }
            #expect(
                Self.parsed(snippet, composesByHand: true) == Self.parsed(snippet, composesByHand: false),
                "\(snippet.debugDescription)")
        }
        #expect(accepted > 50)
    }

    // MARK: - The subset

    /// Texts in the subset: each is composed by hand, as Yams composes it.
    static let accepted = [
        "a: 1\n", "a:\n", "a:   # empty\nb: 2\n", "- a\n- b\n", "-\n- x\n", "a:\n- x\n- y\nb: z\n",
        "a:\n  - x\n  -\n    k: v\n", "- a: 1\n  b: 2\n- - x\n  - y\n", "- a:\n  - x\n- b\n",
        "  a: 1\n  b: 2\n", "a: [x, \"y\", 'z']\n", "a: []\nb: {}\n", "a: {cpu: 1, io: 2.5}\n",
        "a: [ x , y ]  # c\n", "é: ü\nb: [é, ü]\n日本: \"x\"\n", "a: b#c\n", "a: http://h:80/p\n",
        "'k k': 1\n\"q\": 2\nk : 3\n", "a: \"\\x41\\u00e9\\U0001F600\\t\\\"\\\\\\/\"\n", "a: 'it''s'\n",
        "a: yes\nb: No\nc: ~\nd: null\ne: 0x1F\nf: 1:30\ng: .inf\nh: 2001-12-14\n", "<<: {a: 1}\nb: 2\n",
        "a: b!c\n", "# only a comment\n\na: 1 # c\n\n", "a: 1", "a: -x\nb: ?y\nc: :z\n",
    ]

    @Test(arguments: accepted) func composesTheSubsetAsYamsDoes(_ text: String) {
        #expect(Self.check(text), "declined \(text.debugDescription)")
    }

    /// Valid YAML outside the subset: declined, so that Yams composes it.
    static let declined = [
        "a: &x 1\nb: *x\n", "a: !!str yes\n", "a: |\n  text\n", "a: >\n  text\n", "a: b\n  c\n",
        "a: \"b\n  c\"\n", "a: [b,\n  c]\n", "? a\n: b\n", "---\na: 1\n", "a: 1\n...\n", "%YAML 1.1\n---\na: 1\n",
        "a:\tb\n", "a: 1\r\nb: 2\r\n", "a: [[b]]\n", "a: {b: {c: 1}}\n", "a: [b: c]\n", "a: [b,]\n", "a: \"b\"#c\n",
        "\"a\" : b\n", "a*b: 1\n", "1: a\n\"1\": b\n", "hello\n", "", "# nothing\n", "[a, b]\n",
        "a:\n  text on its own line\n", "a: {\"b\":1}\n", "a: \"\u{FEFF}\"\n", "a: x\u{2028}y\n", "[a]: b\n",
        "\u{85}a: b\n",
        "a: b\r\n c: d\n",
    ]

    @Test(arguments: declined) func declinesWhatLiesOutsideTheSubset(_ text: String) {
        let outcome = Self.outcome(text)
        #expect(outcome?.fast == nil, "accepted \(text.debugDescription)")
    }

    // MARK: - Documents Yams refuses

    static let refused = [
        "a: b: c\n", "- a\nb: 1\n", "a:\n  - x\n  b: 1\n", "a: \"open\n", "a: 'x' y\n", "a: [a, b\n",
        "a: \"\\q\"\n", "a: \"\\ud800\"\n", "a: 1\na: 2\n", "a: - b\n", "a:\n    b: 1\n  c: 2\n", "a: b\n c\n:",
        "a: 1\n- b\n", "a: [b]]\n", "a: {b: 1\n", "a: \"x\"\"\n", "a: @b\n", "a: `b\n", "a: ,b\n",
        "- - a\n - b\n", "a: b # c\n  d: e\n",
        String(repeating: "k", count: 1_100) + ": v\n",
    ]

    @Test(arguments: refused) func declinesWhatYamsRefuses(_ text: String) {
        let outcome = Self.outcome(text)
        #expect(outcome?.yams == nil, "Yams composes \(text.debugDescription)")
        #expect(outcome?.fast == nil, "accepted \(text.debugDescription)")
    }

    // MARK: - Random documents

    @Test func randomDocumentsComposeAsWithYams() {
        // STASK_FAST_YAML_SEED and STASK_FAST_YAML_CASES run other and more documents (the default is fixed).
        let environment = ProcessInfo.processInfo.environment
        var generator = DocumentGenerator(
            seed: environment["STASK_FAST_YAML_SEED"].flatMap { UInt64($0) } ?? 0x7A5C_F11E_0001)
        var accepted = 0
        let count = environment["STASK_FAST_YAML_CASES"].flatMap { Int($0) } ?? 5_000
        for _ in 0..<count {
            let text = generator.document()
            if Self.check(text) { accepted += 1 }
        }
        // The grammar mostly stays inside the subset; mutations and rare tokens leave it.
        #expect(accepted * 3 > count, "accepted \(accepted) of \(count)")
    }
}

extension FastYAMLComposerTests {
    /// The fuzz suite's Taskfiles and the generated shapes, each damaged by one to three of its mutations.
    @Test func mutatedTaskfilesComposeAsWithYams() {
        let corpus =
            TaskfileCorpus.taskfiles + [TaskfileFixture.example, Self.perTaskShape(tasks: 3), Self.foreachShape]
        let mutator = TaskfileMutator(donors: corpus)
        var accepted = 0
        let count = 3_000
        for index in 0..<count {
            var random = TaskfileMutator.Random(seed: 0xFA57_7A11, case: index)
            var bytes = Array(random.pick(corpus).utf8)
            for _ in 0...random.below(3) { _ = mutator.mutate(&bytes, using: &random) }
            if Self.check(bytes: bytes) { accepted += 1 }
        }
        #expect(accepted * 10 > count, "accepted \(accepted) of \(count)")
    }
}

/// Seeded random YAML documents from a small grammar, with some lines mutated afterwards.
struct DocumentGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// SplitMix64.
    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    private mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    private mutating func pick(_ items: [String]) -> String { items[below(items.count)] }

    static let plainScalars = [
        "a", "src/*.c", "yes", "No", "null", "Null", "~", "1", "-1", "007", "0x1F", "0o17", "1:30", "1.5e3", ".inf",
        "-.Inf", ".NaN", "2001-12-14", "2001-12-14 21:59:43.10 -5", "<<", "=", "a:b", "a#b", "-x", "?x", ":x",
        "a, b", "a b  c", "é日本", "x]", "x}", "true", "FALSE", "on", "OFF", "1_000", "+12", "1e5", "0.5", "3s",
        "cc -O2 -Wall", "\\back", "50%", "a'b", "a\"b", "a -b", "a - b", "http://h:80/p", "a\u{A0}b", "😀", "x ",
        "a&&b", "a*b", "a!b", "x|y", "k=v",
    ]
    /// Plain scalars the composer declines or YAML refuses, drawn less often.
    static let trickyScalars = [
        "{{item}}", "@x", "`x", "%x", "!x", "&x", "*x", "|", ">", "- x", "x: y", "#x", "-", "y\u{2028}z", "---",
        "...", "a: ", "?", ":", "!!str yes", "&a b", "*a", "x\ty",
    ]
    static let quotedScalars = [
        "\"a b\"", "\"q\\\"uote\"", "'it''s'", "\"\\x41\\u00e9\\U0001F600\"", "\"\\t\\n\\\\\"",
        "\"#not a comment\"", "''", "\"\"", "\"yes\"", "'1'", "\"\\/\\_\\N\\L\\P\\e\\0\\a\\b\\v\\f\\r\\ \"",
        "\"é \\u00E9\"", "'a # b'", "\"{{item}}\"", "'  padded  '", "\"cp {{item}} {{output}}\"",
        "\"echo \\\"hi\\\" > out\"", "'a \\ b'", "\"a: b\"", "'- x'", "\"[a]\"",
    ]
    /// Quoted scalars YAML refuses.
    static let brokenQuotedScalars = [
        "\"\\q\"", "\"\\ud800\"", "\"unterminated", "'x''", "\"a\\", "\"a\" b", "\"\\x4G\"", "\"\\U00110000\"",
    ]
    static let keys = [
        "version", "tasks", "a", "b", "run", "inputs", "yes", "1", "<<", "a b", "é", "x-y", "-k", "k:v", "\"q k\"",
        "'s k'", "\"\"", "\"yes\"", "null", "~", "k ", "é日",
    ]
    static let mutations = [" ", "\t", "#", ":", "- ", "\"", "'", "[", "]", "{", "}", ",", "&a ", "*a", "!", "|", "?"]

    private mutating func scalar() -> String {
        switch below(20) {
        case 0: chance(50) ? pick(Self.trickyScalars) : pick(Self.brokenQuotedScalars)
        case 1...6: pick(Self.quotedScalars)
        default: pick(Self.plainScalars)
        }
    }

    private mutating func flowItem() -> String {
        chance(60)
            ? pick(["a", "b/c.txt", "-O2", "1", "yes", "~", "a b", chance(20) ? "x:y" : "é", "a#b"])
            : pick(Self.quotedScalars)
    }

    private mutating func inlineValue() -> String {
        switch below(10) {
        case 0: return "[" + (0..<below(4)).map { _ in flowItem() }.joined(separator: pick([", ", ",", " , "])) + "]"
        case 1:
            return "{"
                + (0..<below(3)).map { index in "\(pick(["a", "b", "c"]))\(index): \(flowItem())" }
                .joined(separator: ", ") + "}"
        default: return scalar()
        }
    }

    private mutating func comment() -> String {
        chance(15) ? pick([" # c", "  #c", " #: x", " #", chance(30) ? "#x" : " # x"]) : ""
    }

    private mutating func mapping(indent: Int, depth: Int) -> [String] {
        var lines: [String] = []
        let pad = String(repeating: " ", count: indent)
        for _ in 0..<(1 + below(4)) {
            // A key holding `*` is declined (see FastYAMLComposer): drawn rarely.
            let key = chance(3) ? "a*b" : pick(Self.keys)
            if chance(10) { lines.append(chance(50) ? "" : String(repeating: " ", count: below(6)) + "# note") }
            switch depth < 4 ? below(10) : 0 {
            case 0...4: lines.append("\(pad)\(key): \(inlineValue())\(comment())")
            case 5: lines.append("\(pad)\(key):\(comment())")
            case 6, 7:
                lines.append("\(pad)\(key):\(comment())")
                lines += mapping(indent: indent + 1 + below(4), depth: depth + 1)
            default:
                lines.append("\(pad)\(key):")
                lines += sequence(indent: indent + (chance(50) ? 0 : 2), depth: depth + 1)
            }
        }
        return lines
    }

    private mutating func sequence(indent: Int, depth: Int) -> [String] {
        var lines: [String] = []
        let pad = String(repeating: " ", count: indent)
        for _ in 0..<(1 + below(4)) {
            switch depth < 4 ? below(10) : 0 {
            case 0...4: lines.append("\(pad)- \(inlineValue())\(comment())")
            case 5: lines.append("\(pad)-")
            case 6:
                lines.append("\(pad)-")
                lines += mapping(indent: indent + 2, depth: depth + 1)
            default:
                // Compact: the first line of the nested block goes on the entry's line.
                var nested =
                    chance(70)
                    ? mapping(indent: indent + 2, depth: depth + 1) : sequence(indent: indent + 2, depth: depth + 1)
                nested[0] = pad + "- " + nested[0].dropFirst(indent + 2)
                lines += nested
            }
        }
        return lines
    }

    mutating func document() -> String {
        var lines = chance(80) ? mapping(indent: 0, depth: 0) : sequence(indent: 0, depth: 0)
        if chance(30) && !lines.isEmpty {
            let index = below(lines.count)
            switch below(4) {
            case 0: lines[index] = " " + lines[index]
            case 1: lines.insert(lines[index], at: index)
            case 2: lines[index] = String(lines[index].dropFirst())
            default:
                var line = Array(lines[index])
                line.insert(contentsOf: pick(Self.mutations), at: below(line.count + 1))
                lines[index] = String(line)
            }
        }
        return lines.joined(separator: "\n") + (chance(90) ? "\n" : "")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
