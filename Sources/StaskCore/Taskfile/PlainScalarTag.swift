import Yams

/// The tag YAML 1.1 gives a plain (unquoted, untagged) scalar, decided by hand: exactly what Yams's default
/// resolver decides, without its regular expressions.
///
/// Why: Yams resolves a tag by trying seven `NSRegularExpression`s on the scalar's text, and a Taskfile
/// generated with one task per target has tens of thousands of scalars; reading a 10,000-task Taskfile spent
/// a quarter of its time there. The rules, in Yams's order, first match wins: bool, int, float, merge (`<<`),
/// null, timestamp, value (`=`); anything else is a string.
package enum PlainScalarTag {
    /// The tag of a plain scalar written as `text`.
    static func name(of text: String) -> YAMLNode.Tag {
        var text = text
        return text.withUTF8 { name(of: $0) }
    }

    /// The full tag of a plain scalar written as `text`, as `tag:yaml.org,2002:int` (Yams's `Tag.Name`
    /// raw value).
    package static func tag(of text: String) -> String {
        let name: Tag.Name =
            switch self.name(of: text) {
            case .int: .int
            case .float: .float
            case .bool: .bool
            case .null: .null
            case .merge: .merge
            case .timestamp: .timestamp
            case .value: .value
            case .str, .map, .seq, .other: .str
            }
        return name.rawValue
    }

    static func name(of bytes: UnsafeBufferPointer<UInt8>) -> YAMLNode.Tag {
        guard let first = bytes.first else { return .null }
        // Every non-string form starts with one of these; paths and commands rarely do.
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
            if isInt(bytes) { return .int }
            if isFloat(bytes) { return .float }
            if isTimestamp(bytes) { return .timestamp }
            return .str
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"),
            UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "o"), UInt8(ascii: "O"):
            guard bytes.count <= 5 else { return .str }
            let word = String(decoding: bytes, as: UTF8.self)
            if booleans.contains(word) { return .bool }
            if nulls.contains(word) { return .null }
            return .str
        case UInt8(ascii: "<"):
            return bytes.count == 2 && bytes[1] == UInt8(ascii: "<") ? .merge : .str
        case UInt8(ascii: "~"):
            return bytes.count == 1 ? .null : .str
        case UInt8(ascii: "="):
            return bytes.count == 1 ? .value : .str
        default:
            return .str
        }
    }

    private static let booleans: Set<String> = [
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON",
        "off", "Off", "OFF",
    ]
    private static let nulls: Set<String> = ["null", "Null", "NULL"]

    // MARK: - Matchers over the bytes, one per alternative of Yams's patterns

    /// A cursor over the bytes with the few steps the patterns need.
    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        var isAtEnd: Bool { position == bytes.count }
        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func take(_ byte: Character) -> Bool {
            guard current == byte.asciiValue else { return false }
            position += 1
            return true
        }

        mutating func takeSign() { if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 } }

        /// Takes bytes while `accepts` holds; returns how many.
        @discardableResult mutating func take(while accepts: (UInt8) -> Bool) -> Int {
            let start = position
            while let byte = current, accepts(byte) { position += 1 }
            return position - start
        }

        mutating func takeAny(of words: [String]) -> Bool {
            for word in words where bytes.count - position >= word.utf8.count {
                if word.utf8.elementsEqual(bytes[position..<(position + word.utf8.count)]) {
                    position += word.utf8.count
                    return true
                }
            }
            return false
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    private static func isDigitOrUnderscore(_ byte: UInt8) -> Bool { isDigit(byte) || byte == UInt8(ascii: "_") }
    private static func isNonZeroDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "1") && byte <= UInt8(ascii: "9") }
    private static func isBinaryDigitOrUnderscore(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "0") || byte == UInt8(ascii: "1") || byte == UInt8(ascii: "_")
    }
    private static func isHexDigitOrUnderscore(_ byte: UInt8) -> Bool {
        let lower = byte | 0x20
        return isDigitOrUnderscore(byte) || (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "f"))
    }

    /// `[-+]?0b[01_]+ | [-+]?0o?[0-7_]+ | [-+]?(0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+ |
    /// [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+`
    static func isInt(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        func matches(_ body: (inout Cursor) -> Bool) -> Bool {
            var cursor = Cursor(bytes: bytes)
            cursor.takeSign()
            return body(&cursor) && cursor.isAtEnd
        }
        let underscore = UInt8(ascii: "_")
        return matches { c in
            c.take("0") && c.take("b") && c.take(while: isBinaryDigitOrUnderscore) > 0
        }
            || matches { c in
                guard c.take("0") else { return false }
                _ = c.take("o")
                return c.take { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7")) || $0 == underscore } > 0
            }
            || matches { c in
                if c.take("0") { return true }
                guard let first = c.current, isNonZeroDigit(first) else { return false }
                c.take(while: isDigitOrUnderscore)
                return true
            }
            || matches { c in
                c.take("0") && c.take("x")
                    && c.take(while: isHexDigitOrUnderscore) > 0
            }
            || matches { c in
                guard let first = c.current, isNonZeroDigit(first) else { return false }
                c.take(while: isDigitOrUnderscore)
                return takeSexagesimalGroups(&c)
            }
    }

    /// `(:[0-5]?[0-9])+`.
    private static func takeSexagesimalGroups(_ cursor: inout Cursor) -> Bool {
        var groups = 0
        while cursor.take(":") {
            let digits = cursor.take(while: isDigit)
            guard digits == 1 || (digits == 2 && bytesAt(cursor, back: 2) <= UInt8(ascii: "5")) else { return false }
            groups += 1
        }
        return groups > 0
    }

    private static func bytesAt(_ cursor: Cursor, back: Int) -> UInt8 { cursor.bytes[cursor.position - back] }

    /// `[-+]?([0-9][0-9_]*)(\.[0-9_]*)?([eE][-+]?[0-9]+)? | \.[0-9_]+([eE][-+][0-9]+)? |
    /// [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`
    static func isFloat(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        func matches(signed: Bool, _ body: (inout Cursor) -> Bool) -> Bool {
            var cursor = Cursor(bytes: bytes)
            if signed { cursor.takeSign() }
            return body(&cursor) && cursor.isAtEnd
        }
        func exponent(_ c: inout Cursor, signRequired: Bool) -> Bool {
            guard c.take("e") || c.take("E") else { return true }
            let hasSign = c.take("+") || c.take("-")
            if signRequired && !hasSign { return false }
            return c.take(while: isDigit) > 0
        }
        return matches(signed: true) { c in
            guard let first = c.current, isDigit(first) else { return false }
            c.take(while: isDigitOrUnderscore)
            if c.take(".") { c.take(while: isDigitOrUnderscore) }
            return exponent(&c, signRequired: false)
        }
            || matches(signed: false) { c in
                c.take(".") && c.take(while: isDigitOrUnderscore) > 0 && exponent(&c, signRequired: true)
            }
            || matches(signed: true) { c in
                guard let first = c.current, isDigit(first) else { return false }
                c.take(while: isDigitOrUnderscore)
                guard takeSexagesimalGroupsBeforeDot(&c), c.take(".") else { return false }
                c.take(while: isDigitOrUnderscore)
                return true
            }
            || matches(signed: true) { c in c.take(".") && c.takeAny(of: ["inf", "Inf", "INF"]) }
            || matches(signed: false) { c in c.take(".") && c.takeAny(of: ["nan", "NaN", "NAN"]) }
    }

    /// `(:[0-5]?[0-9])+` followed by a `.` (not taken).
    private static func takeSexagesimalGroupsBeforeDot(_ cursor: inout Cursor) -> Bool {
        takeSexagesimalGroups(&cursor) && cursor.current == UInt8(ascii: ".")
    }

    /// `YYYY-MM-DD`, or `YYYY-M?M-D?D` then `T`, `t` or blanks, `H?H:MM:SS(.f*)?` and an optional zone
    /// (`[ \t]*(Z|[-+]H?H(:MM)?)`).
    static func isTimestamp(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var c = Cursor(bytes: bytes)
        func digits(_ range: ClosedRange<Int>) -> Bool { range.contains(c.take(while: isDigit)) }
        guard c.take(while: isDigit) == 4, c.take("-") else { return false }
        let month = c.take(while: isDigit)
        guard (1...2).contains(month), c.take("-") else { return false }
        let day = c.take(while: isDigit)
        guard (1...2).contains(day) else { return false }
        if c.isAtEnd { return month == 2 && day == 2 }
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard c.take("T") || c.take("t") || c.take(while: blank) > 0 else { return false }
        guard digits(1...2), c.take(":"), c.take(while: isDigit) == 2, c.take(":"), c.take(while: isDigit) == 2
        else { return false }
        if c.take(".") { c.take(while: isDigit) }
        if c.isAtEnd { return true }
        c.take(while: blank)
        if c.take("Z") { return c.isAtEnd }
        guard c.take("+") || c.take("-"), digits(1...2) else { return false }
        if c.take(":") { guard c.take(while: isDigit) == 2 else { return false } }
        return c.isAtEnd
    }
}
