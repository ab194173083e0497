import Testing

@testable import AsyncStreams

@Suite(.timeLimit(.minutes(1))) struct AsyncIteratorCombinerAritiesTests {
    /// A finished non-throwing stream of `values`.
    private func plain(_ values: [Int]) -> AsyncStream<Int> {
        AsyncStream { continuation in
            for value in values { continuation.yield(value) }
            continuation.finish()
        }
    }

    /// A finished throwing stream of `values`.
    private func throwing(_ values: [Int]) -> AsyncThrowingStream<Int, any Error> {
        AsyncThrowingStream { continuation in
            for value in values { continuation.yield(value) }
            continuation.finish()
        }
    }

    @Test func fiveSequencesOfDifferentTypesAndFailureTypesCombine() async throws {
        let combiner = AsyncIteratorCombiner(
            plain([1, 2]), throwing([10]), plain([20, 21]), throwing([30]), [40, 41].async)
        #expect(combiner.size == 5)
        var seen: [Int] = []
        for try await value in combiner.raceGenerator() { seen.append(value) }
        #expect(seen.sorted() == [1, 2, 10, 20, 21, 30, 40, 41])
        #expect(combiner.size == 0)
    }

    @Test func eightSequencesCombineAndAllReportsThemInArgumentOrder() async throws {
        let combiner = AsyncIteratorCombiner(
            plain([1]), throwing([2]), plain([3]), throwing([4]), plain([5]), throwing([6]), plain([7]),
            throwing([8]))
        #expect(try await combiner.all() == [1, 2, 3, 4, 5, 6, 7, 8])
    }
}

extension Array where Element: Sendable {
    /// The array as a non-throwing async sequence.
    fileprivate var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
