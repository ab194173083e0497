/// Seeded, structure-aware mutations of Taskfile bytes, for the Taskfile fuzz suite.
///
/// Every mutation is a pure function of the input bytes and the generator, so a case replays from its
/// seed alone. Mutations work on raw bytes (they may split UTF-8 sequences) and on lines; the YAML-aware
/// ones insert indicators, anchors, tags and placeholders, replace numbers and paths with hostile ones
/// and rename keys, which is how a byte-level fuzzer reaches past the YAML parser into the reader and
/// the graph builder.
struct TaskfileMutator {
    /// SplitMix64: small, fast, and identical on every platform (unlike `SystemRandomNumberGenerator`).
    struct Random: RandomNumberGenerator {
        private var state: UInt64

        init(seed: UInt64) { state = seed }

        /// A generator for case `index` of a run seeded with `seed`: independent of every other case.
        init(seed: UInt64, case index: Int) {
            var mixer = Random(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15))
            state = mixer.next()
        }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// A value in `0..<bound` (bound > 0).
        mutating func below(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &self) }

        /// One element of a non-empty array.
        mutating func pick<T>(_ elements: [T]) -> T { elements[below(elements.count)] }
    }

    /// The mutations, named for failure messages.
    enum Kind: String, CaseIterable, Sendable {
        case flipBit, randomByte, deleteBytes, duplicateLine, deleteLine, swapLines, spliceLine
        case insertSyntax, insertUnicode, insertInvalidUTF8, deepNesting, deepIndentation
        case hostileNumber, hostilePath, placeholderNoise, renameKey, indentWithTab
    }

    /// Lines other Taskfiles may contribute (`spliceLine`).
    let donors: [[UInt8]]

    init(donors: [String]) {
        self.donors = donors.flatMap { $0.split(separator: "\n").map { Array($0.utf8) } }
    }

    /// Each kind as often as its weight: structure-aware mutations reach past the YAML parser, so
    /// they are picked more often than byte damage, which mostly stops at it.
    static let weightedKinds: [Kind] = {
        let weights: [Kind: Int] = [
            .flipBit: 1, .randomByte: 1, .deleteBytes: 2, .duplicateLine: 3, .deleteLine: 3, .swapLines: 2,
            .spliceLine: 3, .insertSyntax: 3, .insertUnicode: 1, .insertInvalidUTF8: 1, .deepNesting: 1,
            .deepIndentation: 1, .hostileNumber: 3, .hostilePath: 4, .placeholderNoise: 3, .renameKey: 3,
            .indentWithTab: 1,
        ]
        return Kind.allCases.flatMap { Array(repeating: $0, count: weights[$0] ?? 1) }
    }()

    /// Applies one random mutation to `bytes`; returns its kind.
    @discardableResult
    func mutate(_ bytes: inout [UInt8], using random: inout Random) -> Kind {
        let kind = random.pick(Self.weightedKinds)
        apply(kind, to: &bytes, using: &random)
        return kind
    }

    func apply(_ kind: Kind, to bytes: inout [UInt8], using random: inout Random) {
        switch kind {
        case .flipBit:
            guard !bytes.isEmpty else { return }
            bytes[random.below(bytes.count)] ^= 1 << UInt8(random.below(8))
        case .randomByte:
            guard !bytes.isEmpty else { return }
            bytes[random.below(bytes.count)] = UInt8(truncatingIfNeeded: random.next())
        case .deleteBytes:
            guard !bytes.isEmpty else { return }
            let start = random.below(bytes.count)
            let count = 1 + random.below(min(16, bytes.count - start))
            bytes.removeSubrange(start..<start + count)
        case .duplicateLine, .deleteLine, .swapLines, .spliceLine, .deepIndentation, .indentWithTab:
            mutateLines(kind, &bytes, using: &random)
        case .insertSyntax:
            insert(Array(random.pick(Self.syntax).utf8), into: &bytes, using: &random)
        case .insertUnicode:
            insert(Array(String(random.pick(Self.unicode)).utf8), into: &bytes, using: &random)
        case .insertInvalidUTF8:
            insert(random.pick(Self.invalidUTF8), into: &bytes, using: &random)
        case .deepNesting:
            let opener = random.pick(["[", "{", "[{", "- ", "{a: ", "[a, "])
            let depth = random.pick([2, 10, 100, 999, 1_000, 1_001, 5_000])
            insert(Array(String(repeating: opener, count: depth).utf8), into: &bytes, using: &random)
        case .hostileNumber:
            replaceToken(in: &bytes, matching: Self.isDigit, with: random.pick(Self.numbers), using: &random)
        case .hostilePath:
            replaceValue(in: &bytes, with: random.pick(Self.paths), using: &random)
        case .placeholderNoise:
            insert(Array(random.pick(Self.placeholders).utf8), into: &bytes, using: &random)
        case .renameKey:
            replaceToken(in: &bytes, matching: Self.isKeyCharacter, with: random.pick(Self.keys), using: &random)
        }
    }

    // MARK: - Lines

    private func mutateLines(_ kind: Kind, _ bytes: inout [UInt8], using random: inout Random) {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        let line = random.below(lines.count)
        switch kind {
        case .duplicateLine:
            lines.insert(lines[line], at: line + random.below(2))
        case .deleteLine:
            lines.remove(at: line)
        case .swapLines:
            lines.swapAt(line, random.below(lines.count))
        case .spliceLine:
            if !donors.isEmpty { lines.insert(random.pick(donors), at: line) }
        case .deepIndentation:
            // A ladder of ever deeper block mappings: `a:\n a:\n  a:` ...
            let depth = random.pick([5, 20, 100, 300])
            let ladder = (0..<depth).map { Array((String(repeating: " ", count: $0) + "a:").utf8) }
            lines.insert(contentsOf: ladder, at: line)
        case .indentWithTab:
            let spaces = lines[line].prefix { $0 == UInt8(ascii: " ") }.count
            lines[line].replaceSubrange(0..<min(spaces, 2), with: [UInt8(ascii: "\t")])
        default:
            preconditionFailure("not a line mutation: \(kind)")
        }
        bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
    }

    // MARK: - Insertions and replacements

    private func insert(_ insertion: [UInt8], into bytes: inout [UInt8], using random: inout Random) {
        bytes.insert(contentsOf: insertion, at: random.below(bytes.count + 1))
    }

    /// Replaces a maximal run of bytes satisfying `matching` around a random position with `text`.
    private func replaceToken(
        in bytes: inout [UInt8], matching: (UInt8) -> Bool, with text: String, using random: inout Random
    ) {
        let candidates = bytes.indices.filter { matching(bytes[$0]) }
        guard !candidates.isEmpty else { return insert(Array(text.utf8), into: &bytes, using: &random) }
        var start = random.pick(candidates)
        var end = start
        while start > 0 && matching(bytes[start - 1]) { start -= 1 }
        while end < bytes.count && matching(bytes[end]) { end += 1 }
        bytes.replaceSubrange(start..<end, with: text.utf8)
    }

    /// Replaces what follows a random `: ` or `- ` up to the end of its line with `text`.
    private func replaceValue(in bytes: inout [UInt8], with text: String, using random: inout Random) {
        let starts = bytes.indices.dropLast().filter {
            (bytes[$0] == UInt8(ascii: ":") || bytes[$0] == UInt8(ascii: "-")) && bytes[$0 + 1] == UInt8(ascii: " ")
        }
        guard !starts.isEmpty else { return insert(Array(text.utf8), into: &bytes, using: &random) }
        let start = random.pick(starts) + 2
        let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
        bytes.replaceSubrange(start..<end, with: text.utf8)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isKeyCharacter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
    }

    // MARK: - Dictionaries

    static let syntax = [
        "{", "}", "[", "]", ": ", ":", "- ", "-", ", ", "? ", "&a ", "*a", "&a [x, y] ", "*b ", "<<: *a\n",
        "<<: [*a, *a]\n", "!!str ", "!!int ", "!!map ", "!!seq ", "!!binary ", "!!float ", "!!null ", "!!bool ",
        "!local ", "!<tag:yaml.org,2002:str> ", "---\n", "...\n", "--- |\n", "\t", "|\n", ">-\n", "|+2\n", "'",
        "\"", "\"\\x00\\uD800\\U0010FFFF\"", "#", " # comment", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "@", "`",
        "\r", "\r\n", "\n", "\n  ", "~", "null", "true", "yes", "off", "=", "\\", "\0",
    ]

    static let unicode: [Character] = [
        "\u{0}", "\u{7}", "\u{85}", "\u{A0}", "\u{FEFF}", "\u{2028}", "\u{2029}", "\u{200B}", "\u{202E}", "é",
        "e\u{301}", "ß", "中", "😀", "👩‍👩‍👧", "\u{10FFFF}", "\u{FFFD}", "\u{1F1FA}\u{1F1F8}",
    ]

    static let invalidUTF8: [[UInt8]] = [
        [0xFF], [0xFE], [0x80], [0xC0, 0x80], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFE, 0xFF], [0xFF, 0xFE, 0x00, 0x00],
    ]

    static let numbers = [
        "0", "-0", "-1", "-2", "1", "2", "3", "1000", "10000", "10001", "99999999999999999999", "9223372036854775807",
        "9223372036854775808", "-9223372036854775808", "1e308", "1e400", "-1e400", "1.5", "-0.5", ".inf", "-.inf",
        ".nan", "0x7fffffffffffffff", "0xffffffffffffffffff", "0o777", "0777", "0b101", "1_000", "1:30",
        "1:2:3:4:5:6:7:8:9:10:11:12", "59:59:59:59:59:59:59:59:59:59:59", "190:20:30.15", "1.", "1e", "--1", "+1",
    ]

    static let paths = [
        "../x", "../../etc/passwd", "/etc/passwd", "/p/out", "/p", "/", ".", "./", "..", ".stask/state",
        ".stask", "a b.c", "\"$(rm -rf ~).c\"", "'it''s.c'", "\"new\\nline.c\"", "ünï.c", "**", "**/*", "**/**/x",
        "src/**/*.c", "*", "?", "[", "src/[a-", "src/[!a].c", "\\", "\"\"", "''", "\"\\t\"", "{{item}}",
        "build/{{stem}}.o", "[a, ../b]", "[/abs, build/x]", "{a: b}", "&x ../y", "*x",
    ]

    static let placeholders = [
        "{{", "}}", "{{}}", "{{ }}", "{{unknown}}", "{{{{", "}}}}", "{{{{{{", "{{ item }}", "{{item}}", "{{stem}}",
        "{{name}}", "{{dir}}", "{{input}}", "{{inputs}}", "{{output}}", "{{outputs}}", "{{items}}", "{{shard}}",
        "{{shards}}", "{{junit}}", "{{CC}}", "{{ CC }}", "{{C C}}", "{{1}}", "{{-}}", "{{{{CC}}}}", "{{\n}}",
    ]

    static let keys = [
        "version", "vars", "env", "budget", "default", "tasks", "desc", "inputs", "outputs", "deps", "run",
        "foreach", "shards", "cost", "priority", "retry", "timeout", "dir", "always", "attempts", "backoff",
        "max_backoff", "cpu", "io", "mem_gb", "item", "CC", "<<", "includes", "cmds", "Run", "tasks2", "",
    ]
}
