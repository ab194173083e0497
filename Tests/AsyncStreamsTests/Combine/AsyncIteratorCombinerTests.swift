import Synchronization
import Testing

@testable import AsyncStreams

/// A sequence that records how many `next()` calls are outstanding at once and in total.
private struct InstrumentedSequence: AsyncSequence, Sendable {
    final class Probe: Sendable {
        private let state = Mutex((outstanding: 0, maximum: 0, calls: 0))
        var maximumOutstanding: Int { state.withLock { $0.maximum } }
        var calls: Int { state.withLock { $0.calls } }
        func enter() {
            state.withLock {
                $0.outstanding += 1
                $0.calls += 1
                $0.maximum = Swift.max($0.maximum, $0.outstanding)
            }
        }
        func leave() { state.withLock { $0.outstanding -= 1 } }
    }

    let base: AsyncStream<Int>
    let probe = Probe()

    struct Iterator: AsyncIteratorProtocol {
        var base: AsyncStream<Int>.Iterator
        let probe: Probe

        mutating func next() async -> Int? {
            probe.enter()
            defer { probe.leave() }
            return await base.next(isolation: #isolation)
        }
    }

    func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), probe: probe) }
}

private struct SourceFailure: Error, Equatable {
    var name: String
}

/// A stream wrapper whose iterator opens `ended` when it is destroyed, i.e. when the pump task that
/// iterates it has finished.
private struct TrackedStream<T: Sendable>: AsyncSequence, Sendable {
    final class Token {
        let gate: FlowGate
        init(gate: FlowGate) { self.gate = gate }
        deinit { gate.open() }
    }

    let base: AsyncStream<T>
    let continuation: AsyncStream<T>.Continuation
    let ended = FlowGate()

    init() { (base, continuation) = AsyncStream.makeStream(of: T.self) }

    struct Iterator: AsyncIteratorProtocol {
        var base: AsyncStream<T>.Iterator
        let token: Token

        mutating func next() async -> T? { await base.next(isolation: #isolation) }
    }

    func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), token: Token(gate: ended)) }
}

private func finished<T: Sendable>(_ values: [T]) -> AsyncStream<T> {
    let (stream, continuation) = AsyncStream.makeStream(of: T.self)
    for value in values { continuation.yield(value) }
    continuation.finish()
    return stream
}

@Suite(.timeLimit(.minutes(1)))
struct AsyncIteratorCombinerTests {
    // MARK: - Behaviours

