/// Composes the block-YAML subset Taskfiles are written in, straight from the UTF-8 bytes, or declines.
///
/// Why by hand: reading a generated 10,000-task Taskfile (1.3 MB) took about 250 ms, half of it in Yams's
/// `compose` (libyaml's events, Yams's nodes, its duplicate-key check hashing every key) and most of the
/// rest walking Yams's nodes. This composer reads such a file in one pass and builds ``YAMLNode``s directly.
///
/// What it reads: block mappings and block sequences nested by indentation (compact `- key: value` and
/// `- - item` too, and a sequence at its key's indentation), plain scalars on one line, single- and
/// double-quoted scalars on one line (every escape of YAML's double quotes), flow sequences and flow mappings
/// of such scalars on one line, comments and blank lines.
///
/// It declines (``compose()`` returns `nil`, and Yams composes the text as before, so every error and every
/// unusual construct is handled in one place) on anything else: anchors, aliases, tags, block scalars (`|`,
/// `>`), scalars or flow collections over several lines, nested flow collections, `?` keys, directives and
/// document markers, tabs, line breaks other than LF, control characters, duplicate keys, an empty document,
/// a document that is one scalar, and keys holding `*`. For every text it accepts, the tree is the one the
/// Yams path builds: strings, tags, styles, order, lines and columns.
struct FastYAMLComposer {
    let source: SourceText

    /// The composed document, or `nil` when the text is not in the subset.
    func compose() -> YAMLNode? {
        source.bytes.withUnsafeBufferPointer { buffer in
            var scanner = Scanner(bytes: buffer)
            return try? scanner.document()
        }
    }
}

/// Thrown inside the composer when the text leaves the subset.
private struct Decline: Error {}

/// The deepest nesting the composer follows; libyaml refuses past 1,000 levels, Taskfiles use about four.
private let maximumDepth = 64

/// One pass over the bytes. The current line is always the next line with content (not blank, not only a
/// comment) after what was read: ``indent`` is its indentation, or `nil` at the end of the text.
private struct Scanner {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Whether plain scalars are tagged by hand (the text holds no `!`); see ``TaskfileReader``.
    var tagsPlainScalarsByHand = true
    /// The current line: its 1-based number, where it starts and ends (before the line break).
    var line = 0
    var lineStart = 0
    var lineEnd = 0
    var lineIsASCII = true
    /// The indentation of the current line, `nil` at the end of the text.
    var indent: Int?
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func document() throws(Decline) -> YAMLNode {
        try checkCharacters()
        load(lineAt: 0, number: 1)
        try skipToContent()
        guard let indent else { throw Decline() }
        let root = try block(indent: indent)
        guard self.indent == nil else { throw Decline() }
        return root
    }

    // MARK: - Characters and lines

