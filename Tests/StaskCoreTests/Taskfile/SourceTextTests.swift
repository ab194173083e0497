import Testing

@testable import StaskCore

/// Locations in Taskfiles with unusual line breaks, long lines and many placeholders.
@Suite struct SourceTextTests {
    /// Every line break libyaml counts: LF, CR LF, CR, NEL, LS, PS.
    static let lineBreaks = ["\n", "\r\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"]

    @Test(arguments: lineBreaks)
    func duplicateKeyIsFoundAcrossAnyLineBreak(lineBreak: String) {
        let yaml = ["version: 1", "tasks:", "  a: {}", "  a: {}", ""].joined(separator: lineBreak)
        #expect(
            TaskfileFixture.parseError(yaml)?.description
                == "Taskfile.yml:4:3: duplicate key 'a' (first written on line 3)")
    }

    @Test(arguments: lineBreaks)
    func placeholderIsLocatedAcrossAnyLineBreak(lineBreak: String) {
        let yaml = ["version: 1", "tasks:", "  a:", "    run: echo é {{nope}}", ""].joined(separator: lineBreak)
        #expect(
            TaskfileFixture.parseError(yaml)?.description == "Taskfile.yml:4:17: unknown placeholder '{{nope}}'")
    }

    @Test func errorAtTheEndOfAFileWithoutFinalLineBreakPointsAtItsLastLine() throws {
        let error = try #require(TaskfileFixture.parseError("version: 1\ntasks: 'abc"))
        #expect(error.location == SourceLocation(file: "Taskfile.yml", line: 2, column: 12))
    }

    @Test func locationsBeyondTheTextAreClampedToItsEnd() throws {
        let source = try SourceText(bytes: Array("ab\ncdé".utf8), file: "f")
        #expect(source.location(line: 3, column: 1) == SourceLocation(file: "f", line: 2, column: 4))
        #expect(source.location(line: 1, column: 9) == SourceLocation(file: "f", line: 1, column: 3))
        #expect(source.location(line: 0, column: 0) == SourceLocation(file: "f", line: 1, column: 1))
    }

    @Test func invalidUTF8AfterCarriageReturnsIsOnItsLine() {
        let bytes = Array("version: 1\rtasks:\r  é".utf8) + [0xFF]
        let source = TaskfileFixture.fileSystem("")
        #expect(throws: TaskfileError.invalidUTF8(SourceLocation(file: "Taskfile.yml", line: 3, column: 4))) {
            try TaskfileFixture.parser(source).parse(contents: bytes, path: "/p/Taskfile.yml")
        }
    }

    /// Ill-formed sequences: overlong, surrogate, above U+10FFFF, truncated, stray continuation, 5-byte.
    static let invalidSequences: [[UInt8]] = [
        [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82],
        [0xE2, 0x82, 0x41], [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFF],
    ]

    @Test(arguments: invalidSequences)
    func invalidUTF8IsLocatedAtItsFirstByte(sequence: [UInt8]) {
        let bytes = Array("version: 1\nx: é€😀".utf8) + sequence + Array("\n".utf8)
        #expect(throws: TaskfileError.invalidUTF8(SourceLocation(file: "Taskfile.yml", line: 2, column: 7))) {
            try TaskfileFixture.parser(TaskfileFixture.fileSystem("")).parse(contents: bytes, path: "/p/Taskfile.yml")
        }
    }

    @Test func repeatedPlaceholdersAreLocatedInOrder() throws {
        let yaml = "version: 1\nvars: {A: a}\ntasks:\n  t:\n    run: \"ü {{A}} {{A}} {{A}} {{B}}\"\n"
        let error = try #require(TaskfileFixture.parseError(yaml))
        #expect(error.description.hasPrefix("Taskfile.yml:5:31: unknown placeholder '{{B}}'"))
        let taskfile = try TaskfileFixture.parse(yaml.replacing("{{B}}", with: ""))
        let columns = taskfile.tasks[0].run[0].placeholders.map(\.location.column)
        #expect(columns == [13, 19, 25])
    }

    @Test func placeholderWrittenWithEscapesFallsBackToTheStringStart() throws {
        let yaml = "version: 1\ntasks:\n  t:\n    run: \"\\x7B{nope}} {{late}}\"\n"
        #expect(TaskfileFixture.parseError(yaml)?.location == SourceLocation(file: "Taskfile.yml", line: 4, column: 10))
    }
}
