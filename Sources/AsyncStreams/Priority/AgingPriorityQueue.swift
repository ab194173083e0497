import DequeModule
import HeapModule

/// A max-priority queue whose items gain priority while they wait, with an optional cap on the gain.
///
/// Effective priority of an item enqueued at time *t* with base priority *p*, at time *now* (milliseconds):
/// `p + min(agingRate × (now − t), maxAgeBoost)`. The best item has the highest effective priority; ties
/// go to the item enqueued first.
///
/// Pure value: the caller passes the current time. Implementation:
/// - Without a cap (or without aging) every item ages at the same rate, so the relative order of queued
///   items never changes: one heap keyed by `p − agingRate × t` orders them for every `now`.
/// - With a finite cap, an item whose gain reached the cap stops aging and may be overtaken. Items reach
///   the cap in enqueue order (they age equally), so a FIFO of arrivals tells which items to move, at
///   each evaluation, from the aging heap to a second heap keyed by `p + maxAgeBoost`. The best item is
///   the better of the two heap tops.
///
/// Removal (taking or cancelling any item) is O(1) with lazy deletion from the heaps; stale heap entries
/// are skipped when they surface and purged when they outnumber the live ones.
struct AgingPriorityQueue<Element: Sendable>: Sendable {
    /// Orders heap entries so that `Heap.max` is the best: higher key first, then lower sequence number.
    private struct Entry: Comparable, Sendable {
        var key: Double
        var sequence: UInt64

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.key != rhs.key ? lhs.key < rhs.key : lhs.sequence > rhs.sequence
        }
    }

    private struct Item: Sendable {
        var element: Element
        var priority: Double
        var enqueuedAt: Double
        var isCapped: Bool
    }

    /// Priority units gained per millisecond of waiting (≥ 0).
    let agingRate: Double
    /// The most an item can gain by waiting (≥ 0, possibly infinite).
    let maxAgeBoost: Double

    private var items: [UInt64: Item] = [:]
    /// Items still aging (keyed `p − rate × t`); with `agingRate == 0`, every item (keyed `p`).
    private var aging = Heap<Entry>()
    /// Items whose gain reached the cap (keyed `p + maxAgeBoost`).
    private var capped = Heap<Entry>()
    /// Sequence numbers of aging items in enqueue order; only used with a finite cap.
    private var arrivals = Deque<UInt64>()
    private var agingLive = 0
    private var cappedLive = 0
    private var nextSequence: UInt64 = 0

    init(agingRate: Double, maxAgeBoost: Double) {
        precondition(agingRate >= 0 && agingRate.isFinite, "agingRate must be finite and >= 0")
        precondition(maxAgeBoost >= 0, "maxAgeBoost must be >= 0")
        self.agingRate = agingRate
        self.maxAgeBoost = maxAgeBoost
    }

    /// Whether effective priorities depend on time (callers may skip reading the clock otherwise).
    var usesTime: Bool { agingRate > 0 && maxAgeBoost > 0 }

    private var hasCap: Bool { usesTime && maxAgeBoost.isFinite }

    /// The number of queued items.
    var count: Int { items.count }

    var isEmpty: Bool { items.isEmpty }

    /// Inserts `element`; returns its sequence number, a handle for ``remove(_:)``.
    ///
    /// - Complexity: O(log *n*).
    @discardableResult
    mutating func insert(_ element: Element, priority: Double, now: Double) -> UInt64 {
        let sequence = nextSequence
        nextSequence += 1
        let time = usesTime ? now : 0
        items[sequence] = Item(element: element, priority: priority, enqueuedAt: time, isCapped: false)
        aging.insert(Entry(key: usesTime ? priority - agingRate * time : priority, sequence: sequence))
        agingLive += 1
        if hasCap { arrivals.append(sequence) }
        return sequence
    }

    /// The best item at time `now`, without removing it.
    ///
    /// - Complexity: amortised O(log *n*) (items reaching the cap move between heaps).
    mutating func peek(now: Double) -> (sequence: UInt64, element: Element)? {
        guard let sequence = bestSequence(now: now) else { return nil }
        return (sequence, items[sequence]!.element)
    }

    /// Removes and returns the best item at time `now`.
    ///
    /// - Complexity: amortised O(log *n*).
    mutating func popBest(now: Double) -> Element? {
        guard let sequence = bestSequence(now: now) else { return nil }
        return remove(sequence)
    }

    /// Removes the item with this sequence number, if still queued.
    ///
    /// - Complexity: O(1) amortised (heap entries are deleted lazily).
    @discardableResult
    mutating func remove(_ sequence: UInt64) -> Element? {
        guard let item = items.removeValue(forKey: sequence) else { return nil }
        if item.isCapped { cappedLive -= 1 } else { agingLive -= 1 }
        if items.isEmpty {
            aging = Heap()
            capped = Heap()
            arrivals.removeAll()
        } else {
            compactIfNeeded()
        }
        return item.element
    }

    /// The effective priority of a queued item at time `now`.
    func effectivePriority(of sequence: UInt64, now: Double) -> Double? {
        guard let item = items[sequence] else { return nil }
        guard usesTime else { return item.priority }
        return item.priority + min(agingRate * (now - item.enqueuedAt), maxAgeBoost)
    }

    /// Every queued element, in no particular order.
    var elements: [Element] { items.values.map(\.element) }

    // MARK: - Internals

    private mutating func bestSequence(now: Double) -> UInt64? {
        if hasCap { moveCappedItems(now: now) }
        while let top = aging.max, items[top.sequence].map({ $0.isCapped }) ?? true { aging.removeMax() }
        while let top = capped.max, items[top.sequence] == nil { capped.removeMax() }
        switch (aging.max, capped.max) {
        case (nil, nil): return nil
        case (let top?, nil): return top.sequence
        case (nil, let top?): return top.sequence
        case (let agingTop?, let cappedTop?):
            let agingPriority = usesTime ? agingTop.key + agingRate * now : agingTop.key
            if agingPriority != cappedTop.key {
                return agingPriority > cappedTop.key ? agingTop.sequence : cappedTop.sequence
            }
            return min(agingTop.sequence, cappedTop.sequence)
        }
    }

    private mutating func moveCappedItems(now: Double) {
        while let sequence = arrivals.first {
            guard let item = items[sequence] else {
                arrivals.removeFirst()
                continue
            }
            guard agingRate * (now - item.enqueuedAt) >= maxAgeBoost else { break }
            arrivals.removeFirst()
            items[sequence]!.isCapped = true
            agingLive -= 1
            cappedLive += 1
            capped.insert(Entry(key: item.priority + maxAgeBoost, sequence: sequence))
        }
    }

    private mutating func compactIfNeeded() {
        if aging.count > 2 * agingLive + 64 {
            let live = aging.unordered.filter { items[$0.sequence].map { !$0.isCapped } ?? false }
            aging = Heap(live)
        }
        if capped.count > 2 * cappedLive + 64 {
            capped = Heap(capped.unordered.filter { items[$0.sequence] != nil })
        }
    }
}
