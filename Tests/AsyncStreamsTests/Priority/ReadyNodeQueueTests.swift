import Testing

@testable import AsyncStreams

@Suite struct ReadyNodeQueueTests {
    @Test func highestPriorityFirstTiesFIFO() {
        var queue = ReadyNodeQueue(agingRate: 0, maxAgeBoost: .infinity)
        queue.insert(3, priority: 1, now: 0)
        queue.insert(1, priority: 5, now: 0)
        queue.insert(0, priority: 5, now: 0)
        queue.insert(2, priority: 3, now: 0)
        var order: [Int32] = []
        while let next = queue.peek(now: 0) {
            order.append(next)
            let removed = queue.remove(next)
            #expect(removed)
        }
        #expect(order == [1, 0, 2, 3])
        #expect(queue.count == 0)
    }

    @Test func itemReachingCapIsOvertakenByStillAgingItem() {
        var queue = ReadyNodeQueue(agingRate: 1, maxAgeBoost: 10)
        queue.insert(0, priority: 0, now: 0)
        queue.insert(1, priority: 5, now: 6)
        #expect(queue.peek(now: 6) == 0)  // 0: 6, 1: 5
        #expect(queue.peek(now: 20) == 1)  // 0 capped at 10, 1: 5 + 10 = 15
        #expect(queue.effectivePriority(of: 0, now: 20) == 10)
        #expect(queue.effectivePriority(of: 1, now: 20) == 15)
    }

    @Test func removedNodeIsSkippedAndCanBeQueuedAgain() {
        var queue = ReadyNodeQueue(agingRate: 0.5, maxAgeBoost: 4)
        queue.insert(7, priority: 9, now: 0)
        queue.insert(2, priority: 1, now: 0)
        let first = queue.remove(7)
        let second = queue.remove(7)
        #expect(first && !second)
        #expect(!queue.contains(7))
        #expect(queue.peek(now: 100) == 2)
        queue.insert(7, priority: 0, now: 100)  // a retry: queued again, its age restarts
        #expect(queue.contains(7))
        #expect(queue.peek(now: 100) == 2)  // 2 is capped at 1 + 4 = 5 > 0
        #expect(queue.count == 2)
    }

    @Test(arguments: [(0.0, Double.infinity), (0.5, .infinity), (0.5, 3), (1, 0), (2, 7)])
    func matchesBruteForceModelUnderRandomOperations(agingRate: Double, maxAgeBoost: Double) {
        struct ModelItem {
            var node: Int32
            var order: Int
            var priority: Double
            var time: Double
        }
        var generator = SplitMix64(seed: 7)
        var queue = ReadyNodeQueue(agingRate: agingRate, maxAgeBoost: maxAgeBoost)
        var model: [ModelItem] = []
        var inserted = 0
        var now = 0.0
        func effective(_ item: ModelItem) -> Double {
            item.priority + min(agingRate * (now - item.time), maxAgeBoost)
        }
        func modelBest() -> ModelItem? {
            model.max { lhs, rhs in
                let (l, r) = (effective(lhs), effective(rhs))
                return l != r ? l < r : lhs.order > rhs.order
            }
        }
        for _ in 0..<4_000 {
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<4:
                let node = Int32.random(in: 0..<64, using: &generator)
                guard !model.contains(where: { $0.node == node }) else { continue }
                let priority = Double(Int.random(in: 0..<8, using: &generator))
                queue.insert(node, priority: priority, now: now)
                model.append(ModelItem(node: node, order: inserted, priority: priority, time: now))
                inserted += 1
            case 4..<6:
                let expected = modelBest()
                #expect(queue.peek(now: now) == expected?.node)
                if let expected {
                    let removed = queue.remove(expected.node)
                    #expect(removed)
                    model.removeAll { $0.node == expected.node }
                }
            case 6:
                if let victim = model.randomElement(using: &generator) {
                    let removed = queue.remove(victim.node)
                    #expect(removed)
                    model.removeAll { $0.node == victim.node }
                }
            default:
                now += Double(Int.random(in: 0..<4, using: &generator))
            }
            #expect(queue.count == model.count)
        }
    }
}
