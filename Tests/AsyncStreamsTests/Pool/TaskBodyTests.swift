import Synchronization
import Testing

@testable import AsyncStreams

@Suite(.timeLimit(.minutes(1))) struct TaskBodyTests {
    typealias Body = TaskBody<String, Int>

    @Test func anAsyncClosureBodyYieldsProgressAndItsReturnValueIsTheFinalEnvelope() async throws {
        let body = Body.streaming { progress in
            progress.yield("started")
            progress.yield("halfway")
            return 42
        }
        let runner = HierarchicalTaskPoolRunner(
            name: "t", source: SourceBufferObj([body], oneShot: true), capacity: CapacitySource(1))
        let envelopes = try await runner.runTasks().collect()
        #expect(envelopes.map(\.kindName) == ["intermediate", "intermediate", "final"])
        #expect(envelopes.compactMap(\.progress) == ["started", "halfway"])
        #expect(envelopes.last?.output == 42)
    }

    @Test func anAsyncClosureBodyThatThrowsFailsItsTaskReleasesItsUnitAndTheRunGoesOn() async throws {
        let capacity = CapacitySource(1)
        let bodies: [Body] = [
            .streaming { progress in
                progress.yield("chunk 0 started")
                throw TestFailure(name: "analyse")
            },
            .streaming { _ in 7 },
        ]
        let runner = HierarchicalTaskPoolRunner(
            name: "t", source: SourceBufferObj(bodies, oneShot: true), capacity: capacity)
        let envelopes = try await runner.runTasks().collect()
        #expect(envelopes.map(\.kindName) == ["intermediate", "error", "final"])
        #expect(envelopes[1].error as? TestFailure == TestFailure(name: "analyse"))
        #expect(envelopes[2].output == 7)
        #expect(capacity.currentCapacity == 1)
    }

    @Test func anAsyncClosureBodyThatThrowsEndsTheRunWithItsErrorWithStopOnError() async throws {
        let capacity = CapacitySource(2)
        let body = Body.streaming { _ in throw TestFailure(name: "analyse") }
        let runner = HierarchicalTaskPoolRunner(
            name: "t", source: SourceBufferObj([body], oneShot: true), capacity: capacity)
        await #expect(throws: TestFailure(name: "analyse")) {
            _ = try await runner.runTasks(stopOnError: true).collect()
        }
        #expect(capacity.currentCapacity == 2)
    }

    @Test func cancellingTheRunCancelsAnAsyncClosureBody() async throws {
        let capacity = CapacitySource(1)
        let probe = TaskProbe()
        let body = Body.streaming { progress in
            progress.yield("waiting")
            await probe.start("body")
            defer { Task { await probe.end("body") } }
            try await CancellableGate().wait()
            return 0
        }
        let runner = HierarchicalTaskPoolRunner(
            name: "t", source: SourceBufferObj([body], oneShot: true), capacity: capacity)
        let consumer = Task { try await runner.runTasks().collect() }
        await probe.waitForStarts(1)
        consumer.cancel()
        _ = try await consumer.value(within: "the consumer task to finish")
        await probe.waitForEnds(1)
        #expect(capacity.currentCapacity == 1)
    }

    /// The documented hazard of the stream form: a stream whose feeding task ends without finishing it
    /// keeps the task running, holding its unit, until the run is cancelled.
    @Test func aStreamThatNeitherFinishesNorFailsHoldsItsUnitUntilTheRunIsCancelled() async throws {
        let capacity = CapacitySource(2)
        let producerEnded = CancellableGate()
        let stuck = Body.streaming {
            AsyncThrowingStream { continuation in
                Task {
                    continuation.yield(.progress("stuck started"))
                    // Throws away the error without `continuation.finish(throwing:)`.
                    _ = try? await { () async throws -> Int in throw TestFailure(name: "lost") }()
                    producerEnded.open()
                }
            }
        }
        let bodies: [Body] = [stuck, .oneShot { 1 }]
        let runner = HierarchicalTaskPoolRunner(
            name: "t", source: SourceBufferObj(bodies, oneShot: true), capacity: capacity)
        let seen = Locked<[String]>([])
        let consumer = Task {
            for try await envelope in runner.runTasks() { seen.withLock { $0.append(envelope.kindName) } }
        }
        try await producerEnded.wait()
        await waitUntil("both tasks reported") { seen.value.count == 2 }
        #expect(seen.value.sorted() == ["final", "intermediate"])
        // The other task is over; the stuck one still holds its unit and the run is still open.
        #expect(capacity.currentCapacity == 1)
        consumer.cancel()
        try await consumer.value(within: "the cancelled run to end")
        #expect(capacity.currentCapacity == 2)
        #expect(seen.value.count == 2)
    }
}
