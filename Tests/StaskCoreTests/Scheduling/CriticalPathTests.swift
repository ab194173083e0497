import Testing

@testable import StaskCore

@Suite struct CriticalPathTests {
    @Test func priorityIsTheLongestRemainingPathWeightedByTime() {
        // 0 -> 1 -> 3 and 0 -> 2 -> 3 (0 is needed by 1 and 2, both needed by 3).
        let priorities = CriticalPath.priorities(
            estimates: [1, 5, 2, 1], bonuses: [0, 0, 0, 0], dependents: [[1, 2], [3], [3], []])
        #expect(priorities == [7, 6, 3, 1])
    }

    @Test func longChainOutranksManyShortTasksListedFirst() {
        // Shorts 0...2 (0.25s each); chain 3 -> 4 -> 5 (0.5s each).
        let priorities = CriticalPath.priorities(
            estimates: [0.25, 0.25, 0.25, 0.5, 0.5, 0.5], bonuses: Array(repeating: 0, count: 6),
            dependents: [[], [], [], [4], [5], []])
        #expect(priorities[3] == 1.5)
        #expect(priorities[0] == 0.25)
    }

    @Test func priorityBonusPropagatesToDependencies() {
        let priorities = CriticalPath.priorities(estimates: [1, 1], bonuses: [0, 100], dependents: [[1], []])
        #expect(priorities == [102, 101])
    }

    @Test(arguments: [([], 1.0), ([3.0], 3.0), ([1.0, 9.0, 2.0], 2.0), ([4.0, 1.0, 2.0, 3.0], 2.5)])
    func unknownEstimateIsTheMedianOfKnownOnesOrOneSecond(known: [Double], expected: Double) {
        #expect(CriticalPath.defaultEstimate(known: known) == expected)
    }

    @Test func realisedPathIsTheChainWithTheLongestActualDurations() {
        let spans: [Int: CriticalPath.Span] = [
            0: .init(start: .zero, end: .seconds(1)),
            1: .init(start: .zero, end: .seconds(3)),
            2: .init(start: .seconds(3), end: .seconds(4)),
            3: .init(start: .seconds(4), end: .seconds(6)),
            // A long independent task that ended last but is shorter than the chain 1 -> 2 -> 3.
            4: .init(start: .seconds(1), end: .seconds(6) + .milliseconds(500)),
        ]
        let dependencies: [Int: [Int]] = [2: [0, 1], 3: [2]]
        #expect(CriticalPath.realised(spans: spans) { dependencies[$0] ?? [] } == [1, 2, 3])
    }

    @Test func realisedPathSkipsDependenciesThatDidNotRun() {
        let spans: [Int: CriticalPath.Span] = [5: .init(start: .zero, end: .seconds(1))]
        #expect(CriticalPath.realised(spans: spans) { _ in [1, 2] } == [5])
        #expect(CriticalPath.realised(spans: [:]) { _ in [] } == [])
    }
}
