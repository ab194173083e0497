import Testing

@testable import StaskCore

/// Glob patterns built from hostile text.
@Suite(.timeLimit(.minutes(1))) struct GlobTests {
    /// Found by the Taskfile fuzzer: a pattern of thousands of unclosed `[` took quadratic time.
    @Test(arguments: ["[", "[a, ", "[!", "[a-"])
    func unclosedBracketsCompileInLinearTime(unit: String) {
        let text = String(repeating: unit, count: 50_000)
        let pattern = ComponentPattern(text)
        let matchesItself = pattern.matches(text)
        let matchesOther = pattern.matches("a")
        #expect(matchesItself && !matchesOther)
    }

    @Test func bracketAfterAnUnclosedOneMayStillOpenASet() {
        let pattern = ComponentPattern("[[-\\\\]")
        #expect(pattern.matches("[-"))
        #expect(pattern.matches("[\\"))
        #expect(!pattern.matches("[["))
    }
}
