import Synchronization
import Testing

@testable import AsyncStreams

@Suite(.timeLimit(.minutes(1))) struct HierarchicalTaskPoolRunnerTests {
    typealias Body = TaskBody<Int, String>

    @Test func atMostCapacityBodiesAreInvokedAndTheRestAreNotStartedAtAll() async throws {
        let slots = FakeSlots(3)
        let probe = TaskProbe()
        let gate = CancellableGate()
        let bodies = (0..<10).map { index in
            Body.oneShot {
                await probe.start("t\(index)")
                try await gate.wait()
                await probe.end("t\(index)")
                return "t\(index)"
            }
        }
        let source = FakeTaskSource(bodies, closed: true)
        let runner = HierarchicalTaskPoolRunner(name: "lazy", source: source, slots: slots)
        let consumer = Task { try await runner.runTasks().collect() }
        await probe.waitForStarts(3)
        #expect(source.count == 7)
        #expect(await probe.starts.count == 3)
        gate.open()
        let envelopes = try await consumer.value(within: "the consumer task to finish")
        #expect(envelopes.compactMap(\.output).count == 10)
        #expect(await probe.peak <= 3)
        #expect(slots.peakHeld == 3)
        #expect(slots.free == 3)
    }

    @Test func bodiesPushedAfterTheStartRunAndTheRunEndsAfterFinishAndDrain() async throws {
        let slots = FakeSlots(2)
        let source = FakeTaskSource<Body>()
        let runner = HierarchicalTaskPoolRunner(name: "dynamic", source: source, slots: slots)
        var iterator = runner.runTasks().makeAsyncIterator()
        var outputs: [String] = []
        for round in 0..<3 {
            source.enqueue(.oneShot { "r\(round)" })
            let envelope = try #require(try await iterator.next())
            outputs.append(try #require(envelope.output))
        }
        source.enqueue(.oneShot { "last" })
        source.close()
        while let envelope = try await iterator.next() { outputs.append(try #require(envelope.output)) }
        #expect(outputs == ["r0", "r1", "r2", "last"])
        #expect(slots.free == 2)
    }

    @Test func errorsAreEnvelopesByDefaultAndLaterTasksContinue() async throws {
        let slots = FakeSlots(1)
        let bodies: [Body] = [.oneShot { throw TestFailure(name: "first") }, .oneShot { "second" }]
        let runner = HierarchicalTaskPoolRunner(name: "t", source: FakeTaskSource(bodies, closed: true), slots: slots)
        let envelopes = try await runner.runTasks().collect()
        try #require(envelopes.count == 2)  // a time-out must fail the test, not crash the process below
        #expect(envelopes[0].error as? TestFailure == TestFailure(name: "first"))
        #expect(envelopes[1].output == "second")
        #expect(envelopes.allSatisfy { $0.key == nil })
        #expect(slots.free == 1)
    }

    @Test func stopOnErrorThrowsAndReleasesEveryUnit() async throws {
        let slots = FakeSlots(2)
        let probe = TaskProbe()
        let bodies: [Body] = [
            .oneShot {
                await probe.start("slow")
                try await CancellableGate().wait()
                return "never"
            },
            .oneShot {
                await probe.waitForStarts(1)
                throw TestFailure(name: "bad")
            },
            .oneShot { "unstarted" },
        ]
        let runner = HierarchicalTaskPoolRunner(name: "t", source: FakeTaskSource(bodies, closed: true), slots: slots)
        await #expect(throws: TestFailure(name: "bad")) { _ = try await runner.runTasks(stopOnError: true).collect() }
        #expect(slots.free == 2)
    }

    @Test func streamedProgressBecomesIntermediateEnvelopesInCompletionOrder() async throws {
        let slots = FakeSlots(2)
        let firstMayFinish = CancellableGate()
        let bodies: [Body] = [
            .oneShot {
                try await firstMayFinish.wait()
                return "first"
            },
            .streaming {
                AsyncThrowingStream { continuation in
                    continuation.yield(.progress(1))
                    continuation.yield(.progress(2))
                    continuation.yield(.final("second"))
                    continuation.finish()
                }
            },
        ]
        let runner = HierarchicalTaskPoolRunner(name: "t", source: FakeTaskSource(bodies, closed: true), slots: slots)
        var iterator = runner.runTasks().makeAsyncIterator()
        var seen: [TaskProgressEnvelope<Int, String>] = []
        while seen.last?.output != "second" { seen.append(try #require(try await iterator.next())) }
        firstMayFinish.open()
        seen.append(try #require(try await iterator.next()))
        #expect(try await iterator.next() == nil)
        #expect(seen.compactMap(\.progress) == [1, 2])
        #expect(seen.compactMap(\.output) == ["second", "first"])
        #expect(seen.last?.taskID == 1)
        #expect(seen.first?.taskID == 2)
    }

    @Test func cancellingTheConsumerCancelsRunningBodiesAndReleasesUnits() async throws {
        let slots = FakeSlots(3)
        let probe = TaskProbe()
        let bodies = (0..<6).map { index in
            Body.oneShot {
                await probe.start("t\(index)")
                defer { Task { await probe.end("t\(index)") } }
                try await CancellableGate().wait()
                return ""
            }
        }
        let runner = HierarchicalTaskPoolRunner(name: "t", source: FakeTaskSource(bodies, closed: true), slots: slots)
        let consumer = Task { try await runner.runTasks().collect() }
        await probe.waitForStarts(3)
        consumer.cancel()
        #expect(try await consumer.value(within: "the consumer task to finish").isEmpty)
        #expect(slots.free == 3)
        await probe.waitForEnds(3)
        #expect(await probe.running.isEmpty)
    }

    @Test func taskIDsStartAtOneInStartOrder() async throws {
        let slots = FakeSlots(1)
        let bodies = (1...5).map { index in Body.oneShot { "\(index)" } }
        let runner = HierarchicalTaskPoolRunner(name: "t", source: FakeTaskSource(bodies, closed: true), slots: slots)
        let envelopes = try await runner.runTasks().collect()
        #expect(envelopes.map(\.taskID) == [1, 2, 3, 4, 5])
        #expect(envelopes.compactMap(\.output) == ["1", "2", "3", "4", "5"])
    }

    // MARK: - With the real CapacitySource and buffers

    @Test func pushPullBufferFeedsThePoolUntilTheSinkReturns() async throws {
        let queue = PushPullBufferObj<Body>()
        let capacity = CapacitySource(2)
        let runner = HierarchicalTaskPoolRunner(name: "chunks", source: queue.source, capacity: capacity)
        let producer = Task {
            for index in 0..<30 {
                _ = queue.sink.next(
                    .streaming {
                        AsyncThrowingStream { continuation in
                            continuation.yield(.progress(index))
                            continuation.yield(.final("chunk\(index)"))
                            continuation.finish()
                        }
                    }
                )
                await Task.yield()
            }
            queue.sink.return()
        }
        let envelopes = try await runner.runTasks().collect()
        try await producer.value(within: "the producer task to finish")
        #expect(Set(envelopes.compactMap(\.output)) == Set((0..<30).map { "chunk\($0)" }))
        #expect(envelopes.compactMap(\.progress).sorted() == Array(0..<30))
        #expect(Set(envelopes.map(\.taskID)) == Set(1...30))
        #expect(capacity.currentCapacity == 2)
    }

    @Test func oneShotSourceBufferUnderAParentCounterInvokesAtMostTheChildLimit() async throws {
        let parent = CapacitySource(10)
        let capacity = CapacitySource(3, parent: parent)
        let probe = TaskProbe()
        let gate = CancellableGate()
        let bodies = (0..<8).map { index in
            Body.oneShot {
                await probe.start("t\(index)")
                try await gate.wait()
                await probe.end("t\(index)")
                return "t\(index)"
            }
        }
        let source = SourceBufferObj(bodies, oneShot: true)
        let runner = HierarchicalTaskPoolRunner(name: "docs", source: source, capacity: capacity)
        let consumer = Task { try await runner.runTasks().collect() }
        await probe.waitForStarts(3)
        #expect(parent.currentCapacity == 7)
        #expect(source.count == 5)
        gate.open()
        let envelopes = try await consumer.value(within: "the consumer task to finish")
        #expect(envelopes.compactMap(\.output).count == 8)
        #expect(await probe.peak <= 3)
        #expect(capacity.currentCapacity == 3)
        #expect(parent.currentCapacity == 10)
    }
}

@Suite(.timeLimit(.minutes(1))) struct HierarchicalTaskPoolRunnerKeyedTests {
    typealias Keyed = KeyedTaskBody<String, String>

    @Test func keyedBodiesPutTheirKeyInEveryEnvelope() async throws {
        let bodies = [
            Keyed(
                key: "a",
                body: .streaming { progress in
                    progress.yield("a started")
                    return "A"
                }),
            Keyed(key: "b", body: .oneShot { throw TestFailure(name: "b") }),
        ]
        let runner = HierarchicalTaskPoolRunner(
            name: "t", source: SourceBufferObj(bodies, oneShot: true), capacity: CapacitySource(1))
        let envelopes = try await runner.runTasks().collect()
        #expect(envelopes.map(\.key) == ["a", "a", "b"])
        #expect(envelopes.map(\.kindName) == ["intermediate", "final", "error"])
    }

    /// The manual retry of the legacy runner: the consumer re-pushes a failed task by its key.
    @Test func aFailedKeyedBodyCanBeRepushedByItsKey() async throws {
        let attempts = Locked<[String: Int]>([:])
        func body(_ key: String) -> Keyed {
            Keyed(
                key: key,
                body: .oneShot {
                    let attempt = attempts.withLock { attempts in
                        attempts[key, default: 0] += 1
                        return attempts[key]!
                    }
                    if key == "flaky" && attempt < 3 { throw TestFailure(name: "\(key) attempt \(attempt)") }
                    return key
                })
        }
        let queue = PushPullBufferObj<Keyed>()
        for key in ["steady", "flaky"] { _ = queue.sink.next(body(key)) }
        let capacity = CapacitySource(2)
        let runner = HierarchicalTaskPoolRunner(name: "retry", source: queue.source, capacity: capacity)
        var done: Set<String> = []
        for try await envelope in runner.runTasks() {
            switch envelope.kind {
            case .intermediate: break
            case .final(let output): done.insert(output)
            case .error: _ = queue.sink.next(body(try #require(envelope.key)))
            }
            if done.count == 2 { queue.sink.return() }
        }
        #expect(done == ["steady", "flaky"])
        #expect(attempts.value == ["steady": 1, "flaky": 3])
        #expect(capacity.currentCapacity == 2)
    }
}