    /// Declines on the characters libyaml refuses or reads otherwise than the subset assumes: control
    /// characters (tabs and CR included), NEL, LS, PS, byte-order marks and non-characters.
    mutating func checkCharacters() throws(Decline) {
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte < 0x80 {
                if (byte < 0x20 && byte != 0x0A) || byte == 0x7F { throw Decline() }
                if byte == UInt8(ascii: "!") { tagsPlainScalarsByHand = false }
                index += 1
                continue
            }
            var scalar: UInt32
            var length: Int
            if byte >= 0xF0 {
                (scalar, length) = (UInt32(byte & 0x07), 4)
            } else if byte >= 0xE0 {
                (scalar, length) = (UInt32(byte & 0x0F), 3)
            } else {
                (scalar, length) = (UInt32(byte & 0x1F), 2)
            }
            // The text is valid UTF-8 (SourceText checked it).
            for offset in 1..<length { scalar = scalar << 6 | UInt32(bytes[index + offset] & 0x3F) }
            if scalar < 0xA0 || scalar == 0x2028 || scalar == 0x2029 || scalar == 0xFEFF || scalar == 0xFFFE
                || scalar == 0xFFFF
            {
                throw Decline()
            }
            index += length
        }
    }

    mutating func load(lineAt start: Int, number: Int) {
        line = number
        lineStart = start
        var index = start
        var ascii = true
        while index < bytes.count && bytes[index] != 0x0A {
            if bytes[index] >= 0x80 { ascii = false }
            index += 1
        }
        lineEnd = index
        lineIsASCII = ascii
    }

    /// From the current line on, finds the next line with content; sets ``indent``.
    mutating func skipToContent() throws(Decline) {
        while true {
            var index = lineStart
            while index < lineEnd && bytes[index] == UInt8(ascii: " ") { index += 1 }
            if index < lineEnd && bytes[index] != UInt8(ascii: "#") {
                let column = index - lineStart
                // Directives and document markers.
                if column == 0 && (bytes[index] == UInt8(ascii: "%") || startsWithMarker(at: index)) {
                    throw Decline()
                }
                indent = column
                return
            }
            guard lineEnd < bytes.count else {
                indent = nil
                return
            }
            load(lineAt: lineEnd + 1, number: line + 1)
        }
    }

    func startsWithMarker(at index: Int) -> Bool {
        guard index + 3 <= lineEnd else { return false }
        let first = bytes[index]
        return (first == UInt8(ascii: "-") || first == UInt8(ascii: ".")) && bytes[index + 1] == first
            && bytes[index + 2] == first
    }

    /// Moves to the next line with content after the current one.
    mutating func advance() throws(Decline) {
        guard lineEnd < bytes.count else {
            indent = nil
            return
        }
        load(lineAt: lineEnd + 1, number: line + 1)
        try skipToContent()
    }

    /// The 1-based column of a byte offset on the current line, in Unicode scalars.
    func column(of offset: Int) -> Int {
        if lineIsASCII { return offset - lineStart + 1 }
        var count = 1
        for index in lineStart..<offset where bytes[index] & 0xC0 != 0x80 { count += 1 }
        return count
    }

    func isBlankOrEnd(_ offset: Int) -> Bool {
        offset >= lineEnd || bytes[offset] == UInt8(ascii: " ")
    }

    func skippingSpaces(from offset: Int) -> Int {
        var index = offset
        while index < lineEnd && bytes[index] == UInt8(ascii: " ") { index += 1 }
        return index
    }

    func text(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    /// After a value: spaces, then the end of the line or a comment.
    func expectEndOfLine(from offset: Int) throws(Decline) {
        let index = skippingSpaces(from: offset)
        if index == lineEnd { return }
        guard index > offset, bytes[index] == UInt8(ascii: "#") else { throw Decline() }
    }

    // MARK: - Block collections

    /// A block mapping or sequence starting at the current line's indentation.
    mutating func block(indent: Int) throws(Decline) -> YAMLNode {
        let start = lineStart + indent
        if isSequenceEntry(at: start) { return try sequence(column: indent, isIndentless: false) }
        guard key(at: start) != nil else { throw Decline() }
        return try mapping(column: indent)
    }

    /// `-` followed by a space or the end of the line.
    func isSequenceEntry(at offset: Int) -> Bool {
        offset < lineEnd && bytes[offset] == UInt8(ascii: "-") && isBlankOrEnd(offset + 1)
    }

    /// A block sequence whose entries' `-` stand at `column` (0-based bytes; only spaces and `- ` precede it),
    /// starting on the current line.
    mutating func sequence(column: Int, isIndentless: Bool) throws(Decline) -> YAMLNode {
        depth += 1
        if depth > maximumDepth { throw Decline() }
        defer { depth -= 1 }
        let markLine = line
        var items: [YAMLNode] = []
        while true {
            let dash = lineStart + column
            let content = skippingSpaces(from: dash + 1)
            if content == lineEnd || bytes[content] == UInt8(ascii: "#") {
                let emptyLine = line
                try advance()
                if let indent, indent > column {
                    items.append(try block(indent: indent))
                } else {
                    items.append(YAMLNode.scalar("", style: .plain, line: emptyLine, column: column + 2))
                }
            } else if isSequenceEntry(at: content) {
                items.append(try sequence(column: content - lineStart, isIndentless: false))
            } else if key(at: content) != nil {
                items.append(try mapping(column: content - lineStart))
            } else {
                let (node, end) = try inlineValue(at: content)
                try expectEndOfLine(from: end)
                items.append(node)
                try advance()
            }
            guard let indent, indent >= column else { break }
            guard indent == column else { throw Decline() }
            guard isSequenceEntry(at: lineStart + column) else {
                if isIndentless { break }
                throw Decline()
            }
        }
        return YAMLNode(kind: .sequence, tag: .seq, line: markLine, column: column + 1, children: items)
    }

    /// A block mapping whose keys stand at `column`, starting on the current line.
    mutating func mapping(column: Int) throws(Decline) -> YAMLNode {
        depth += 1
        if depth > maximumDepth { throw Decline() }
        defer { depth -= 1 }
        let markLine = line
        var children: [YAMLNode] = []
        var keys: Set<String> = []
        while true {
            guard let (keyNode, colon) = key(at: lineStart + column) else { throw Decline() }
            // Duplicate keys are Yams's to report. A few keys are compared directly, many through a set.
            let keyCount = children.count / 2
            if keyCount < 16 {
                for index in stride(from: 0, to: children.count, by: 2) where children[index].string == keyNode.string {
                    throw Decline()
                }
                if keyCount == 15 {
                    keys = Set(stride(from: 0, to: children.count, by: 2).map { children[$0].string })
                    keys.insert(keyNode.string)
                }
            } else {
                guard keys.insert(keyNode.string).inserted else { throw Decline() }
            }
            children.append(keyNode)
            let content = skippingSpaces(from: colon + 1)
            if content == lineEnd || bytes[content] == UInt8(ascii: "#") {
                let emptyLine = line
                let emptyColumn = self.column(of: colon) + 1
                try advance()
                if let indent, indent > column {
                    children.append(try block(indent: indent))
                } else if let indent, indent == column, isSequenceEntry(at: lineStart + column) {
                    children.append(try sequence(column: column, isIndentless: true))
                } else {
                    children.append(YAMLNode.scalar("", style: .plain, line: emptyLine, column: emptyColumn))
                }
            } else {
                let (node, end) = try inlineValue(at: content)
                try expectEndOfLine(from: end)
                children.append(node)
                try advance()
            }
            guard let indent, indent >= column else { break }
            guard indent == column, !isSequenceEntry(at: lineStart + column) else { throw Decline() }
        }
        return YAMLNode(kind: .mapping, tag: .map, line: markLine, column: column + 1, children: children)
    }

    /// The key at `offset` and the offset of its `:` (followed by a space or the end of the line), or `nil`
    /// when the text there is not a key.
    func key(at offset: Int) -> (YAMLNode, Int)? {
        guard offset < lineEnd else { return nil }
        let node: YAMLNode
        let colon: Int
        let first = bytes[offset]
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            guard let (quoted, end) = try? quotedScalar(at: offset), end < lineEnd, bytes[end] == UInt8(ascii: ":"),
                isBlankOrEnd(end + 1)
            else { return nil }
            (node, colon) = (quoted, end)
        } else {
            guard isPlainStart(at: offset, inFlow: false) else { return nil }
            let (end, stop) = plainEnd(from: offset, inFlow: false)
            guard stop < lineEnd, bytes[stop] == UInt8(ascii: ":") else { return nil }
            node = plainScalar(offset, end, isKey: true)
            colon = stop
        }
        // libyaml allows a simple key of at most 1,024 characters; a key with `*` would change the keys
        // refuseAliasKeys checks.
        guard colon - offset < 1_000, !node.string.utf8.contains(UInt8(ascii: "*")) else { return nil }
        return (node, colon)
    }

    // MARK: - Scalars

    /// Whether a plain scalar may start at `offset` (libyaml's rule, for a single line).
    func isPlainStart(at offset: Int, inFlow: Bool) -> Bool {
        guard offset < lineEnd else { return false }
        switch bytes[offset] {
        case UInt8(ascii: " "), UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"),
            UInt8(ascii: "}"), UInt8(ascii: "#"), UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"),
            UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "%"),
            UInt8(ascii: "@"), UInt8(ascii: "`"):
            return false
        case UInt8(ascii: "-"):
            guard !isBlankOrEnd(offset + 1) else { return false }
            return !inFlow || !isFlowIndicator(bytes[offset + 1])
        case UInt8(ascii: "?"), UInt8(ascii: ":"):
            return !inFlow && !isBlankOrEnd(offset + 1)
        default:
            return true
        }
    }

    func isFlowIndicator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
            || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}")
    }

    /// Where a plain scalar from `start` ends (after its last non-space) and where scanning stopped: at a
    /// `:` followed by a space or the end of the line, at a comment, at the end of the line, or (in flow)
    /// at a flow indicator or any `:`.
    func plainEnd(from start: Int, inFlow: Bool) -> (end: Int, stop: Int) {
        var index = start
        var end = start
        while index < lineEnd {
            let byte = bytes[index]
            if byte == UInt8(ascii: " ") {
                let next = skippingSpaces(from: index)
                if next == lineEnd || bytes[next] == UInt8(ascii: "#") { return (end, next) }
                index = next
                continue
            }
            if byte == UInt8(ascii: ":") && (inFlow || isBlankOrEnd(index + 1)) { return (end, index) }
            if inFlow && isFlowIndicator(byte) { return (end, index) }
            index += 1
            end = index
        }
        return (end, index)
    }

    func plainScalar(_ start: Int, _ end: Int, isKey: Bool) -> YAMLNode {
        let node = YAMLNode.scalar(text(start, end), style: .plain, line: line, column: column(of: start))
        // Yams resolves each key's tag while checking for duplicates, and then reads no boolean from a key
        // tagged by hand (its tag reads `str` by then); no reader asks, but the trees stay equal.
        if isKey && tagsPlainScalarsByHand && node.boolValue != nil {
            return YAMLNode(
                kind: .scalar, tag: node.tag, style: .plain, string: node.string, line: node.line,
                column: node.column)
        }
        return node
    }

    /// A single- or double-quoted scalar on one line starting at `offset`, and the offset after its closing
    /// quote.
    func quotedScalar(at offset: Int) throws(Decline) -> (YAMLNode, Int) {
        let quote = bytes[offset]
        let isSingle = quote == UInt8(ascii: "'")
        var index = offset + 1
        var runStart = index
        var decoded: [UInt8] = []
        var hasEscapes = false
        while true {
            guard index < lineEnd else { throw Decline() }
            let byte = bytes[index]
            if byte == quote {
                if isSingle && index + 1 < lineEnd && bytes[index + 1] == quote {
                    decoded += UnsafeBufferPointer(rebasing: bytes[runStart..<(index + 1)])
                    hasEscapes = true
                    index += 2
                    runStart = index
                    continue
                }
                break
            }
            if !isSingle && byte == UInt8(ascii: "\\") {
                decoded += UnsafeBufferPointer(rebasing: bytes[runStart..<index])
                hasEscapes = true
                index = try escape(at: index, into: &decoded)
                runStart = index
                continue
            }
            index += 1
        }
        let string: String
        if hasEscapes {
            decoded += UnsafeBufferPointer(rebasing: bytes[runStart..<index])
            string = String(decoding: decoded, as: UTF8.self)
        } else {
            string = text(runStart, index)
        }
        let node = YAMLNode(
            kind: .scalar, tag: .str, style: isSingle ? .singleQuoted : .doubleQuoted, string: string, line: line,
            column: column(of: offset))
        return (node, index + 1)
    }

    /// Decodes the escape at `offset` (a backslash) into `decoded`; returns the offset after it.
    func escape(at offset: Int, into decoded: inout [UInt8]) throws(Decline) -> Int {
        guard offset + 1 < lineEnd else { throw Decline() }
        let simple: UInt32? =
            switch bytes[offset + 1] {
            case UInt8(ascii: "0"): 0
            case UInt8(ascii: "a"): 0x07
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "t"): 0x09
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "v"): 0x0B
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "e"): 0x1B
            case UInt8(ascii: " "): 0x20
            case UInt8(ascii: "\""): 0x22
            case UInt8(ascii: "/"): 0x2F
            case UInt8(ascii: "\\"): 0x5C
            case UInt8(ascii: "N"): 0x85
            case UInt8(ascii: "_"): 0xA0
            case UInt8(ascii: "L"): 0x2028
            case UInt8(ascii: "P"): 0x2029
            default: nil
            }
        var value: UInt32
        var end = offset + 2
        if let simple {
            value = simple
        } else {
            let length: Int
            switch bytes[offset + 1] {
            case UInt8(ascii: "x"): length = 2
            case UInt8(ascii: "u"): length = 4
            case UInt8(ascii: "U"): length = 8
            default: throw Decline()
            }
            guard end + length <= lineEnd else { throw Decline() }
            value = 0
            for index in end..<(end + length) {
                guard let digit = hexValue(bytes[index]) else { throw Decline() }
                value = value << 4 | digit
            }
            end += length
        }
        guard let scalar = Unicode.Scalar(value) else { throw Decline() }
        UTF8.encode(scalar) { decoded.append($0) }
        return end
    }

    func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// A value on the rest of a line (after `key: ` or `- `): a flow collection, a quoted or a plain scalar;
    /// and the offset after it.
    func inlineValue(at offset: Int) throws(Decline) -> (YAMLNode, Int) {
        switch bytes[offset] {
        case UInt8(ascii: "["): return try flowSequence(at: offset)
        case UInt8(ascii: "{"): return try flowMapping(at: offset)
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return try quotedScalar(at: offset)
        default:
            guard isPlainStart(at: offset, inFlow: false) else { throw Decline() }
            let (end, stop) = plainEnd(from: offset, inFlow: false)
            // A `:` here would make a mapping on a value's line: an error.
            guard stop == lineEnd || bytes[stop] == UInt8(ascii: "#") else { throw Decline() }
            return (plainScalar(offset, end, isKey: false), end)
        }
    }

    // MARK: - Flow collections

    /// A scalar inside a flow collection and the offset after it.
    func flowScalar(at offset: Int) throws(Decline) -> (YAMLNode, Int) {
        guard offset < lineEnd else { throw Decline() }
        if bytes[offset] == UInt8(ascii: "\"") || bytes[offset] == UInt8(ascii: "'") {
            return try quotedScalar(at: offset)
        }
        guard isPlainStart(at: offset, inFlow: true) else { throw Decline() }
        let (end, stop) = plainEnd(from: offset, inFlow: true)
        // A comment or the end of the line inside a flow collection: it goes on over several lines.
        guard stop < lineEnd, bytes[stop] != UInt8(ascii: "#") else { throw Decline() }
        return (plainScalar(offset, end, isKey: false), end)
    }

    /// `[a, "b", c]` on one line.
    func flowSequence(at offset: Int) throws(Decline) -> (YAMLNode, Int) {
        var items: [YAMLNode] = []
        var index = skippingSpaces(from: offset + 1)
        if index < lineEnd && bytes[index] == UInt8(ascii: "]") {
            index += 1
        } else {
            while true {
                let (item, end) = try flowScalar(at: index)
                items.append(item)
                index = skippingSpaces(from: end)
                guard index < lineEnd else { throw Decline() }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    break
                }
                guard bytes[index] == UInt8(ascii: ",") else { throw Decline() }
                index = skippingSpaces(from: index + 1)
            }
        }
        let node = YAMLNode(kind: .sequence, tag: .seq, line: line, column: column(of: offset), children: items)
        return (node, index)
    }

    /// `{a: 1, "b": c}` on one line.
    func flowMapping(at offset: Int) throws(Decline) -> (YAMLNode, Int) {
        var children: [YAMLNode] = []
        var index = skippingSpaces(from: offset + 1)
        if index < lineEnd && bytes[index] == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                let keyStart = index
                let (key, keyEnd) = try flowScalar(at: index)
                index = skippingSpaces(from: keyEnd)
                guard index < lineEnd, bytes[index] == UInt8(ascii: ":"), index + 1 < lineEnd,
                    bytes[index + 1] == UInt8(ascii: " "), index - keyStart < 1_000,
                    !key.string.utf8.contains(UInt8(ascii: "*"))
                else { throw Decline() }
                for existing in stride(from: 0, to: children.count, by: 2) where children[existing].string == key.string
                {
                    throw Decline()
                }
                let keyNode = key.style == .plain ? plainScalar(keyStart, keyEnd, isKey: true) : key
                let (value, end) = try flowScalar(at: skippingSpaces(from: index + 1))
                children.append(keyNode)
                children.append(value)
                index = skippingSpaces(from: end)
                guard index < lineEnd else { throw Decline() }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    break
                }
                guard bytes[index] == UInt8(ascii: ",") else { throw Decline() }
                index = skippingSpaces(from: index + 1)
            }
        }
        let node = YAMLNode(kind: .mapping, tag: .map, line: line, column: column(of: offset), children: children)
        return (node, index)
    }
}
