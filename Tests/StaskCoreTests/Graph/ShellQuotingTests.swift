import Testing

@testable import StaskCore

@Suite struct ShellQuotingTests {
    @Test(arguments: [
        ("a.c", "a.c"), ("build/x-1_2.o", "build/x-1_2.o"), ("a b.c", "'a b.c'"),
        ("$(rm -rf ~).c", "'$(rm -rf ~).c'"), ("it's", "'it'\\''s'"), ("", "''"), ("`x`", "'`x`'"),
        ("a;b", "'a;b'"), ("*.c", "'*.c'"), ("~/x", "'~/x'"), ("a\nb", "'a\nb'"), ("é.c", "'é.c'"),
    ])
    func quotesWordsThatNeedIt(_ word: String, _ quoted: String) {
        #expect(ShellQuoting.quoted(word) == quoted)
    }

    @Test func safeWordsAreExactlyTheUnquotedOnes() {
        #expect(ShellQuoting.isSafe("cp"))
        #expect(ShellQuoting.isSafe("--flag=a,b:c@d%e+f"))
        #expect(!ShellQuoting.isSafe(""))
        #expect(!ShellQuoting.isSafe("a'b"))
    }
}