    @Test func raceYieldsValuesInArrivalTimeOrder() async throws {
        let clock = ManualClock()
        func timed(_ items: [(String, Int)]) -> AsyncStream<String> {
            let (stream, continuation) = AsyncStream.makeStream(of: String.self)
            Task {
                for (value, milliseconds) in items {
                    try? await clock.sleep(until: .init(offset: .milliseconds(milliseconds)))
                    continuation.yield(value)
                }
                continuation.finish()
            }
            return stream
        }
        let combiner = AsyncIteratorCombiner(timed([("a1", 10), ("a2", 20)]), timed([("b1", 15)]))
        var merged = combiner.raceGenerator().makeAsyncIterator()
        var seen: [String] = []
        for milliseconds in [10, 15, 20] {
            await clock.waitForSleepers(2 - (milliseconds == 20 ? 1 : 0))
            clock.advance(to: .init(offset: .milliseconds(milliseconds)))
            seen.append(try #require(await merged.next()))
        }
        #expect(seen == ["a1", "b1", "a2"])
        #expect(try await merged.next() == nil)
    }

    @Test func generatorCompletesWhenAllExhaustedAndSizeIsZero() async throws {
        let combiner = AsyncIteratorCombiner(finished([1, 2]), finished([3]), finished([Int]()))
        #expect(combiner.size == 3)
        var count = 0
        for try await _ in combiner.raceGenerator() { count += 1 }
        #expect(count == 3)
        #expect(combiner.size == 0)
    }

    @Test func perSourceOrderIsPreservedAndNothingIsLostOrDuplicated() async throws {
        let sources = (0..<5).map { source in finished((0..<200).map { source * 1_000 + $0 }) }
        let combiner = AsyncIteratorCombiner(sources)
        var merged: [Int] = []
        for try await value in combiner.raceGenerator() { merged.append(value) }
        #expect(merged.count == 1_000)
        for source in 0..<5 {
            #expect(merged.filter { $0 / 1_000 == source } == (0..<200).map { source * 1_000 + $0 })
        }
    }

    @Test func atMostOneOutstandingNextPerSource() async throws {
        let sequences = (0..<3).map { source in
            InstrumentedSequence(base: finished((0..<100).map { source * 100 + $0 }))
        }
        let combiner = AsyncIteratorCombiner(sequences)
        var count = 0
        for try await _ in combiner.raceGenerator() { count += 1 }
        #expect(count == 300)
        for sequence in sequences { #expect(sequence.probe.maximumOutstanding == 1) }
    }

    @Test func losingValueIsCarriedIntoNextRoundNotRequestedAgain() async throws {
        let (streamA, feedA) = AsyncStream.makeStream(of: String.self)
        let (streamB, feedB) = AsyncStream.makeStream(of: String.self)
        let instrumentedA = InstrumentedSequenceOfStrings(base: streamA)
        let combiner = AsyncIteratorCombiner(instrumentedA, streamB)
        async let first = combiner.race()
        feedB.yield("b1")
        #expect(try await first == "b1")
        feedA.yield("a1")  // answers the request A's pump made during the first race
        #expect(try await combiner.race() == "a1")
        #expect(instrumentedA.probe.calls == 1, "A's pending value was carried over, not re-requested")
        feedA.finish()
        feedB.finish()
        #expect(try await combiner.race() == nil)
    }

    // MARK: - Errors and cancellation (rethrow at once, close, cancel the rest)

    @Test func sourceErrorIsRethrownAtOnceAndCancelsOtherSources() async throws {
        let (failing, failingFeed) = AsyncThrowingStream.makeStream(of: Int.self)
        let other = TrackedStream<Int>()
        let combiner = AsyncIteratorCombiner(failing, other)
        var merged = combiner.raceGenerator().makeAsyncIterator()
        failingFeed.finish(throwing: SourceFailure(name: "a"))
        await #expect(throws: SourceFailure(name: "a")) { try await merged.next() }
        await other.ended.wait()
        #expect(combiner.size == 0)
        #expect(try await merged.next() == nil)
        #expect(try await combiner.race() == nil)
    }

    @Test func cancellingConsumerCancelsPerSourceTasks() async throws {
        let first = TrackedStream<Int>()
        let second = TrackedStream<Int>()
        let combiner = AsyncIteratorCombiner(first, second)
        let consumer = Task {
            var values: [Int] = []
            for try await value in combiner.raceGenerator() { values.append(value) }
            return values
        }
        first.continuation.yield(1)
        consumer.cancel()
        _ = try await consumer.value(within: "the consumer task to finish")
        await first.ended.wait()
        await second.ended.wait()
        #expect(combiner.size == 0)
    }

    @Test func cancelledRaceThrowsCancellationError() async throws {
        let pending = TrackedStream<Int>()
        let combiner = AsyncIteratorCombiner(pending)
        let racer = Task { try await combiner.race() }
        racer.cancel()
        await #expect(throws: CancellationError.self) { try await racer.value(within: "the racer task to finish") }
        await pending.ended.wait()
    }

    @Test func releasingCombinerCancelsItsPumps() async throws {
        let pending = TrackedStream<Int>()
        do {
            let combiner = AsyncIteratorCombiner(finished([1]), pending)
            #expect(try await combiner.race() == 1)
        }
        await pending.ended.wait()
    }

    // MARK: - The other combinators

    @Test func roundRobinRotatesOverLiveSources() async throws {
        let combiner = AsyncIteratorCombiner(finished(["a1", "a2", "a3"]), finished(["b1"]), finished(["c1", "c2"]))
        var order: [String] = []
        for try await value in combiner.roundRobin() { order.append(value) }
        #expect(order == ["a1", "b1", "c1", "a2", "c2", "a3"])
    }

    @Test func allReturnsOneValuePerSourceInSourceOrder() async throws {
        let (slow, slowFeed) = AsyncStream.makeStream(of: String.self)
        let combiner = AsyncIteratorCombiner(slow, finished(["b1", "b2"]), finished([String]()))
        async let values = combiner.all()
        slowFeed.yield("a1")
        #expect(try await values == ["a1", "b1", nil])
        slowFeed.finish()
        #expect(try await combiner.all() == [nil, "b2", nil])
        #expect(combiner.size == 1)
    }

    @Test func allRethrowsFirstError() async throws {
        let (failing, feed) = AsyncThrowingStream.makeStream(of: Int.self)
        let combiner = AsyncIteratorCombiner(finished([1]), failing)
        feed.finish(throwing: SourceFailure(name: "b"))
        await #expect(throws: SourceFailure(name: "b")) { try await combiner.all() }
        #expect(combiner.size == 0)
        #expect(try await combiner.all() == [nil, nil], "a closed combiner has nothing left")
    }

    @Test func raceReturnsFirstValueThenNilWhenExhausted() async throws {
        let (never, _) = AsyncStream.makeStream(of: Int.self)
        let combiner = AsyncIteratorCombiner(never, finished([7]))
        #expect(try await combiner.race() == 7)
        let empty = AsyncIteratorCombiner(finished([Int]()), finished([Int]()))
        #expect(try await empty.race() == nil)
    }

    @Test func anyIgnoresFailuresUntilSomethingSucceeds() async throws {
        let (failing, failingFeed) = AsyncThrowingStream.makeStream(of: Int.self)
        let (late, lateFeed) = AsyncThrowingStream.makeStream(of: Int.self)
        let combiner = AsyncIteratorCombiner([failing, late])
        failingFeed.finish(throwing: SourceFailure(name: "a"))
        async let value = combiner.any()
        lateFeed.yield(42)
        #expect(try await value == 42)
        #expect(combiner.size == 1, "the failed source was dropped")
    }

    @Test func anyThrowsAllFailedWhenEverySourceFails() async throws {
        let streams = (0..<3).map { index in
            AsyncThrowingStream<Int, any Error> { $0.finish(throwing: SourceFailure(name: "s\(index)")) }
        }
        let combiner = AsyncIteratorCombiner(streams)
        let error = try await #require(throws: CombinerError.self) { try await combiner.any() }
        #expect(error.code == .allFailed)
        #expect(error.underlying.count == 3)
        #expect(error.description.contains("all 3 sources failed"))
    }

    @Test func methodsShareTheSourcesIterators() async throws {
        let combiner = AsyncIteratorCombiner(finished([1, 2, 3]), finished([10, 20]))
        #expect(try await combiner.all() == [1, 10])
        var rest: [Int] = []
        for try await value in combiner.raceGenerator() { rest.append(value) }
        #expect(rest.sorted() == [2, 3, 20])
    }

    // MARK: - Construction

    @Test func combinesTypeErasedThrowingSequences() async throws {
        let (throwing, feed) = AsyncThrowingStream.makeStream(of: Int.self)
        feed.yield(2)
        feed.finish()
        let erased: [any AsyncSequence<Int, any Error> & Sendable] = [throwing, AsyncThrowingStream { $0.finish() }]
        let combiner = AsyncIteratorCombiner(erased)
        var values: [Int] = []
        for try await value in combiner.raceGenerator() { values.append(value) }
        #expect(values == [2])
    }

    @Test func combinesTypeErasedSequences() async throws {
        let erased: [any AsyncSequence<Int, Never> & Sendable] = [finished([1]), SourceBufferObj([2], oneShot: true)]
        let combiner = AsyncIteratorCombiner(erased)
        var values: [Int] = []
        for try await value in combiner.raceGenerator() { values.append(value) }
        #expect(values.sorted() == [1, 2])
    }

    @Test func emptyCombinerEndsAtOnce() async throws {
        let combiner = AsyncIteratorCombiner([AsyncStream<Int>]())
        #expect(combiner.size == 0)
        #expect(try await combiner.raceGenerator().first(where: { _ in true }) == nil)
        #expect(try await combiner.all() == [])
    }

    // MARK: - The guide's pattern: progress from several children

    @Test func forwardsProgressOfSeveralChildrenWithFinalResults() async throws {
        enum Step: Sendable, Equatable {
            case progress(String, Int)
            case final(String)
        }
        func child(_ name: String, steps: Int) -> AsyncStream<Step> {
            finished((1...steps).map { Step.progress(name, $0) } + [.final(name)])
        }
        let combiner = AsyncIteratorCombiner(child("sentiment", steps: 2), child("topics", steps: 3))
        var finals: [String] = []
        var progress = 0
        for try await step in combiner.raceGenerator() {
            switch step {
            case .progress: progress += 1
            case .final(let name): finals.append(name)
            }
        }
        #expect(progress == 5)
        #expect(finals.sorted() == ["sentiment", "topics"])
    }
}

/// `InstrumentedSequence` over strings, for the carry-over test.
private struct InstrumentedSequenceOfStrings: AsyncSequence, Sendable {
    let base: AsyncStream<String>
    let probe = InstrumentedSequence.Probe()

    struct Iterator: AsyncIteratorProtocol {
        var base: AsyncStream<String>.Iterator
        let probe: InstrumentedSequence.Probe

        mutating func next() async -> String? {
            probe.enter()
            defer { probe.leave() }
            return await base.next(isolation: #isolation)
        }
    }

    func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), probe: probe) }
}
