/// A compiled glob pattern: `*`, `?`, `[...]` within one path component, `**` across any number of
/// directories.
///
/// Rules (documented in the "Taskfile format" article):
/// - `*` matches any run of characters except `/`; `?` one character; `[abc]`, `[a-z]`, `[!a-z]` (or
///   `[^a-z]`) one character of (not of) the set; `\` makes the next character literal.
/// - `**` as a whole component matches zero or more directories; a trailing `**` matches every file
///   below. It does not descend into symbolic links to directories (so link loops end), nor into hidden
///   directories.
/// - A name starting with `.` is matched only by a component that itself starts with a literal `.`.
/// - `.stask/` at the project root is never matched.
/// - Matches are files (never directories), sorted byte-wise.
struct Glob: Hashable {
    enum Component: Hashable {
        case literal(String)
        case pattern(ComponentPattern)
        case recursive
    }

    /// The pattern as written, after placeholder expansion.
    let text: String
    /// The directory where matching starts: the literal leading components, resolved like any path.
    let base: String
    /// The components after `base`; at least one is not literal.
    let components: [Component]

    /// Whether `text` contains an unescaped `*`, `?` or `[`.
    static func isPattern(_ text: String) -> Bool {
        var escaped = false
        for scalar in text.unicodeScalars {
            if escaped {
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "*" || scalar == "?" || scalar == "[" {
                return true
            }
        }
        return false
    }

    /// `text` with each glob metacharacter (`*`, `?`, `[`, `]`, `\`) escaped, so it matches itself.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { "*?[]\\".unicodeScalars.contains($0) }) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if "*?[]\\".unicodeScalars.contains(scalar) { result.append("\\") }
            result.append(scalar)
        }
        return String(result)
    }

    /// `text` with escapes removed: the path a non-pattern names.
    static func unescaped(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var result = String.UnicodeScalarView()
        var escaped = false
        for scalar in text.unicodeScalars {
            if !escaped && scalar == "\\" {
                escaped = true
                continue
            }
            escaped = false
            result.append(scalar)
        }
        return String(result)
    }

    /// Compiles `text`, a pattern relative to the project directory (or absolute); `project` is the
    /// absolute project directory, used to resolve the literal leading part.
    init(_ text: String, project: String) {
        self.text = text
        var parts = text.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let isAbsolute = text.hasPrefix("/")
        var literalPrefix: [String] = []
        while let first = parts.first, !Glob.isPattern(first) {
            literalPrefix.append(Glob.unescaped(first))
            parts.removeFirst()
        }
        let prefix = (isAbsolute ? "/" : "") + literalPrefix.joined(separator: "/")
        base =
            isAbsolute || !literalPrefix.isEmpty
            ? ProjectPath.resolve(prefix.isEmpty ? "." : prefix, project: project) : "."
        var components: [Component] = []
        for part in parts where part != "." {
            if part == "**" {
                if components.last != .recursive { components.append(.recursive) }
            } else if Glob.isPattern(part) {
                components.append(.pattern(ComponentPattern(part)))
            } else {
                components.append(.literal(Glob.unescaped(part)))
            }
        }
        if components.last == .recursive { components.append(.pattern(ComponentPattern("*"))) }
        self.components = components
    }
}

/// One path component of a glob with wildcards, matched against a file name.
struct ComponentPattern: Hashable {
    enum Token: Hashable {
        case scalar(Unicode.Scalar)
        case any
        case star
        case set(ranges: [ClosedRange<UInt32>], negated: Bool)
    }

    let tokens: [Token]
    /// Whether the pattern starts with a literal `.`, so that it may match hidden names.
    let matchesHidden: Bool
    /// For a pattern `*` + ASCII literal (`*.c`, the common case): the literal's bytes.
    private let starSuffix: [UInt8]?

