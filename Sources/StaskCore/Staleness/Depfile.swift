/// A dependency file in Makefile syntax, as compilers write it: `gcc`/`clang` `-MD`/`-MMD`/`-MF`,
/// `rustc --emit=dep-info`, `swiftc -emit-dependencies`.
///
/// ```
/// build/a.o: src/a.c include/a.h \
///   /usr/include/stdio.h include/with\ space.h
/// include/a.h:
/// ```
///
/// One or more rules, each one or more targets, a colon and the prerequisites. Read as those tools write
/// it:
/// - a backslash before a newline continues the line; `\ ` is a space and `\#` a `#` inside a name; `$$`
///   is a `$`; any other backslash is part of the name (`C:\dir` stays as written);
/// - a target ends at a colon followed by a blank or the end of the line (so `C:/x` is one name);
/// - an unescaped `#` starts a comment that runs to the end of the line; blank lines are ignored;
/// - a rule with no prerequisites (`gcc -MP`'s rule per header) adds none.
///
/// The prerequisites of every rule are kept, each once, in the order of first appearance; the targets are
/// not checked against anything, since `rustc` lists several. Text that is not a rule (names with no colon
/// after them) is a ``DepfileError`` with its line and column.
package struct Depfile: Sendable, Hashable {
    /// The targets of every rule, in order.
    package var targets: [String]
    /// The prerequisites of every rule, each once, in order of first appearance.
    package var prerequisites: [String]

    /// Parses `bytes`.
    ///
    /// - Throws: ``DepfileError`` when a line holds names that no colon makes into targets, or a rule has
    ///   a colon but no target.
    /// - Complexity: O(*n*) in the length of the file.
    package init(parsing bytes: [UInt8]) throws(DepfileError) {
        var scanner = DepfileScanner(bytes)
        var targets: [String] = []
        var prerequisites: [String] = []
        var seen: Set<String> = []
        while true {
            // A rule: targets up to the colon, then prerequisites up to an unescaped newline.
            var ruleTargets: [String] = []
            var firstTarget: (line: Int, column: Int)?
            var sawColon = false
            while let token = scanner.nextToken(inTargets: true) {
                switch token {
                case .endOfLine:
                    if let firstTarget {
                        throw DepfileError(
                            line: firstTarget.line, column: firstTarget.column,
                            message: "expected ':' after the target '\(ruleTargets[0])'")
                    }
                    continue
                case .colon(let line, let column):
                    guard !ruleTargets.isEmpty else {
                        throw DepfileError(line: line, column: column, message: "a rule needs a target before ':'")
                    }
                    sawColon = true
                case .name(let name, let line, let column, let endsTargets):
                    if firstTarget == nil { firstTarget = (line, column) }
                    ruleTargets.append(name)
                    sawColon = endsTargets
                }
                if sawColon { break }
            }
            guard sawColon else {
                if let firstTarget {
                    throw DepfileError(
                        line: firstTarget.line, column: firstTarget.column,
                        message: "expected ':' after the target '\(ruleTargets[0])'")
                }
                break
            }
            targets += ruleTargets
            while let token = scanner.nextToken(inTargets: false) {
                guard case .name(let name, _, _, _) = token else { break }
                if seen.insert(name).inserted { prerequisites.append(name) }
            }
        }
        self.targets = targets
        self.prerequisites = prerequisites
    }
}

/// A depfile that is not in Makefile syntax, with the place of the problem (1-based).
package struct DepfileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line.
    package let line: Int
    /// The 1-based column, in bytes.
    package let column: Int
    /// What is wrong.
    package let message: String

    /// Creates an error at a 1-based line and column.
    package init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `LINE:COLUMN: message`.
    package var description: String { "\(line):\(column): \(message)" }
}

/// Splits a depfile into names, colons and line ends.
private struct DepfileScanner {
    enum Token {
        /// A name; `endsTargets` when it was written with its rule's colon attached (`a.o:`).
        case name(String, line: Int, column: Int, endsTargets: Bool)
        case colon(line: Int, column: Int)
        case endOfLine
    }

    private let bytes: [UInt8]
    private var position = 0
    private var line = 1
    private var lineStart = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private static let backslash = UInt8(ascii: "\\")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let hash = UInt8(ascii: "#")
    private static let colon = UInt8(ascii: ":")
    private static let dollar = UInt8(ascii: "$")

    private func byte(at offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private static func isBlank(_ byte: UInt8?) -> Bool {
        byte == space || byte == tab || byte == carriageReturn
    }

    /// The length of a line break at `offset` (`\n` or `\r\n`), or 0.
    private func lineBreak(at offset: Int) -> Int {
        if byte(at: offset) == Self.newline { return 1 }
        if byte(at: offset) == Self.carriageReturn && byte(at: offset + 1) == Self.newline { return 2 }
        return 0
    }

    private mutating func startLine(after offset: Int) {
        position = offset
        line += 1
        lineStart = offset
    }

    /// The next token, `nil` at the end of the file. `inTargets`: a colon ends the targets.
    mutating func nextToken(inTargets: Bool) -> Token? {
        while position < bytes.count {
            let current = bytes[position]
            if Self.isBlank(current) {
                position += 1
            } else if current == Self.backslash, case let length = lineBreak(at: position + 1), length > 0 {
                startLine(after: position + 1 + length)  // a continuation is a blank
            } else if current == Self.newline {
                startLine(after: position + 1)
                return .endOfLine
            } else if current == Self.hash {
                while position < bytes.count && bytes[position] != Self.newline { position += 1 }
            } else if inTargets && current == Self.colon && endsName(after: position) {
                let column = position - lineStart + 1
                position += 1
                return .colon(line: line, column: column)
            } else {
                return name(inTargets: inTargets)
            }
        }
        return nil
    }

    /// Whether a colon at `offset` ends the targets: it is followed by a blank, a line end or the end.
    private func endsName(after offset: Int) -> Bool {
        let next = byte(at: offset + 1)
        return next == nil || Self.isBlank(next) || lineBreak(at: offset + 1) > 0
            || (next == Self.backslash && lineBreak(at: offset + 2) > 0)
    }

    private mutating func name(inTargets: Bool) -> Token {
        let column = position - lineStart + 1
        let startLine = line
        var name: [UInt8] = []
        var endsTargets = false
        while position < bytes.count {
            let current = bytes[position]
            if Self.isBlank(current) || current == Self.newline { break }
            if current == Self.backslash {
                let next = byte(at: position + 1)
                if lineBreak(at: position + 1) > 0 { break }  // a continuation ends the name
                if next == Self.space || next == Self.hash {
                    name.append(next!)
                    position += 2
                    continue
                }
                name.append(current)
                position += 1
                continue
            }
            if current == Self.dollar && byte(at: position + 1) == Self.dollar {
                name.append(current)
                position += 2
                continue
            }
            if inTargets && current == Self.colon && endsName(after: position) {
                position += 1
                endsTargets = true
                break
            }
            name.append(current)
            position += 1
        }
        return .name(String(decoding: name, as: UTF8.self), line: startLine, column: column, endsTargets: endsTargets)
    }
}
