import Testing

@testable import StaskCore

/// "Did you mean" hints, including for hostile, megabyte-long names.
@Suite(.timeLimit(.minutes(1))) struct SuggestionTests {
    /// Plain O(n × m) Levenshtein distance, the reference for the banded one.
    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        var previous = Array(0...b.count)
        for i in a.indices {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for j in b.indices {
                current[j + 1] = min(previous[j] + (a[i] == b[j] ? 0 : 1), previous[j + 1] + 1, current[j] + 1)
            }
            previous = current
        }
        return previous[b.count]
    }

    @Test func bandedDistanceAgreesWithThePlainOneWithinTheLimit() {
        var random = TaskfileMutator.Random(seed: 7)
        let alphabet: [Unicode.Scalar] = ["a", "b", "c", "é"]
        for _ in 0..<3_000 {
            let a = (0..<random.below(9)).map { _ in random.pick(alphabet) }
            let b = (0..<random.below(9)).map { _ in random.pick(alphabet) }
            let limit = random.below(5)
            let exact = Self.distance(a, b)
            #expect(Suggestion.editDistance(a, b, limit: limit) == (exact <= limit ? exact : nil))
        }
    }

    @Test func suggestsTyposAndCaseDifferences() {
        #expect(Suggestion.closest(to: "compil", in: ["app", "compile", "test"]) == "compile")
        #expect(Suggestion.closest(to: "Tasks", in: ["version", "tasks"]) == "tasks")
        #expect(Suggestion.closest(to: "xyz", in: ["app", "compile"]) == nil)
    }

    /// A megabyte-long unknown name among many candidates: the word was lowered once per candidate,
    /// and the distance computed over the whole square (10^12 cells for two 1 MB names).
    @Test func megabyteNamesAreComparedInLinearTime() async {
        await onOwnThread {
            let long = String(repeating: "a", count: 1_000_000)
            let candidates = (0..<10_000).map { "task\($0)" } + [long + "b", long + "c"]
            #expect(Suggestion.closest(to: long + "x", in: candidates) == long + "b")
            #expect(Suggestion.closest(to: "bbbb" + long, in: candidates) == nil)
        }
    }
}
