import Yams

/// A key and its value in a YAML mapping, with the key's location.
struct MappingEntry {
    let key: String
    let keyLocation: SourceLocation
    let value: YAMLNode
}

// MARK: - Reading YAML nodes

extension TaskfileReader {
    /// Where `node` starts.
    func location(of node: YAMLNode) -> SourceLocation {
        source.location(line: node.line, column: node.column)
    }

    /// The resolved tag of `node` (`str`, `int`, `float`, `bool`, `null`, `map`, `seq`, `merge`, …).
    func tagName(_ node: YAMLNode) -> YAMLNode.Tag { node.tag }

    /// What `node` is, for "must be …, not …" messages.
    func kindName(of node: YAMLNode) -> String {
        switch node.kind {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar:
            switch tagName(node) {
            case .null: return "null"
            case .bool: return "a boolean ('\(node.string)')"
            case .int, .float: return "a number ('\(node.string)')"
            default: return "a string ('\(node.string)')"
            }
        }
    }

    /// Whether `node` is a null scalar (`~`, `null`, or nothing).
    func isNull(_ node: YAMLNode) -> Bool {
        node.kind == .scalar && tagName(node) == .null
    }

    /// The entries of a mapping in file order, `<<` merge keys expanded (explicit keys win).
    ///
    /// A null value reads as an empty mapping.
    func entries(of node: YAMLNode, key: String, expected: String = "a mapping") throws(TaskfileError)
        -> [MappingEntry]
    {
        if isNull(node) { return [] }
        guard node.kind == .mapping else {
            throw .wrongType(location(of: node), key: key, expected: expected, found: kindName(of: node))
        }
        try charge(node.pairCount, reading: node, key: key)
        var explicit: [MappingEntry] = []
        explicit.reserveCapacity(node.pairCount)
        var merged: [MappingEntry] = []
        let children = node.children
        for index in stride(from: 0, to: children.count, by: 2) {
            let keyNode = children[index]
            let value = children[index + 1]
            if tagName(keyNode) == .merge {
                let sources = value.kind == .sequence ? value.children : [value]
                for source in sources {
                    merged += try entries(of: source, key: "<<")
                }
                continue
            }
            guard keyNode.kind == .scalar else {
                throw .wrongType(
                    location(of: keyNode), key: key, expected: "a mapping with plain keys", found: "a complex key")
            }
            explicit.append(MappingEntry(key: keyNode.string, keyLocation: location(of: keyNode), value: value))
        }
        // Merge keys are rare: without them the explicit entries are the answer.
        if merged.isEmpty { return explicit }
        let explicitKeys = Set(explicit.map(\.key))
        var seen: Set<String> = []
        let kept = merged.filter { !explicitKeys.contains($0.key) && seen.insert($0.key).inserted }
        return kept + explicit
    }

    /// Charges `count` values read from `node` to the ``ExpansionBudget``.
    private func charge(_ count: Int, reading node: YAMLNode, key: String) throws(TaskfileError) {
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
    func string(_ node: YAMLNode, key: String, nullAsEmpty: Bool = false) throws(TaskfileError) -> String {
        if nullAsEmpty && isNull(node) { return "" }
        guard node.kind == .scalar, tagName(node) != .null else {
            throw .wrongType(location(of: node), key: key, expected: "a string", found: kindName(of: node))
        }
        return node.string
    }

    /// A string or a list of strings, each with its node; null reads as an empty list.
    func strings(_ node: YAMLNode, key: String) throws(TaskfileError) -> [(text: String, node: YAMLNode)] {
        if isNull(node) { return [] }
        let items: [YAMLNode]
        switch node.kind {
        case .sequence: items = node.children
        case .scalar: items = [node]
        default:
            throw .wrongType(
                location(of: node), key: key, expected: "a string or a list of strings", found: kindName(of: node))
        }
        try charge(items.count, reading: node, key: key)
        var result: [(text: String, node: YAMLNode)] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard item.kind == .scalar, tagName(item) != .null else {
                throw .wrongType(
                    location(of: item), key: key, expected: "a string or a list of strings",
                    found: "a list containing \(kindName(of: item))")
            }
            result.append((item.string, item))
        }
        return result
    }

