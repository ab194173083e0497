import Testing

@testable import AsyncStreams

/// The runner's invariants (costs stay within every limit, each task ends exactly once with one callback,
/// every acquisition is released) as seeded property tests, plus real concurrency with competing runners.
@Suite(.timeLimit(.minutes(1))) struct ScheduledTaskPoolRunnerInvariantTests {
    typealias Job = ScheduledTask<Int, String>
    typealias Source = PriorityDependencySourceObj<String, Job>

    static let limits: ResourceCost = ["capacity": 4, "cpu": 5, "io": 3, "gpu": 2]

    /// A random DAG (each node depends on up to three earlier ones), random costs within the limits,
    /// random priorities, bodies that yield a few times, and some first attempts that fail.
    struct Scenario {
        var nodes: [(key: String, dependencies: [String])] = []
        var costs: [String: ResourceCost] = [:]
        var yields: [String: Int] = [:]
        var failsFirst: Set<String> = []
        var priorities: [String: Double] = [:]

        init(seed: UInt64, size: Int) {
            var random = SplitMix64(seed: seed)
            for index in 0..<size {
                let key = "n\(index)"
                let candidates = (0..<index).map { "n\($0)" }
                let count = index == 0 ? 0 : Int.random(in: 0...min(3, index), using: &random)
                nodes.append((key, Array(candidates.shuffled(using: &random).prefix(count))))
                var cost = ResourceCost.zero
                if Bool.random(using: &random) {
                    cost = .defaultTaskCost
                } else {
                    for name in ["cpu", "io", "gpu"] where Bool.random(using: &random) {
                        cost[name] = Double(Int.random(in: 0...Int(limits[name]), using: &random))
                    }
                    cost["capacity"] = 1
                }
                costs[key] = cost
                yields[key] = Int.random(in: 0...3, using: &random)
                if Int.random(in: 0..<8, using: &random) == 0 { failsFirst.insert(key) }
                priorities[key] = Double(Int.random(in: 1...5, using: &random))
            }
        }
    }

    @Test(arguments: 1...12 as ClosedRange<UInt64>)
    func capacityAndEnvelopeInvariantsHoldOnRandomGraphs(seed: UInt64) async throws {
        let scenario = Scenario(seed: seed, size: 40)
        let metrics = InMemoryCapacityMetrics()
        let capacity = try ResourceCapacitySource(limits: Self.limits, metrics: metrics)
        let bridge = RetryingBridge(policy: RetryPolicy(maxAttempts: 2, baseDelay: .zero, jitter: 0))
        let reference = SourceBox<Source>()
        let running = Locked<[String: ResourceCost]>([:])
        let peak = Locked<[String: Double]>([:])
        let attempts = Locked<[String: Int]>([:])
        let callbacks = Locked(0)
        let violations = Locked<[String]>([])

        /// Invariant 2 at a callback: `limit − available` equals the costs of the other running nodes
        /// (this task's cost was released just before its callback).
        @Sendable func checkConservation(_ key: String) {
            callbacks.withLock { $0 += 1 }
            guard let source = reference.value else { return }
            let others = source.withGraph { graph in graph.running.filter { $0 != key } }
            let available = capacity.available
            for name in Self.limits.names {
                let held = others.reduce(0.0) { $0 + scenario.costs[$1, default: .zero][name] }
                if Self.limits[name] - available[name] != held {
                    violations.withLock {
                        $0.append("\(key): \(name) in use \(Self.limits[name] - available[name]) != \(held)")
                    }
                }
            }
        }

        let graph = DependencyGraph<String>()
        var tasks: [String: Job] = [:]
        for (key, dependencies) in scenario.nodes {
            try graph.addNode(key, dependencies: dependencies)
            let cost = scenario.costs[key]!
            let job = Job(
                key: key,
                cost: cost,
                run: {
                    let attempt = attempts.withLock { attempts in
                        attempts[key, default: 0] += 1
                        return attempts[key]!
                    }
                    running.withLock { running in
                        running[key] = cost
                        for name in Self.limits.names {
                            let total = running.values.reduce(0.0) { $0 + $1[name] }
                            peak.withLock { $0[name] = max($0[name] ?? 0, total) }
                        }
                    }
                    for _ in 0..<scenario.yields[key]! { await Task.yield() }
                    running.withLock { _ = $0.removeValue(forKey: key) }
                    if attempt == 1 && scenario.failsFirst.contains(key) { throw TestFailure(name: key) }
                    return key
                },
                onComplete: { task, _ in checkConservation(task.key) },
                onError: { task, _ in checkConservation(task.key) }
            )
            tasks[key] = bridge.wire(job)
        }
        let source = try Source(graph: graph, tasks: tasks, priority: { key, _ in scenario.priorities[key]! })
        reference.value = source
        bridge.connect(to: source)
        let runner = ScheduledTaskPoolRunner(name: "property", source: source, capacity: capacity)
        let envelopes = try await runner.runTasks(stopOnError: false).collect()

        #expect(violations.value.isEmpty)
        for name in Self.limits.names { #expect(peak.value[name] ?? 0 <= Self.limits[name], "peak \(name)") }
        // Invariant 5: exactly one terminal envelope per started task, last for its task ID, and exactly
        // one callback per attempt.
        let byTask = Dictionary(grouping: envelopes, by: \.taskID)
        #expect(byTask.values.allSatisfy { $0.filter(\.isTerminal).count == 1 && $0.last!.isTerminal })
        #expect(byTask.count == attempts.value.values.reduce(0, +))
        #expect(callbacks.value == byTask.count)
        #expect(Set(byTask.keys) == Set(1...byTask.count))
        // Invariant 6: every acquire matched by one release; everything is back.
        let snapshot = metrics.snapshot
        #expect(snapshot.acceptedCount == byTask.count)
        #expect(snapshot.releaseCount == snapshot.acceptedCount)
        #expect(capacity.available == Self.limits)
        #expect(source.isFinished)
        #expect(Set(envelopes.compactMap(\.output)) == Set(scenario.nodes.map(\.key)))
    }

    @Test func hundredsOfTasksFromCompetingRunnersRespectEveryLevelOfAHierarchy() async throws {
        let global = try ResourceCapacitySource(limits: ["cpu": 6])
        let teams = try (0..<2).map { _ in
            try ResourceCapacitySource(limits: ["cpu": 4, "capacity": 3], parent: global)
        }
        let inUse = Locked<[Int: Double]>([:])  // team index → cpu in use by its running bodies; -1 = global
        let peaks = Locked<[Int: Double]>([:])
        let outputs = try await withThrowingTaskGroup(of: Int.self) { group in
            for (index, team) in teams.enumerated() {
                let jobs = (0..<250).map { number in
                    let cpu = Double(number % 3 + 1)
                    return Job(key: "team\(index)-\(number)", cost: ["cpu": cpu, "capacity": 1]) {
                        inUse.withLock { inUse in
                            inUse[index, default: 0] += cpu
                            inUse[-1, default: 0] += cpu
                            let snapshot = inUse
                            peaks.withLock { peaks in
                                for (level, value) in snapshot { peaks[level] = max(peaks[level] ?? 0, value) }
                            }
                        }
                        await Task.yield()
                        inUse.withLock { inUse in
                            inUse[index, default: 0] -= cpu
                            inUse[-1, default: 0] -= cpu
                        }
                        return ""
                    }
                }
                let runner = ScheduledTaskPoolRunner(
                    name: "team\(index)",
                    source: SourceBufferObj(jobs, oneShot: true),
                    capacity: team
                )
                group.addTask { try await runner.runTasks().collect().compactMap(\.output).count }
            }
            return try await group.reduce(0, +)
        }
        #expect(outputs == 500)
        #expect(peaks.value[-1] ?? 0 <= 6)
        #expect(peaks.value[0] ?? 0 <= 4)
        #expect(peaks.value[1] ?? 0 <= 4)
        #expect(global.available == ["cpu": 6])
        #expect(teams.allSatisfy { $0.available == ["cpu": 4, "capacity": 3] })
    }

    @Test func cancellingARealPipelineLeavesNothingRunningAndEveryResourceFree() async throws {
        let capacity = try ResourceCapacitySource(limits: ["capacity": 3, "io": 4])
        let probe = TaskProbe()
        let graph = DependencyGraph<String>()
        var tasks: [String: Job] = [:]
        for index in 0..<12 {
            let key = "k\(index)"
            try graph.addNode(key, dependencies: index >= 6 ? ["k\(index - 6)"] : [])
            tasks[key] = Job(key: key, cost: ["capacity": 1, "io": 1]) {
                await probe.start(key)
                defer { Task { await probe.end(key) } }
                try await CancellableGate().wait()
                return key
            }
        }
        let source = try Source(graph: graph, tasks: tasks)
        let runner = ScheduledTaskPoolRunner(name: "cancel", source: source, capacity: capacity)
        let consumer = Task { try await runner.runTasks().collect() }
        await probe.waitForStarts(3)
        consumer.cancel()
        #expect(try await consumer.value(within: "the consumer task to finish").isEmpty)
        #expect(capacity.available == ["capacity": 3, "io": 4])
        await probe.waitForEnds(3)
        #expect(await probe.running.isEmpty)
        #expect(await probe.starts.count == 3)
    }
}
