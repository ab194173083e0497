/// The text of a Taskfile, for mapping positions to `line:column` and back.
///
/// Lines end where libyaml ends them (LF, CR LF, CR, NEL, LS, PS), so that libyaml's marks and the
/// locations found here agree. Columns count Unicode scalars, as libyaml's marks do. Positions are kept
/// as UTF-8 byte offsets with a table of line starts, so that building the text and each lookup cost
/// time proportional to the bytes involved, whatever the length of a line.
struct SourceText {
    let file: String
    let text: String
    /// The UTF-8 bytes of ``text``.
    let bytes: [UInt8]
    /// The byte offset where each line starts.
    private let lineStarts: [Int]
    /// The byte offset where each line ends (before its line break).
    private let lineEnds: [Int]
    /// Whether each line is plain ASCII (then byte and scalar columns are the same).
    private let lineIsASCII: [Bool]

    /// Where ``nextOccurrence(of:after:)`` continues searching, and where it stops.
    struct Cursor {
        fileprivate var offset: Int
        fileprivate var line: Int
        fileprivate var column: Int
        /// The byte offset no match may start at or after.
        fileprivate let end: Int
    }

    /// Decodes `bytes` as UTF-8 (a leading byte-order mark is dropped).
    ///
    /// - Throws: `TaskfileError.invalidUTF8` with the location of the first byte that is not UTF-8.
    init(bytes: [UInt8], file: String) throws(TaskfileError) {
        self.file = file
        let bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        var starts = [0]
        var ends: [Int] = []
        var isASCII: [Bool] = []
        bytes.withUnsafeBufferPointer { buffer in
            var ascii = true
            var index = 0
            let count = buffer.count
            while index < count {
                let byte = buffer[index]
                var breakLength = 0
                if byte == 0x0A {
                    breakLength = 1
                } else if byte == 0x0D {
                    breakLength = index + 1 < count && buffer[index + 1] == 0x0A ? 2 : 1
                } else if byte == 0xC2 && index + 1 < count && buffer[index + 1] == 0x85 {
                    breakLength = 2
                } else if byte == 0xE2 && index + 2 < count && buffer[index + 1] == 0x80
                    && (buffer[index + 2] == 0xA8 || buffer[index + 2] == 0xA9)
                {
                    breakLength = 3
                }
                if breakLength == 0 {
                    if byte >= 0x80 { ascii = false }
                    index += 1
                    continue
                }
                ends.append(index)
                isASCII.append(ascii)
                index += breakLength
                starts.append(index)
                ascii = true
            }
            ends.append(count)
            isASCII.append(ascii)
        }
        self.bytes = bytes
        lineStarts = starts
        lineEnds = ends
        lineIsASCII = isASCII
        guard let text = String(validating: bytes, as: UTF8.self) else {
            self.text = ""
            throw .invalidUTF8(location(ofByteOffset: Self.firstInvalidByte(bytes)))
        }
        self.text = text
    }

