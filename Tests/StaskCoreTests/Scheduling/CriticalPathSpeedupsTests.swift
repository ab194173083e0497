import Testing

@testable import StaskCore

@Suite struct CriticalPathSpeedupsTests {
    private func span(_ start: Int, _ end: Int) -> CriticalPath.Span {
        CriticalPath.Span(start: .seconds(start), end: .seconds(end))
    }

    @Test func savingIsCappedByTheNextLongestChain() {
        // Chain 0 (4s) -> 2 (3s) = 7s; a parallel chain 1 (5s) -> 2 = 8s is the critical one: 1 -> 2.
        // Making 1 free leaves 0 -> 2 = 7s: saves 1s, not 5s. Making 2 free leaves 1 = 5s: saves 3s.
        let spans = [0: span(0, 4), 1: span(0, 5), 2: span(5, 8)]
        let dependencies: (Int) -> [Int] = { $0 == 2 ? [0, 1] : [] }
        let path = CriticalPath.realised(spans: spans, dependencies: dependencies)
        #expect(path == [1, 2])
        let speedups = CriticalPath.speedups(spans: spans, path: path, dependencies: dependencies)
        #expect(speedups.map(\.index) == [2, 1])
        #expect(speedups.map(\.saving) == [.seconds(3), .seconds(1)])
    }

    @Test func atMostThreeStepsLargestSavingFirst() {
        // A single chain 0 -> 1 -> 2 -> 3 of 1, 4, 2, 3 seconds: each step saves its own duration.
        let spans = [0: span(0, 1), 1: span(1, 5), 2: span(5, 7), 3: span(7, 10)]
        let dependencies: (Int) -> [Int] = { $0 == 0 ? [] : [$0 - 1] }
        let path = CriticalPath.realised(spans: spans, dependencies: dependencies)
        let speedups = CriticalPath.speedups(spans: spans, path: path, dependencies: dependencies)
        #expect(speedups.map(\.index) == [1, 3, 2])
        #expect(speedups.map(\.saving) == [.seconds(4), .seconds(3), .seconds(2)])
        #expect(CriticalPath.longestChain(spans: spans, dependencies: dependencies) == .seconds(10))
    }

    @Test func stepsThatSaveNothingAreLeftOut() {
        // Two equal independent tasks: making either free leaves the other, so nothing is saved.
        let spans = [0: span(0, 2), 1: span(0, 2)]
        let path = CriticalPath.realised(spans: spans) { _ in [] }
        #expect(CriticalPath.speedups(spans: spans, path: path) { _ in [] }.isEmpty)
    }
}
