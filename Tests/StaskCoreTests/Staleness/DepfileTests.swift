import StaskCore
import Testing

@Suite struct DepfileTests {
    static func parse(_ text: String) throws(DepfileError) -> Depfile {
        try Depfile(parsing: Array(text.utf8))
    }

    @Test func gccWritesOneRuleWithContinuations() throws {
        let depfile = try Self.parse(
            "build/a.o: src/a.c include/a.h \\\n  /usr/include/stdio.h \\\n  include/b.h\n")
        #expect(depfile.targets == ["build/a.o"])
        #expect(depfile.prerequisites == ["src/a.c", "include/a.h", "/usr/include/stdio.h", "include/b.h"])
    }

    @Test func phonyRulesOfMPAddNoPrerequisites() throws {
        let depfile = try Self.parse("a.o: a.c a.h b.h\n\na.h:\n\nb.h:\n")
        #expect(depfile.targets == ["a.o", "a.h", "b.h"])
        #expect(depfile.prerequisites == ["a.c", "a.h", "b.h"])
    }

    @Test func escapedSpacesHashesAndDollarsArePartOfNames() throws {
        let depfile = try Self.parse("out\\ dir/a.o: with\\ space.h hash\\#.h cost$$.h\n")
        #expect(depfile.targets == ["out dir/a.o"])
        #expect(depfile.prerequisites == ["with space.h", "hash#.h", "cost$.h"])
    }

    @Test func otherBackslashesAndInnerColonsStayAsWritten() throws {
        let depfile = try Self.parse("a.o: C:/x/y.h dir\\name.h\n")
        #expect(depfile.prerequisites == ["C:/x/y.h", "dir\\name.h"])
    }

    @Test func rustcListsSeveralTargetsAndRules() throws {
        let text = """
            /t/debug/app: src/main.rs src/lib.rs

            /t/debug/app.d: src/main.rs src/lib.rs

            src/main.rs:
            src/lib.rs:

            """
        let depfile = try Self.parse(text)
        #expect(depfile.targets == ["/t/debug/app", "/t/debug/app.d", "src/main.rs", "src/lib.rs"])
        #expect(depfile.prerequisites == ["src/main.rs", "src/lib.rs"])
    }

    @Test func swiftcWritesSeveralTargetsOnOneRule() throws {
        let depfile = try Self.parse("/b/a.o /b/a.swiftmodule : /s/a.swift /s/b.swift\n")
        #expect(depfile.targets == ["/b/a.o", "/b/a.swiftmodule"])
        #expect(depfile.prerequisites == ["/s/a.swift", "/s/b.swift"])
    }

    @Test func windowsLineEndsCommentsAndBlankLinesAreAccepted() throws {
        let depfile = try Self.parse("# made by hand\r\n\r\na.o: a.c \\\r\n b.h # trailing\r\n")
        #expect(depfile.prerequisites == ["a.c", "b.h"])
    }

    @Test func aMissingFinalNewlineAndAnEmptyFileAreFine() throws {
        #expect(try Self.parse("a.o: a.c").prerequisites == ["a.c"])
        #expect(try Self.parse("").prerequisites.isEmpty)
        #expect(try Self.parse("\n\n").targets.isEmpty)
    }

    @Test func repeatedPrerequisitesAreKeptOnce() throws {
        #expect(try Self.parse("a.o: x.h y.h\nb.o: y.h x.h z.h\n").prerequisites == ["x.h", "y.h", "z.h"])
    }

    @Test func aLineOfNamesWithoutAColonIsAnErrorAtItsFirstName() {
        #expect(throws: DepfileError(line: 2, column: 3, message: "expected ':' after the target 'stray'")) {
            try Self.parse("a.o: a.c\n  stray words\n")
        }
        #expect(throws: DepfileError(line: 1, column: 1, message: "expected ':' after the target 'garbage'")) {
            try Self.parse("garbage")
        }
    }

    @Test func aColonWithoutATargetIsAnError() {
        let error = #expect(throws: DepfileError.self) { try Self.parse("a.o: a.c\n: b.h\n") }
        #expect(error?.description == "2:1: a rule needs a target before ':'")
    }

    @Test func binaryGarbageIsAnErrorNotACrash() {
        #expect(throws: DepfileError.self) { try Depfile(parsing: [0xff, 0x00, 0x41, 0x0a]) }
    }
}