    /// The offset of the first byte that does not belong to a well-formed UTF-8 sequence (the count
    /// when there is none). A plain loop: the standard library's generic parser is slow in debug builds.
    private static func firstInvalidByte(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                let lead = buffer[index]
                if lead < 0x80 {
                    index += 1
                    continue
                }
                var length = 2
                var secondRange: ClosedRange<UInt8> = 0x80...0xBF
                switch lead {
                case 0xC2...0xDF: length = 2
                case 0xE0: (length, secondRange) = (3, 0xA0...0xBF)
                case 0xED: (length, secondRange) = (3, 0x80...0x9F)
                case 0xE1...0xEF: length = 3
                case 0xF0: (length, secondRange) = (4, 0x90...0xBF)
                case 0xF1...0xF3: length = 4
                case 0xF4: (length, secondRange) = (4, 0x80...0x8F)
                default: return index
                }
                guard index + length <= buffer.count, secondRange.contains(buffer[index + 1]) else { return index }
                for offset in 2..<length where buffer[index + offset] & 0xC0 != 0x80 { return index }
                index += length
            }
            return index
        }
    }

    /// The location of a 1-based line and column, clamped to the text (libyaml reports the end of a
    /// file without a final line break on the line after the last).
    func location(line: Int, column: Int) -> SourceLocation {
        if line > lineStarts.count {
            return SourceLocation(file: file, line: lineStarts.count, column: width(ofLine: lineStarts.count - 1) + 1)
        }
        let index = max(line, 1) - 1
        let column = min(max(column, 1), width(ofLine: index) + 1)
        return SourceLocation(file: file, line: index + 1, column: column)
    }

    /// The number of scalars on a line (0-based index).
    private func width(ofLine index: Int) -> Int {
        if lineIsASCII[index] { return lineEnds[index] - lineStarts[index] }
        return scalarCount(from: lineStarts[index], to: lineEnds[index])
    }

    private func scalarCount(from start: Int, to end: Int) -> Int {
        var count = 0
        for offset in start..<end where bytes[offset] & 0xC0 != 0x80 { count += 1 }
        return count
    }

    /// The 0-based line holding a byte offset.
    private func line(ofByteOffset offset: Int) -> Int {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// The location of a byte offset.
    func location(ofByteOffset offset: Int) -> SourceLocation {
        let line = line(ofByteOffset: offset)
        let start = lineStarts[line]
        let end = min(offset, lineEnds[line])
        let column = lineIsASCII[line] ? end - start : scalarCount(from: start, to: end)
        return SourceLocation(file: file, line: line + 1, column: column + 1)
    }

    /// A cursor at a location (clamped to the text) whose searches end `window` bytes further.
    func cursor(at location: SourceLocation, window: Int) -> Cursor {
        let clamped = self.location(line: location.line, column: location.column)
        let line = clamped.line - 1
        var offset = lineStarts[line]
        if lineIsASCII[line] {
            offset += clamped.column - 1
        } else {
            var column = 1
            while column < clamped.column {
                offset += 1
                while offset < lineEnds[line] && bytes[offset] & 0xC0 == 0x80 { offset += 1 }
                column += 1
            }
        }
        return Cursor(
            offset: offset, line: line, column: clamped.column, end: min(bytes.count, offset + max(0, window)))
    }

    /// The location of the next appearance of `needle` at or after `cursor` and before its end; the
    /// cursor moves past the match, or to its end when there is none (so later searches fail at once).
    /// A needle never matches across a line break.
    ///
    /// - Complexity: O(*b*), where *b* is the number of bytes searched (and, on a non-ASCII line,
    ///   walked from the cursor to the match): all the searches of one cursor cost O(window) together.
    func nextOccurrence(of needle: String, after cursor: inout Cursor) -> SourceLocation? {
        let needle = Array(needle.utf8)
        guard let first = needle.first else { return nil }
        var offset = cursor.offset
        while offset < cursor.end && offset + needle.count <= bytes.count {
            if bytes[offset] == first && bytes[offset..<offset + needle.count].elementsEqual(needle) {
                let line = self.line(ofByteOffset: offset)
                if offset + needle.count <= lineEnds[line] {
                    let column =
                        if lineIsASCII[line] {
                            offset - lineStarts[line] + 1
                        } else if line == cursor.line && cursor.offset <= offset {
                            cursor.column + scalarCount(from: cursor.offset, to: offset)
                        } else {
                            scalarCount(from: lineStarts[line], to: offset) + 1
                        }
                    let matchEnd = offset + needle.count
                    cursor = Cursor(
                        offset: matchEnd, line: line, column: column + scalarCount(from: offset, to: matchEnd),
                        end: cursor.end)
                    return SourceLocation(file: file, line: line + 1, column: column)
                }
            }
            offset += 1
        }
        cursor.offset = cursor.end
        return nil
    }

    /// Whether the text at `location` is an alias (`*name`).
    func startsWithAlias(at location: SourceLocation) -> Bool {
        byte(at: location) == UInt8(ascii: "*")
    }

    /// Whether the text at `location` is a tab.
    func startsWithTab(at location: SourceLocation) -> Bool {
        byte(at: location) == UInt8(ascii: "\t")
    }

    private func byte(at location: SourceLocation) -> UInt8? {
        let cursor = cursor(at: location, window: 0)
        return cursor.offset < bytes.count ? bytes[cursor.offset] : nil
    }

    /// The location of the next mapping key `key` written at the same column as `first`, below it:
    /// where a block mapping repeats a key.
    func repeatedKey(_ key: String, after first: SourceLocation) -> SourceLocation? {
        let column = first.column - 1
        let forms = [key, "'\(key)'", "\"\(key)\""].map { Array(($0 + ":").utf8) }
        var line = first.line
        while line < lineStarts.count {
            let start = lineStarts[line]
            let end = lineEnds[line]
            var indentation = 0
            while start + indentation < end && bytes[start + indentation] == UInt8(ascii: " ") { indentation += 1 }
            if indentation < column && start + indentation < end && bytes[start + indentation] != UInt8(ascii: "#") {
                return nil
            }
            if indentation == column {
                let rest = bytes[(start + column)..<end]
                for form in forms where rest.starts(with: form) {
                    return SourceLocation(file: file, line: line + 1, column: column + 1)
                }
            }
            line += 1
        }
        return nil
    }

    /// The location of the `offset`-th character (grapheme cluster) of the text.
    func location(ofCharacterOffset offset: Int) -> SourceLocation {
        let index = text.index(text.startIndex, offsetBy: max(0, offset), limitedBy: text.endIndex) ?? text.endIndex
        return location(ofByteOffset: text.utf8.distance(from: text.utf8.startIndex, to: index))
    }
}
