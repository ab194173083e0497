import Testing

@testable import AsyncStreams

/// Capacity scenarios with the library's own sources and capacity sources (the main suite uses fakes).
@Suite(.timeLimit(.minutes(1))) struct ScheduledTaskPoolRunnerLibraryTests {
    typealias Job = ScheduledTask<Never, String>

    @Test func quotaSourceAdmitsAtMostTheQuotaPerWindowAndResumesOnReset() async throws {
        let quota = try QuotaCapacitySource(limits: ["requests": 100])
        let source = PrioritySourceObj<Job>()
        for index in 0..<250 { try source.enqueue(Job(key: "r\(index)", cost: ["requests": 1]) { "" }, priority: 1) }
        source.closeSource()
        let runner = ScheduledTaskPoolRunner(name: "quota", source: source, capacity: quota)
        var iterator = runner.runTasks().makeAsyncIterator()
        var finals = 0
        for window in 0..<3 {
            let expected = min(100, 250 - window * 100)
            for _ in 0..<expected where try await iterator.next() != nil { finals += 1 }
            #expect(source.count == 250 - finals)
            #expect(quota.available == ["requests": 0] || finals == 250)
            quota.reset()
        }
        #expect(try await iterator.next() == nil)
        #expect(finals == 250)
    }

    @Test func prioritySourceStartsEveryPremiumTaskBeforeAnyStandardOrFreeTask() async throws {
        let source = PrioritySourceObj<Job>()
        for (tier, priority, count) in [("free", 10.0, 15), ("standard", 50.0, 10), ("premium", 100.0, 5)] {
            for index in 0..<count { try source.enqueue(Job(key: "\(tier)-\(index)") { "" }, priority: priority) }
        }
        source.closeSource()
        let capacity = try ResourceCapacitySource(limits: ["capacity": 4])
        let runner = ScheduledTaskPoolRunner(name: "tiers", source: source, capacity: capacity)
        let envelopes = try await runner.runTasks().collect()
        let tiers = envelopes.sorted { $0.taskID < $1.taskID }.map { String($0.key!.prefix { $0 != "-" }) }
        #expect(
            tiers == Array(repeating: "premium", count: 5) + Array(repeating: "standard", count: 10)
                + Array(repeating: "free", count: 15))
        #expect(capacity.available == ["capacity": 4])
    }

    @Test func dependencySourceCompletesAChainInDependencyOrderThroughOnComplete() async throws {
        let reference = SourceBox<DependencySourceObj<String, Job>>()
        let graph = DependencyGraph<String>()
        try graph.addAll([("fetch", []), ("parse", ["fetch"]), ("save", ["parse"])])
        var tasks: [String: Job] = [:]
        for key in ["fetch", "parse", "save"] {
            tasks[key] = Job(
                key: key, run: { key }, onComplete: { task, _ in _ = try? reference.value?.complete(task.key) })
        }
        let source = try DependencySourceObj(graph: graph, tasks: tasks)
        reference.value = source
        let capacity = try ResourceCapacitySource(limits: ["capacity": 3])
        let envelopes = try await ScheduledTaskPoolRunner(name: "chain", source: source, capacity: capacity)
            .runTasks().collect()
        #expect(envelopes.compactMap(\.output) == ["fetch", "parse", "save"])
        #expect(envelopes.map(\.taskID) == [1, 2, 3])
    }
}
