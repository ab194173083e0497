import AsyncStreams
import Synchronization
import Testing

/// Shared counters for the workers.
private final class Counters: Sendable {
    let rootHolders = Atomic<Int>(0)
    let maxRootCPU = Atomic<Int>(0)
    let violations = Atomic<Int>(0)
    let accepted = Atomic<Int>(0)
}

/// Real concurrency: many tasks hammering one three-level tree.
@Suite(.timeLimit(.minutes(1))) struct ResourceCapacitySourceStressTests {
    @Test func concurrentAcquireAndReleaseNeverBreakTheBooks() async throws {
        let root = try ResourceCapacitySource(limits: ["cpu": 8, "mem": 16])
        let middles = try (0..<2).map { _ in try ResourceCapacitySource(limits: ["cpu": 6, "mem": 10], parent: root) }
        let leaves = try (0..<4).map {
            try ResourceCapacitySource(limits: ["cpu": 3, "mem": 6], parent: middles[$0 / 2])
        }
        let all = [root] + middles + leaves
        let counters = Counters()

        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<300 {
                group.addTask {
                    var random = SplitMix64(seed: UInt64(worker))
                    for _ in 0..<100 {
                        let leaf = leaves[Int.random(in: 0..<leaves.count, using: &random)]
                        let cpu = Int.random(in: 1...2, using: &random)
                        let cost: ResourceCost = [
                            "cpu": Double(cpu), "mem": Double(Int.random(in: 0...3, using: &random)),
                        ]
                        guard leaf.tryAcquire(cost).isAccepted else {
                            await Task.yield()
                            continue
                        }
                        counters.accepted.add(1, ordering: .relaxed)
                        let holding = counters.rootHolders.add(cpu, ordering: .relaxed).newValue
                        counters.maxRootCPU.max(holding, ordering: .relaxed)
                        for node in all {
                            let limits = node.limits
                            for (name, have) in node.available.amounts where have < 0 || have > limits[name] {
                                counters.violations.add(1, ordering: .relaxed)
                            }
                        }
                        await Task.yield()
                        counters.rootHolders.subtract(cpu, ordering: .relaxed)
                        leaf.release(cost)
                    }
                }
            }
        }
        #expect(counters.violations.load(ordering: .relaxed) == 0)
        #expect(counters.maxRootCPU.load(ordering: .relaxed) <= 8)
        #expect(counters.accepted.load(ordering: .relaxed) > 0)
        for node in all { #expect(node.available == node.limits) }
    }
}
