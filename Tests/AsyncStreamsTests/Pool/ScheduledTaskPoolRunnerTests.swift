import Synchronization
import Testing

@testable import AsyncStreams

@Suite(.timeLimit(.minutes(1))) struct ScheduledTaskPoolRunnerTests {
    typealias Task1 = ScheduledTask<Int, String>

    /// A graph-backed run: every task records itself in `probe`, and `onComplete` completes the node.
    func graphRun(
        _ nodes: [(key: String, dependencies: [String], cost: ResourceCost)],
        capacity: FakeCapacity,
        probe: TaskProbe,
        body: @escaping @Sendable (String) async throws -> Void = { _ in }
    ) -> (FakeGraphSource<Task1>, ScheduledTaskPoolRunner<FakeGraphSource<Task1>, Int, String>) {
        let box = SourceBox<FakeGraphSource<Task1>>()
        var tasks: [String: Task1] = [:]
        for node in nodes {
            let key = node.key
            tasks[key] = Task1(
                key: key,
                cost: node.cost,
                run: {
                    await probe.start(key)
                    do { try await body(key) } catch {
                        await probe.end(key)
                        throw error
                    }
                    await probe.end(key)
                    return key
                },
                onComplete: { task, _ in box.value?.complete(task.key) }
            )
        }
        let source = FakeGraphSource(nodes.map { ($0.key, $0.dependencies) }, elements: tasks)
        box.value = source
        return (source, ScheduledTaskPoolRunner(name: "test", source: source, ledger: capacity))
    }

    // MARK: - Capacity scenarios

    @Test func tasksThatDoNotFitTogetherNeverOverlapAndDependentWaitsForBoth() async throws {
        let capacity = FakeCapacity(["capacity": 2, "memory_gb": 8])
        let probe = TaskProbe()
        let (_, runner) = graphRun(
            [
                ("b", [], ["capacity": 1, "memory_gb": 4]),
                ("c", [], ["capacity": 1, "memory_gb": 6]),
                ("d", ["b", "c"], ["capacity": 1]),
            ],
            capacity: capacity,
            probe: probe
        )
        let envelopes = try await runner.runTasks().collect()
        #expect(await probe.peak == 1)
        #expect(capacity.peakInUse["memory_gb"] ?? 0 <= 8)
        #expect(envelopes.finalKeys().last == "d")
        #expect(await probe.starts.last == "d")
        #expect(capacity.isWhole)
    }

    @Test func multiResourceStreamingScenarioOverlapsOnlyWhatFits() async throws {
        let capacity = FakeCapacity(["gpu": 2, "cpu": 3])
        let probe = TaskProbe()
        let encode = Task1(key: "encode", cost: ["gpu": 2, "cpu": 1]) {
            await probe.start("encode")
            await probe.end("encode")
            return "encoded"
        }
        let features = Task1(
            key: "features",
            cost: ["gpu": 1, "cpu": 2],
            body: .streaming {
                AsyncThrowingStream { continuation in
                    let task = Task {
                        await probe.start("features")
                        continuation.yield(.progress(1))
                        // Overlap is forced: features cannot finish until thumbs has started.
                        await probe.waitForStarts(3)
                        continuation.yield(.progress(2))
                        await probe.end("features")
                        continuation.yield(.final("features"))
                        continuation.finish()
                    }
                    continuation.onTermination = { _ in task.cancel() }
                }
            }
        )
        let thumbs = Task1(key: "thumbs", cost: ["gpu": 1, "cpu": 1]) {
            await probe.start("thumbs")
            await probe.end("thumbs")
            return "thumbs"
        }
        let source = FakeTaskSource([encode, features, thumbs], closed: true)
        let runner = ScheduledTaskPoolRunner(name: "media", source: source, ledger: capacity)
        let envelopes = try await runner.runTasks().collect()
        let starts = await probe.starts
        #expect(starts.first == "encode")
        #expect(Set(starts.dropFirst()) == ["features", "thumbs"])
        #expect(capacity.peakInUse["gpu"] == 2)
        let featureKinds = envelopes.filter { $0.key == "features" }.map { $0.isTerminal ? "T" : "I" }
        #expect(featureKinds == ["I", "I", "T"])
        #expect(envelopes.filter { $0.key == "features" }.compactMap(\.progress) == [1, 2])
        #expect(capacity.available == ["gpu": 2, "cpu": 3])
    }

    @Test func intermediateEnvelopesKeepResourcesHeld() async throws {
        let capacity = FakeCapacity(["capacity": 1, "io": 5])
        let gate = CancellableGate()
        let task = Task1(
            key: "stream",
            cost: ["capacity": 1, "io": 3],
            body: .streaming {
                AsyncThrowingStream { continuation in
                    let task = Task {
                        continuation.yield(.progress(1))
                        try await gate.wait()
                        continuation.yield(.final("done"))
                        continuation.finish()
                    }
                    continuation.onTermination = { _ in task.cancel() }
                }
            }
        )
        let runner = ScheduledTaskPoolRunner(name: "t", source: FakeTaskSource([task], closed: true), ledger: capacity)
        var iterator = runner.runTasks().makeAsyncIterator()
        let first = try #require(try await iterator.next())
        #expect(first.progress == 1)
        #expect(capacity.available == ["capacity": 0, "io": 2])
        gate.open()
        let last = try #require(try await iterator.next())
        #expect(last.output == "done")
        #expect(capacity.available == ["capacity": 1, "io": 5])
        #expect(try await iterator.next() == nil)
    }

    @Test func taskWithoutCostConsumesOneCapacityUnit() async throws {
        let task = Task1(key: "k") { "v" }
        #expect(task.cost == ["capacity": 1])
        let capacity = FakeCapacity(["capacity": 1])
        let probe = TaskProbe()
        let tasks = (0..<5).map { index in
            Task1(key: "t\(index)") {
                await probe.start("t\(index)")
                await Task.yield()
                await probe.end("t\(index)")
                return ""
            }
        }
        let runner = ScheduledTaskPoolRunner(name: "t", source: FakeTaskSource(tasks, closed: true), ledger: capacity)
        _ = try await runner.runTasks().collect()
        #expect(await probe.peak == 1)
        #expect(capacity.peakInUse["capacity"] == 1)
    }

    @Test func failingTaskWithoutStopOnErrorYieldsErrorEnvelopeAndOthersComplete() async throws {
        let capacity = FakeCapacity(["capacity": 2])
        let errors = Mutex<[String]>([])
        let tasks = ["a", "bad", "c"].map { key in
            Task1(
                key: key,
                run: {
                    if key == "bad" { throw TestFailure(name: key) }
                    return key
                },
                onError: { task, _ in errors.withLock { $0.append(task.key) } }
            )
        }
        let runner = ScheduledTaskPoolRunner(name: "t", source: FakeTaskSource(tasks, closed: true), ledger: capacity)
        let envelopes = try await runner.runTasks(stopOnError: false).collect()
        let failed = envelopes.filter { $0.error != nil }
        #expect(failed.count == 1)
        #expect(failed.first?.key == "bad")
        #expect(failed.first?.error as? TestFailure == TestFailure(name: "bad"))
        #expect(errors.withLock { $0 } == ["bad"])
        #expect(Set(envelopes.compactMap(\.output)) == ["a", "c"])
        #expect(capacity.isWhole)
    }

    @Test func stopOnErrorByDefaultThrowsTheTaskError() async throws {
        let capacity = FakeCapacity(["capacity": 1])
        let calls = Mutex(0)
        let task = Task1(
            key: "bad",
            run: { throw TestFailure(name: "boom") },
            onError: { _, _ in calls.withLock { $0 += 1 } }
        )
        let runner = ScheduledTaskPoolRunner(name: "t", source: FakeTaskSource([task], closed: true), ledger: capacity)
        await #expect(throws: TestFailure(name: "boom")) { _ = try await runner.runTasks().collect() }
        #expect(calls.withLock { $0 } == 1)
        #expect(capacity.isWhole)
    }

    @Test func stopOnErrorCancelsRunningTasksAndReleasesEverythingBeforeThrowing() async throws {
        let capacity = FakeCapacity(["capacity": 3])
        let probe = TaskProbe()
        let completions = Mutex(0)
        let slow = (0..<2).map { index in
            Task1(
                key: "slow\(index)",
                run: {
                    await probe.start("slow\(index)")
                    defer { Task { await probe.end("slow\(index)") } }
                    try await CancellableGate().wait()  // never opened: ends only by cancellation
                    return ""
                },
                onComplete: { _, _ in completions.withLock { $0 += 1 } }
            )
        }
        let bad = Task1(key: "bad") {
            await probe.waitForStarts(2)
            throw TestFailure(name: "bad")
        }
        let runner = ScheduledTaskPoolRunner(
            name: "t",
            source: FakeTaskSource(slow + [bad], closed: true),
            ledger: capacity
        )
        await #expect(throws: TestFailure(name: "bad")) { _ = try await runner.runTasks().collect() }
        #expect(capacity.isWhole)
        #expect(capacity.acceptedCount == capacity.releaseCount)
        #expect(completions.withLock { $0 } == 0)
    }

    @Test func bodyThatThrowsWhenInvokedDoesNotLeakCapacity() async throws {
        let capacity = FakeCapacity(["capacity": 2, "io": 4])
        let tasks = (0..<6).map { index in
            Task1(key: "t\(index)", cost: ["capacity": 1, "io": 2]) { throw TestFailure(name: "t\(index)") }
        }
        let runner = ScheduledTaskPoolRunner(name: "t", source: FakeTaskSource(tasks, closed: true), ledger: capacity)
        let envelopes = try await runner.runTasks(stopOnError: false).collect()
        #expect(envelopes.count == 6)
        #expect(envelopes.allSatisfy { $0.error != nil })
        #expect(capacity.available == ["capacity": 2, "io": 4])
    }

    @Test func quotaExhaustionPausesUntilResetWithoutPolling() async throws {
        let quota = FakeQuota(limit: 100)
        let source = FakeTaskSource((0..<250).map { index in Task1(key: "t\(index)", cost: ["requests": 1]) { "" } })
        source.close()
        let runner = ScheduledTaskPoolRunner(name: "quota", source: source, ledger: quota)
        var iterator = runner.runTasks().makeAsyncIterator()
        for window in 1...3 {
            let expected = min(100, 250 - (window - 1) * 100)
            for _ in 0..<expected { _ = try #require(try await iterator.next()) }
            #expect(source.takeCount == (window - 1) * 100 + expected)
            quota.reset()
        }
        #expect(try await iterator.next() == nil)
        #expect(quota.maxTakenPerWindow <= 100)
    }

    @Test func openEmptySourceKeepsRunAliveUntilEnqueueAndEndsAfterClose() async throws {
        let capacity = FakeCapacity(["capacity": 2])
        let source = FakeTaskSource<Task1>()
        let runner = ScheduledTaskPoolRunner(name: "t", source: source, ledger: capacity)
        var iterator = runner.runTasks().makeAsyncIterator()
        let producer = Task {
            source.enqueue(Task1(key: "late") { "late" })
        }
        let first = try #require(try await iterator.next())
        #expect(first.output == "late")
        try await producer.value(within: "the producer task to finish")
        source.close()
        #expect(try await iterator.next() == nil)
    }

    @Test func completionCallbackDrivesThreeStageChainInOrder() async throws {
        let capacity = FakeCapacity(["capacity": 4])
        let probe = TaskProbe()
        let (source, runner) = graphRun(
            [
                ("fetch", [], .defaultTaskCost), ("parse", ["fetch"], .defaultTaskCost),
                ("save", ["parse"], .defaultTaskCost),
            ],
            capacity: capacity,
            probe: probe
        )
        let envelopes = try await runner.runTasks().collect()
        #expect(envelopes.finalKeys() == ["fetch", "parse", "save"])
        #expect(source.startOrder == ["fetch", "parse", "save"])
        #expect(source.isFinished)
    }

    @Test func coincidingSignalsNeverCreateMoreThanOneCapacityWait() async throws {
        let capacity = FakeCapacity(["capacity": 8])
        let tasks = (0..<200).map { index in Task1(key: "t\(index)") { "" } }
        let runner = ScheduledTaskPoolRunner(name: "t", source: FakeTaskSource(tasks, closed: true), ledger: capacity)
        var iterator = runner.runTasks().makeAsyncIterator()
        var count = 0
        while try await iterator.next() != nil {
            count += 1
            if count % 50 == 0 { capacity.grow("other", by: 1) }  // external signals on top of releases
            #expect(capacity.subscriptionCount == 1)
        }
        #expect(count == 200)
        #expect(capacity.subscriptionCount == 1)
    }

    @Test func taskIDsStartAtOneAndIncreaseInStartOrder() async throws {
        let capacity = FakeCapacity(["capacity": 3])
        let probe = TaskProbe()
        let nodes: [(key: String, dependencies: [String], cost: ResourceCost)] =
            (0..<20).map { ("n\($0)", $0 >= 4 ? ["n\($0 - 4)"] : [], .defaultTaskCost) }
        let (source, runner) = graphRun(nodes, capacity: capacity, probe: probe)
        let envelopes = try await runner.runTasks().collect()
        let idsByKey = Dictionary(uniqueKeysWithValues: envelopes.map { ($0.key!, $0.taskID) })
        #expect(Set(idsByKey.values) == Set(1...20))
        let idsInStartOrder = source.startOrder.map { idsByKey[$0]! }
        #expect(idsInStartOrder == Array(1...20))
    }

    @Test func priorityRoutingStartsEveryPremiumTaskBeforeAnyStandardTask() async throws {
        let capacity = FakeCapacity(["capacity": 4])
        let source = FakeTaskSource<Task1>()
        for (tier, priority, count) in [("free", 10, 15), ("standard", 50, 10), ("premium", 100, 5)] {
            for index in 0..<count {
                source.enqueue(Task1(key: "\(tier)-\(index)") { "" }, priority: priority)
            }
        }
        source.close()
        let runner = ScheduledTaskPoolRunner(name: "tiers", source: source, ledger: capacity)
        let envelopes = try await runner.runTasks().collect()
        let startOrder = envelopes.sorted { $0.taskID < $1.taskID }.map { $0.key!.split(separator: "-")[0] }
        #expect(startOrder.prefix(4).allSatisfy { $0 == "premium" })
        // `#require`, not `!`: a run cut short (say, by the time limit under heavy load) must fail this test,
        // not crash the whole test process.
        let lastPremium = try #require(startOrder.lastIndex(of: "premium"))
        let firstStandard = try #require(startOrder.firstIndex(of: "standard"))
        let lastStandard = try #require(startOrder.lastIndex(of: "standard"))
        let firstFree = try #require(startOrder.firstIndex(of: "free"))
        #expect(lastPremium < firstStandard)
        #expect(lastStandard < firstFree)
    }

    // MARK: - Costs that can never fit

    @Test func costLargerThanLimitsIsReportedAsErrorInsteadOfHanging() async throws {
        let capacity = FakeCapacity(["gpu": 2])
        let errors = Mutex<[String]>([])
        let huge = Task1(
            key: "huge",
            cost: ["gpu": 3],
            run: { "never" },
            onError: { task, _ in errors.withLock { $0.append(task.key) } }
        )
        let small = Task1(key: "small", cost: ["gpu": 1]) { "ok" }
        let runner = ScheduledTaskPoolRunner(
            name: "t",
            source: FakeTaskSource([huge, small], closed: true),
            ledger: capacity
        )
        let envelopes = try await runner.runTasks(stopOnError: false).collect()
        let error = try #require(envelopes.first { $0.key == "huge" }?.error as? CapacityError)
        #expect(error.code == .exceedsLimit)
        #expect(envelopes.first { $0.key == "huge" }?.taskID == 1)
        #expect(envelopes.contains { $0.output == "ok" })
        #expect(errors.withLock { $0 } == ["huge"])
        #expect(capacity.isWhole)
    }

    @Test func negativeCostIsReportedAsErrorAndStopsByDefault() async throws {
        let capacity = FakeCapacity(["gpu": 2])
        let task = Task1(key: "neg", cost: ["gpu": -1]) { "never" }
        let runner = ScheduledTaskPoolRunner(name: "t", source: FakeTaskSource([task], closed: true), ledger: capacity)
        await #expect {
            _ = try await runner.runTasks().collect()
        } throws: { error in
            (error as? CapacityError)?.code == .negativeAmount
        }
    }

    @Test func streamingBodyWithoutFinalValueFails() async throws {
        let capacity = FakeCapacity(["capacity": 1])
        let task = Task1(
            key: "s",
            body: .streaming {
                AsyncThrowingStream { continuation in
                    continuation.yield(.progress(1))
                    continuation.finish()
                }
            }
        )
        let runner = ScheduledTaskPoolRunner(name: "t", source: FakeTaskSource([task], closed: true), ledger: capacity)
        let envelopes = try await runner.runTasks(stopOnError: false).collect()
        #expect(envelopes.count == 2)
        #expect((envelopes.last?.error as? TaskPoolError)?.code == .missingFinalValue)
        #expect(capacity.isWhole)
    }

    @Test func emptyFinishedSourceEndsAtOnce() async throws {
        let runner = ScheduledTaskPoolRunner(
            name: "t",
            source: FakeTaskSource<Task1>([], closed: true),
            ledger: FakeCapacity(["capacity": 1])
        )
        #expect(try await runner.runTasks().collect().isEmpty)
    }

    // MARK: - Cancellation

    @Test func cancellingTheConsumerCancelsEveryChildAndReleasesEveryCost() async throws {
        let capacity = FakeCapacity(["capacity": 3, "io": 6])
        let probe = TaskProbe()
        let tasks = (0..<10).map { index in
            Task1(key: "t\(index)", cost: ["capacity": 1, "io": 2]) {
                await probe.start("t\(index)")
                defer { Task { await probe.end("t\(index)") } }
                try await CancellableGate().wait()
                return ""
            }
        }
        let runner = ScheduledTaskPoolRunner(name: "t", source: FakeTaskSource(tasks, closed: true), ledger: capacity)
        let consumer = Task {
            var count = 0
            for try await _ in runner.runTasks() { count += 1 }
            return count
        }
        await probe.waitForStarts(3)
        consumer.cancel()
        #expect(try await consumer.value(within: "the consumer task to finish") == 0)
        #expect(capacity.available == ["capacity": 3, "io": 6])
        #expect(capacity.acceptedCount == 3)
        #expect(capacity.releaseCount == 3)
        await probe.waitForEnds(3)
        #expect(await probe.running.isEmpty)
    }

    @Test func breakingOutOfTheLoopCancelsTheRunInTheBackground() async throws {
        let capacity = FakeCapacity(["capacity": 2])
        let probe = TaskProbe()
        let quick = Task1(key: "quick") { "quick" }
        let blocked = (0..<5).map { index in
            Task1(key: "b\(index)") {
                await probe.start("b\(index)")
                defer { Task { await probe.end("b\(index)") } }
                try await CancellableGate().wait()
                return ""
            }
        }
        let runner = ScheduledTaskPoolRunner(
            name: "t",
            source: FakeTaskSource([quick] + blocked, closed: true),
            ledger: capacity
        )
        for try await envelope in runner.runTasks() where envelope.output == "quick" {
            break
        }
        await capacity.waitUntilWhole()
        await probe.waitForEnds(await probe.starts.count)
        #expect(await probe.running.isEmpty)
        #expect(capacity.acceptedCount == capacity.releaseCount)
    }
}
