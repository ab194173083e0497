import Yams

/// A key and its value in a YAML mapping, with the key's location.
struct MappingEntry {
    let key: String
    let keyLocation: SourceLocation
    let value: Node
}

// MARK: - Reading YAML nodes

extension TaskfileReader {
    /// Where `node` starts.
    func location(of node: Node) -> SourceLocation {
        let mark = node.mark
        return source.location(line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// The resolved tag of `node` (`str`, `int`, `float`, `bool`, `null`, `map`, `seq`, `merge`, …).
    func tagName(_ node: Node) -> Tag.Name {
        if tagsPlainScalarsByHand, case .scalar(let scalar) = node, scalar.style == .plain {
            return PlainScalarTag.name(of: scalar.string)
        }
        return Tag.Name(rawValue: node.tag.rawValue)
    }

    /// What `node` is, for "must be …, not …" messages.
    func kindName(of node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch tagName(node) {
            case .null: return "null"
            case .bool: return "a boolean ('\(scalar.string)')"
            case .int, .float: return "a number ('\(scalar.string)')"
            default: return "a string ('\(scalar.string)')"
            }
        }
    }

    /// Whether `node` is a null scalar (`~`, `null`, or nothing).
    func isNull(_ node: Node) -> Bool {
        if case .scalar = node { return tagName(node) == .null }
        return false
    }

    /// The entries of a mapping in file order, `<<` merge keys expanded (explicit keys win).
    ///
    /// A null value reads as an empty mapping.
    func entries(of node: Node, key: String, expected: String = "a mapping") throws(TaskfileError) -> [MappingEntry] {
        if isNull(node) { return [] }
        guard case .mapping(let mapping) = node else {
            throw .wrongType(location(of: node), key: key, expected: expected, found: kindName(of: node))
        }
        try charge(mapping.count, reading: node, key: key)
        var explicit: [MappingEntry] = []
        var merged: [MappingEntry] = []
        for (keyNode, value) in mapping {
            if tagName(keyNode) == .merge {
                let sources: [Node]
                if case .sequence(let sequence) = value { sources = Array(sequence) } else { sources = [value] }
                for source in sources {
                    merged += try entries(of: source, key: "<<")
                }
                continue
            }
            guard case .scalar(let scalar) = keyNode else {
                throw .wrongType(
                    location(of: keyNode), key: key, expected: "a mapping with plain keys", found: "a complex key")
            }
            explicit.append(MappingEntry(key: scalar.string, keyLocation: location(of: keyNode), value: value))
        }
        let explicitKeys = Set(explicit.map(\.key))
        var seen: Set<String> = []
        let kept = merged.filter { !explicitKeys.contains($0.key) && seen.insert($0.key).inserted }
        return kept + explicit
    }

    /// Charges `count` values read from `node` to the ``ExpansionBudget``.
    private func charge(_ count: Int, reading node: Node, key: String) throws(TaskfileError) {
        guard budget.charge(count) else {
            throw .invalidValue(
                location(of: node), key: key, value: "",
                reason: "aliases expand the Taskfile to more than \(budget.limit) values")
        }
    }

    /// Throws `.unknownKey` for the first entry whose key is not in `allowed`.
    func checkKeys(_ entries: [MappingEntry], allowed: [String], context: String) throws(TaskfileError) {
        for entry in entries where !allowed.contains(entry.key) {
            throw .unknownKey(
                entry.keyLocation, key: entry.key, context: context,
                suggestion: Suggestion.closest(to: entry.key, in: allowed))
        }
    }

    /// The text of a scalar (numbers and booleans as written); `nullAsEmpty` turns null into "".
    func string(_ node: Node, key: String, nullAsEmpty: Bool = false) throws(TaskfileError) -> String {
        if nullAsEmpty && isNull(node) { return "" }
        guard case .scalar(let scalar) = node, tagName(node) != .null else {
            throw .wrongType(location(of: node), key: key, expected: "a string", found: kindName(of: node))
        }
        return scalar.string
    }

    /// A string or a list of strings, each with its node; null reads as an empty list.
    func strings(_ node: Node, key: String) throws(TaskfileError) -> [(text: String, node: Node)] {
        if isNull(node) { return [] }
        let items: [Node]
        switch node {
        case .sequence(let sequence): items = Array(sequence)
        case .scalar: items = [node]
        default:
            throw .wrongType(
                location(of: node), key: key, expected: "a string or a list of strings", found: kindName(of: node))
        }
        try charge(items.count, reading: node, key: key)
        var result: [(text: String, node: Node)] = []
        for item in items {
            guard case .scalar(let scalar) = item, tagName(item) != .null else {
                throw .wrongType(
                    location(of: item), key: key, expected: "a string or a list of strings",
                    found: "a list containing \(kindName(of: item))")
            }
            result.append((scalar.string, item))
        }
        return result
    }

    /// A finite number (integer or decimal).
    func number(_ node: Node, key: String) throws(TaskfileError) -> Double {
        guard case .scalar(let scalar) = node else {
            throw .wrongType(location(of: node), key: key, expected: "a number", found: kindName(of: node))
        }
        let value: Double?
        switch tagName(node) {
        case .int: value = Self.integerValue(scalar.string).map(Double.init) ?? node.float ?? Double(scalar.string)
        case .float: value = node.float ?? Double(scalar.string)
        case .str: value = Double(scalar.string)
        default: value = nil
        }
        guard let value else {
            throw .wrongType(location(of: node), key: key, expected: "a number", found: kindName(of: node))
        }
        guard value.isFinite else {
            throw .invalidValue(location(of: node), key: key, value: scalar.string, reason: "must be a finite number")
        }
        return value
    }

    /// An amount of `resource`: a number, or for `mem` also an amount with a unit (`16GB`, ``MemorySyntax``).
    func resourceAmount(_ node: Node, resource: String, key: String) throws(TaskfileError) -> Double {
        if resource == MemorySyntax.resource, case .scalar(let scalar) = node, tagName(node) == .str {
            guard let bytes = MemorySyntax.parse(scalar.string) else {
                throw .invalidValue(
                    location(of: node), key: key, value: scalar.string,
                    reason: "expected an amount of memory such as 512MB, 16GB or 2GiB")
            }
            return bytes
        }
        return try number(node, key: key)
    }

    /// A whole number.
    func integer(_ node: Node, key: String) throws(TaskfileError) -> Int {
        if case .scalar(let scalar) = node, tagName(node) != .bool, tagName(node) != .null {
            if let value = tagName(node) == .int ? Self.integerValue(scalar.string) : Int(scalar.string) {
                return value
            }
            if tagName(node) == .int {
                throw .invalidValue(location(of: node), key: key, value: scalar.string, reason: "is out of range")
            }
        }
        throw .wrongType(location(of: node), key: key, expected: "a whole number", found: kindName(of: node))
    }

    /// The value of a scalar YAML resolves as an integer, read as Yams reads it (`_` separators, `0x`,
    /// `0o`, `0b` and leading-zero octal, base 60 as in `1:30`), or `nil` when it does not fit in `Int`.
    ///
    /// Not `Node.int`: Yams computes base-60 values with trapping arithmetic, so a scalar such as
    /// `1:2:3:4:5:6:7:8:9:10:11` would stop the program.
    static func integerValue(_ written: String) -> Int? {
        let text = written.replacing("_", with: "")
        let isNegative = text.hasPrefix("-")
        let body = text.dropFirst(isNegative || text.hasPrefix("+") ? 1 : 0)
        if body == "0" { return 0 }
        let sign = isNegative ? "-" : ""
        for (prefix, radix) in [("0x", 16), ("0b", 2), ("0o", 8), ("0", 8)] where body.hasPrefix(prefix) {
            return Int(sign + body.dropFirst(prefix.count), radix: radix)
        }
        guard body.contains(":") else { return Int(text) }
        var value = 0
        for component in body.split(separator: ":", omittingEmptySubsequences: false) {
            guard let digit = Int(component, radix: 10) else { return nil }
            let (shifted, overflowed) = value.multipliedReportingOverflow(by: 60)
            let (sum, overflowedAgain) = shifted.addingReportingOverflow(digit)
            if overflowed || overflowedAgain { return nil }
            value = sum
        }
        return isNegative ? -value : value
    }

    /// `true` or `false` (YAML 1.1 spellings such as `yes` are accepted, as Yams reads them).
    func boolean(_ node: Node, key: String) throws(TaskfileError) -> Bool {
        guard tagName(node) == .bool, let value = node.bool else {
            throw .wrongType(location(of: node), key: key, expected: "true or false", found: kindName(of: node))
        }
        return value
    }

    /// A duration such as `200ms` or `1m30s`; `positive` refuses zero.
    func duration(_ node: Node, key: String, positive: Bool) throws(TaskfileError) -> Duration {
        guard case .scalar(let scalar) = node, tagName(node) != .null else {
            throw .wrongType(
                location(of: node), key: key, expected: "a duration such as '5s'", found: kindName(of: node))
        }
        guard let duration = DurationSyntax.parse(scalar.string) else {
            throw .invalidDuration(location(of: node), key: key, text: scalar.string)
        }
        if positive && duration <= .zero {
            throw .invalidValue(location(of: node), key: key, value: scalar.string, reason: "must be longer than zero")
        }
        return duration
    }

    /// Parses a string into a template, locating its placeholders in the source.
    ///
    /// Placeholders are looked for in order, each after the previous one, within a window of the
    /// source proportional to the string's length (escapes and indentation make the source longer than
    /// the string). One not found there (written with escapes), and every one after it, is located at
    /// the string's start; so locating costs time linear in the string, however hostile.
    func template(_ text: String, node: Node) throws(TaskfileError) -> Template {
        let start = location(of: node)
        var quoted = false
        if case .scalar(let scalar) = node {
            quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
        }
        let search = quoted ? SourceLocation(file: start.file, line: start.line, column: start.column + 1) : start
        var cursor = source.cursor(at: search, window: 16 * text.utf8.count + 4_096)
        return try Template.parse(text, at: start) { written, _ in
            source.nextOccurrence(of: written, after: &cursor)
        }
    }
}