    /// A finite number (integer or decimal).
    func number(_ node: YAMLNode, key: String) throws(TaskfileError) -> Double {
        guard node.kind == .scalar else {
            throw .wrongType(location(of: node), key: key, expected: "a number", found: kindName(of: node))
        }
        let value: Double?
        switch tagName(node) {
        case .int:
            value = Self.integerValue(node.string).map(Double.init) ?? Self.floatValue(node) ?? Double(node.string)
        case .float: value = Self.floatValue(node) ?? Double(node.string)
        case .str: value = Double(node.string)
        default: value = nil
        }
        guard let value else {
            throw .wrongType(location(of: node), key: key, expected: "a number", found: kindName(of: node))
        }
        guard value.isFinite else {
            throw .invalidValue(location(of: node), key: key, value: node.string, reason: "must be a finite number")
        }
        return value
    }

    /// The value of a scalar as Yams's `Node.float` reads it (`nil` unless plain).
    private static func floatValue(_ node: YAMLNode) -> Double? {
        guard node.style == .plain || node.style == .any else { return nil }
        return Double.construct(from: Node.Scalar(node.string))
    }

    /// An amount of `resource`: a number, or for `mem` also an amount with a unit (`16GB`, ``MemorySyntax``).
    func resourceAmount(_ node: YAMLNode, resource: String, key: String) throws(TaskfileError) -> Double {
        if resource == MemorySyntax.resource, node.kind == .scalar, tagName(node) == .str {
            guard let bytes = MemorySyntax.parse(node.string) else {
                throw .invalidValue(
                    location(of: node), key: key, value: node.string,
                    reason: "expected an amount of memory such as 512MB, 16GB or 2GiB")
            }
            return bytes
        }
        return try number(node, key: key)
    }

    /// A whole number.
    func integer(_ node: YAMLNode, key: String) throws(TaskfileError) -> Int {
        if node.kind == .scalar, tagName(node) != .bool, tagName(node) != .null {
            if let value = tagName(node) == .int ? Self.integerValue(node.string) : Int(node.string) {
                return value
            }
            if tagName(node) == .int {
                throw .invalidValue(location(of: node), key: key, value: node.string, reason: "is out of range")
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
    func boolean(_ node: YAMLNode, key: String) throws(TaskfileError) -> Bool {
        guard tagName(node) == .bool, let value = node.boolValue else {
            throw .wrongType(location(of: node), key: key, expected: "true or false", found: kindName(of: node))
        }
        return value
    }

    /// A duration such as `200ms` or `1m30s`; `positive` refuses zero.
    func duration(_ node: YAMLNode, key: String, positive: Bool) throws(TaskfileError) -> Duration {
        guard node.kind == .scalar, tagName(node) != .null else {
            throw .wrongType(
                location(of: node), key: key, expected: "a duration such as '5s'", found: kindName(of: node))
        }
        guard let duration = DurationSyntax.parse(node.string) else {
            throw .invalidDuration(location(of: node), key: key, text: node.string)
        }
        if positive && duration <= .zero {
            throw .invalidValue(location(of: node), key: key, value: node.string, reason: "must be longer than zero")
        }
        return duration
    }

    /// Parses a string into a template, locating its placeholders in the source.
    ///
    /// Placeholders are looked for in order, each after the previous one, within a window of the
    /// source proportional to the string's length (escapes and indentation make the source longer than
    /// the string). One not found there (written with escapes), and every one after it, is located at
    /// the string's start; so locating costs time linear in the string, however hostile.
    func template(_ text: String, node: YAMLNode) throws(TaskfileError) -> Template {
        let start = location(of: node)
        let quoted = node.kind == .scalar && (node.style == .singleQuoted || node.style == .doubleQuoted)
        let search = quoted ? SourceLocation(file: start.file, line: start.line, column: start.column + 1) : start
        var cursor = source.cursor(at: search, window: 16 * text.utf8.count + 4_096)
        return try Template.parse(text, at: start) { written, _ in
            source.nextOccurrence(of: written, after: &cursor)
        }
    }
}