    init(_ text: String) {
        let scalars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var index = 0
        var deadEnds: [Bool] = []
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "\\" where index + 1 < scalars.count:
                tokens.append(.scalar(scalars[index + 1]))
                index += 2
                continue
            case "*":
                if tokens.last != .star { tokens.append(.star) }
            case "?":
                tokens.append(.any)
            case "[":
                if deadEnds.isEmpty { deadEnds = Array(repeating: false, count: scalars.count) }
                if let (set, end) = Self.parseSet(scalars, from: index, deadEnds: &deadEnds) {
                    tokens.append(set)
                    index = end
                    continue
                }
                tokens.append(.scalar("["))
            default:
                tokens.append(.scalar(scalar))
            }
            index += 1
        }
        self.tokens = tokens
        matchesHidden = tokens.first == .scalar(".")
        var suffix: [UInt8]? = nil
        if tokens.first == .star {
            suffix = []
            for token in tokens.dropFirst() {
                guard case .scalar(let scalar) = token, scalar.isASCII else {
                    suffix = nil
                    break
                }
                suffix?.append(UInt8(scalar.value))
            }
        }
        starSuffix = suffix
    }

    /// Parses `[...]` starting at `start`; returns the token and the index after `]`, or `nil` when
    /// the bracket is not closed (then `[` is literal).
    ///
    /// `deadEnds` marks the indices a failed scan passed after its first member: a scan reaching one
    /// of them would go on exactly as that one did and fail too, so it stops there. Each index is
    /// scanned past at most once by failing scans, and `[[[[…` takes linear, not quadratic, time.
    private static func parseSet(
        _ scalars: [Unicode.Scalar], from start: Int, deadEnds: inout [Bool]
    ) -> (Token, Int)? {
        var index = start + 1
        var negated = false
        if index < scalars.count && (scalars[index] == "!" || scalars[index] == "^") {
            negated = true
            index += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        var passed: [Int] = []
        while index < scalars.count {
            if !first {
                if deadEnds[index] { break }
                passed.append(index)
            }
            var scalar = scalars[index]
            if scalar == "]" && !first { return (.set(ranges: ranges, negated: negated), index + 1) }
            first = false
            if scalar == "\\" && index + 1 < scalars.count {
                index += 1
                scalar = scalars[index]
            }
            if index + 2 < scalars.count && scalars[index + 1] == "-" && scalars[index + 2] != "]" {
                let upper = scalars[index + 2]
                if scalar.value <= upper.value { ranges.append(scalar.value...upper.value) }
                index += 3
            } else {
                ranges.append(scalar.value...scalar.value)
                index += 1
            }
        }
        for index in passed { deadEnds[index] = true }
        return nil
    }

    /// Whether `name` (one path component) matches.
    func matches(_ name: String) -> Bool {
        if !matchesHidden && name.utf8.first == UInt8(ascii: ".") { return false }
        if let starSuffix {
            let utf8 = name.utf8
            return utf8.count >= starSuffix.count && utf8.suffix(starSuffix.count).elementsEqual(starSuffix)
        }
        let scalars = Array(name.unicodeScalars)
        var t = 0
        var s = 0
        var starToken = -1
        var starScalar = 0
        while s < scalars.count {
            if t < tokens.count, tokens[t] != .star, Self.token(tokens[t], matches: scalars[s]) {
                t += 1
                s += 1
            } else if t < tokens.count, tokens[t] == .star {
                starToken = t
                starScalar = s
                t += 1
            } else if starToken >= 0 {
                t = starToken + 1
                starScalar += 1
                s = starScalar
            } else {
                return false
            }
        }
        while t < tokens.count && tokens[t] == .star { t += 1 }
        return t == tokens.count
    }

    private static func token(_ token: Token, matches scalar: Unicode.Scalar) -> Bool {
        switch token {
        case .scalar(let expected): return expected == scalar
        case .any: return scalar != "/"
        case .star: return false
        case .set(let ranges, let negated):
            let inside = ranges.contains { $0.contains(scalar.value) }
            return inside != negated
        }
    }
}
