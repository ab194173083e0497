import Testing

@testable import AsyncStreams

@Suite struct AgingPriorityQueueTests {
    @Test func highestPriorityFirstTiesFIFO() {
        var queue = AgingPriorityQueue<String>(agingRate: 0, maxAgeBoost: .infinity)
        queue.insert("a", priority: 1, now: 0)
        queue.insert("b", priority: 5, now: 0)
        queue.insert("c", priority: 5, now: 0)
        queue.insert("d", priority: 3, now: 0)
        var order: [String] = []
        while let next = queue.popBest(now: 0) { order.append(next) }
        #expect(order == ["b", "c", "d", "a"])
    }

    @Test func uncappedAgingNeverReordersQueuedItems() {
        var queue = AgingPriorityQueue<String>(agingRate: 1, maxAgeBoost: .infinity)
        queue.insert("old-low", priority: 0, now: 0)
        queue.insert("new-high", priority: 3, now: 2)
        // old-low: 0 + (t − 0); new-high: 3 + (t − 2) = t + 1 > t at every t.
        for now in [2.0, 10, 1_000] { #expect(queue.peek(now: now)?.element == "new-high") }
    }

    @Test func itemReachingCapIsOvertakenByStillAgingItem() {
        var queue = AgingPriorityQueue<String>(agingRate: 1, maxAgeBoost: 10)
        queue.insert("a", priority: 0, now: 0)
        queue.insert("b", priority: 5, now: 6)
        #expect(queue.peek(now: 6)?.element == "a")  // a 6, b 5
        #expect(queue.peek(now: 20)?.element == "b")  // a capped at 10, b 5 + 10 = 15
        #expect(queue.effectivePriority(of: 0, now: 20) == 10)
        #expect(queue.effectivePriority(of: 1, now: 20) == 15)
    }

    @Test func removeBySequenceSkipsItem() {
        var queue = AgingPriorityQueue<String>(agingRate: 0.5, maxAgeBoost: 4)
        let first = queue.insert("a", priority: 9, now: 0)
        queue.insert("b", priority: 1, now: 0)
        #expect(queue.remove(first) == "a")
        #expect(queue.remove(first) == nil)
        #expect(queue.count == 1)
        #expect(queue.popBest(now: 100) == "b")
        #expect(queue.isEmpty)
    }

    @Test(arguments: [(0.0, Double.infinity), (0.5, .infinity), (0.5, 3), (1, 0), (2, 7)])
    func matchesBruteForceModelUnderRandomOperations(agingRate: Double, maxAgeBoost: Double) {
        struct ModelItem {
            var sequence: UInt64
            var priority: Double
            var time: Double
        }
        var generator = SplitMix64(seed: 42)
        var queue = AgingPriorityQueue<UInt64>(agingRate: agingRate, maxAgeBoost: maxAgeBoost)
        var model: [ModelItem] = []
        var now = 0.0
        func effective(_ item: ModelItem) -> Double {
            item.priority + min(agingRate * (now - item.time), maxAgeBoost)
        }
        func modelBest() -> ModelItem? {
            model.max { lhs, rhs in
                let (l, r) = (effective(lhs), effective(rhs))
                return l != r ? l < r : lhs.sequence > rhs.sequence
            }
        }
        for _ in 0..<4_000 {
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<4:
                let priority = Double(Int.random(in: 0..<8, using: &generator))
                let sequence = queue.insert(0, priority: priority, now: now)
                model.append(ModelItem(sequence: sequence, priority: priority, time: now))
            case 4..<6:
                let expected = modelBest()
                let peeked = queue.peek(now: now)?.sequence
                #expect(peeked == expected?.sequence)
                if let expected {
                    #expect(queue.popBest(now: now) != nil)
                    model.removeAll { $0.sequence == expected.sequence }
                }
            case 6:
                if let victim = model.randomElement(using: &generator) {
                    #expect(queue.remove(victim.sequence) != nil)
                    model.removeAll { $0.sequence == victim.sequence }
                }
            default:
                now += Double(Int.random(in: 0..<4, using: &generator))
            }
            #expect(queue.count == model.count)
        }
    }
}
