import Testing

@testable import StaskCore

@Suite struct TemplateTests {
    private let start = SourceLocation(file: "T", line: 1, column: 1)

    @Test func splitsLiteralsAndPlaceholders() throws {
        let template = try Template.parse("{{CC}} -c {{ item }} -o {{output}}", at: start)
        #expect(
            template.segments.map(Self.render) == [
                "var:CC", "lit: -c ", "item", "lit: -o ", "output",
            ])
        #expect(!template.isLiteral)
    }

    @Test func quadrupleBraceIsALiteralDoubleBrace() throws {
        let template = try Template.parse("echo {{{{x}} {{A}}", at: start)
        #expect(template.segments.map(Self.render) == ["lit:echo {{x}} ", "var:A"])
    }

    @Test func textWithoutPlaceholdersIsLiteral() throws {
        let template = try Template.parse("cc -c a.c }} {", at: start)
        #expect(template.isLiteral)
        #expect(template.segments.map(Self.render) == ["lit:cc -c a.c }} {"])
    }

    @Test(arguments: ["{{", "a {{b", "{{}}", "{{1x}}", "{{a b}}", "{{a-b}}"])
    func refusesMalformedPlaceholders(_ text: String) {
        #expect(throws: TaskfileError.self) { try Template.parse(text, at: start) }
    }

    @Test func locatesEachOccurrenceSeparately() throws {
        var calls: [String] = []
        let template = try Template.parse("{{A}} {{A}}", at: start) { written, occurrence in
            calls.append("\(written)#\(occurrence)")
            return SourceLocation(file: "T", line: 2, column: 1 + 6 * occurrence)
        }
        #expect(calls == ["{{A}}#0", "{{A}}#1"])
        #expect(template.placeholders.map(\.location.column) == [1, 7])
    }

    @Test func builtInNamesAreRecognised() throws {
        let names = [
            "item", "stem", "name", "dir", "input", "output", "inputs", "outputs", "items", "shard", "shards", "junit",
        ]
        for name in names {
            let template = try Template.parse("{{\(name)}}", at: start)
            let placeholder = try #require(template.placeholders.first?.placeholder)
            #expect(placeholder.name == name)
            #expect(placeholder != .variable(name))
        }
        #expect(try Template.parse("{{Item}}", at: start).placeholders.first?.placeholder == .variable("Item"))
    }

    private static func render(_ segment: Template.Segment) -> String {
        switch segment {
        case .literal(let text): "lit:\(text)"
        case .placeholder(.variable(let name), _): "var:\(name)"
        case .placeholder(let placeholder, _): placeholder.name
        }
    }
}
