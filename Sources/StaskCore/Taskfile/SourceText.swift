/// The text of a Taskfile, for mapping positions to `line:column` and back.
///
/// Columns count Unicode scalars, as libyaml's marks do.
struct SourceText {
    let file: String
    let text: String
    private let lines: [[Unicode.Scalar]]

    /// Decodes `bytes` as UTF-8 (a leading byte-order mark is dropped).
    ///
    /// - Throws: `TaskfileError.invalidUTF8` with the location of the first byte that is not UTF-8.
    init(bytes: [UInt8], file: String) throws(TaskfileError) {
        self.file = file
        var bytes = bytes[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        var scalars = String.UnicodeScalarView()
        var lines: [[Unicode.Scalar]] = []
        var line: [Unicode.Scalar] = []
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                scalars.append(scalar)
                if scalar == "\n" {
                    lines.append(line)
                    line = []
                } else {
                    line.append(scalar)
                }
            case .emptyInput:
                break loop
            case .error:
                throw .invalidUTF8(SourceLocation(file: file, line: lines.count + 1, column: line.count + 1))
            }
        }
        lines.append(line)
        self.text = String(scalars)
        self.lines = lines
    }

    /// The location of a 1-based line and column.
    func location(line: Int, column: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column)
    }

    /// The location of the `occurrence`-th (0-based) appearance of `needle` at or after `start`.
    func find(_ needle: String, occurrence: Int, from start: SourceLocation) -> SourceLocation? {
        let needle = Array(needle.unicodeScalars)
        guard !needle.isEmpty else { return nil }
        var remaining = occurrence
        var lineIndex = start.line - 1
        var columnIndex = start.column - 1
        while lineIndex >= 0 && lineIndex < lines.count {
            let line = lines[lineIndex]
            var column = max(0, columnIndex)
            while column + needle.count <= line.count {
                if line[column] == needle[0] && Array(line[column..<column + needle.count]) == needle {
                    if remaining == 0 { return location(line: lineIndex + 1, column: column + 1) }
                    remaining -= 1
                    column += needle.count
                } else {
                    column += 1
                }
            }
            lineIndex += 1
            columnIndex = 0
        }
        return nil
    }

    /// The location of the next mapping key `key` written at the same column as `first`, below it:
    /// where a block mapping repeats a key.
    func repeatedKey(_ key: String, after first: SourceLocation) -> SourceLocation? {
        let column = first.column - 1
        let forms = [key, "'\(key)'", "\"\(key)\""].map { Array(($0 + ":").unicodeScalars) }
        var lineIndex = first.line
        while lineIndex < lines.count {
            let line = lines[lineIndex]
            let indentation = line.prefix { $0 == " " }.count
            if indentation < column && indentation < line.count && line[indentation] != "#" { return nil }
            if indentation == column {
                let rest = Array(line[column...])
                for form in forms where rest.starts(with: form) {
                    return location(line: lineIndex + 1, column: column + 1)
                }
            }
            lineIndex += 1
        }
        return nil
    }

    /// The location of the `offset`-th character (grapheme cluster) of the text.
    func location(ofCharacterOffset offset: Int) -> SourceLocation {
        var line = 1
        var column = 1
        for character in text.prefix(max(0, offset)) {
            if character == "\n" || character == "\r\n" {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        return location(line: line, column: column)
    }
}
