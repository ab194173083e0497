import DequeModule
import HeapModule

/// The aging priority queue of a graph source, over the graph's dense node indices.
///
/// Orders exactly like ``AgingPriorityQueue``: effective priority `p + min(agingRate × (now − t),
/// maxAgeBoost)`, ties to the node queued first. The difference is the storage: per-node data lives in
/// arrays indexed by node, so no operation hashes, and the type is not generic, so it is compiled
/// specialised in this module whatever the source's key and element types are (generic code called from
/// another module runs unspecialised).
///
/// Removing the best node (the common case: it was just peeked) pops it from its heap; removing any other
/// node is lazy, as in ``AgingPriorityQueue``.
@usableFromInline
struct ReadyNodeQueue {
    /// Orders heap entries so that `Heap.max` is the best: higher key first, then lower sequence number.
    private struct Entry: Comparable {
        var key: Double
        var sequence: UInt64
        var node: Int32

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.key != rhs.key ? lhs.key < rhs.key : lhs.sequence > rhs.sequence
        }

        static func == (lhs: Entry, rhs: Entry) -> Bool { lhs.sequence == rhs.sequence }
    }

    private static let notQueued = UInt64.max

    /// Priority units gained per millisecond of waiting (≥ 0).
    let agingRate: Double
    /// The most a node can gain by waiting (≥ 0, possibly infinite).
    let maxAgeBoost: Double
    /// Whether effective priorities depend on time (callers may skip reading the clock otherwise).
    let usesTime: Bool
    private let hasCap: Bool

    /// Per node: its sequence number while queued, `notQueued` otherwise.
    private var sequences: [UInt64] = []
    /// Per node: when it was queued (only with aging).
    private var enqueuedAt: [Double] = []
    /// Per node: the base priority it was queued with.
    private var bases: [Double] = []
    /// Per node: whether its gain reached the cap (it then lives in `capped`).
    private var isCapped: [Bool] = []
    /// Nodes still aging (keyed `p − rate × t`); without aging, every node (keyed `p`).
    private var aging = Heap<Entry>()
    /// Nodes whose gain reached the cap (keyed `p + maxAgeBoost`).
    private var capped = Heap<Entry>()
    /// Aging nodes in enqueue order, with their sequence numbers; only used with a finite cap.
    private var arrivals = Deque<Entry>()
    private var agingLive = 0
    private var cappedLive = 0
    private var nextSequence: UInt64 = 0

    /// The number of queued nodes.
    @usableFromInline private(set) var count = 0

    init(agingRate: Double, maxAgeBoost: Double) {
        precondition(agingRate >= 0 && agingRate.isFinite, "agingRate must be finite and >= 0")
        precondition(maxAgeBoost >= 0, "maxAgeBoost must be >= 0")
        self.agingRate = agingRate
        self.maxAgeBoost = maxAgeBoost
        usesTime = agingRate > 0 && maxAgeBoost > 0
        hasCap = usesTime && maxAgeBoost.isFinite
    }

    /// Whether `node` is queued.
    @usableFromInline
    func contains(_ node: Int32) -> Bool {
        Int(node) < sequences.count && sequences[Int(node)] != Self.notQueued
    }

    /// Queues `node`, which must not be queued.
    ///
    /// - Complexity: O(log *n*).
    @usableFromInline
    mutating func insert(_ node: Int32, priority: Double, now: Double) {
        let index = Int(node)
        if index >= sequences.count {
            let missing = index + 1 - sequences.count
            sequences.append(contentsOf: repeatElement(Self.notQueued, count: missing))
            enqueuedAt.append(contentsOf: repeatElement(0, count: missing))
            bases.append(contentsOf: repeatElement(0, count: missing))
            isCapped.append(contentsOf: repeatElement(false, count: missing))
        }
        precondition(sequences[index] == Self.notQueued, "node \(node) queued twice")
        let sequence = nextSequence
        nextSequence += 1
        let time = usesTime ? now : 0
        sequences[index] = sequence
        enqueuedAt[index] = time
        bases[index] = priority
        isCapped[index] = false
        let entry = Entry(key: usesTime ? priority - agingRate * time : priority, sequence: sequence, node: node)
        aging.insert(entry)
        agingLive += 1
        count += 1
        if hasCap { arrivals.append(entry) }
    }

    /// The best node at time `now`, without removing it.
    ///
    /// - Complexity: amortised O(log *n*) (nodes reaching the cap move between heaps).
    @usableFromInline
    mutating func peek(now: Double) -> Int32? {
        if count == 0 { return nil }
        if hasCap { moveCappedNodes(now: now) }
        while let top = aging.max, !isLiveAging(top) { aging.removeMax() }
        while let top = capped.max, !isLive(top) { capped.removeMax() }
        switch (aging.max, capped.max) {
        case (nil, nil): return nil
        case (let top?, nil): return top.node
        case (nil, let top?): return top.node
        case (let agingTop?, let cappedTop?):
            let agingPriority = usesTime ? agingTop.key + agingRate * now : agingTop.key
            if agingPriority != cappedTop.key {
                return agingPriority > cappedTop.key ? agingTop.node : cappedTop.node
            }
            return agingTop.sequence < cappedTop.sequence ? agingTop.node : cappedTop.node
        }
    }

    /// Removes `node` if it is queued; returns whether it was.
    ///
    /// - Complexity: O(log *n*) when `node` is at the top of its heap (as after ``peek(now:)``),
    ///   amortised O(1) otherwise (its heap entry is deleted lazily).
    @discardableResult
    @usableFromInline
    mutating func remove(_ node: Int32) -> Bool {
        guard contains(node) else { return false }
        let index = Int(node)
        let sequence = sequences[index]
        sequences[index] = Self.notQueued
        count -= 1
        if isCapped[index] {
            cappedLive -= 1
            if capped.max?.sequence == sequence { capped.removeMax() }
        } else {
            agingLive -= 1
            if aging.max?.sequence == sequence { aging.removeMax() }
        }
        if count == 0 {
            if !aging.isEmpty { aging = Heap() }
            if !capped.isEmpty { capped = Heap() }
            arrivals.removeAll(keepingCapacity: true)
        } else {
            compactIfNeeded()
        }
        return true
    }

    /// The effective priority of a queued node at time `now`.
    func effectivePriority(of node: Int32, now: Double) -> Double? {
        guard contains(node) else { return nil }
        let base = bases[Int(node)]
        guard usesTime else { return base }
        return base + min(agingRate * (now - enqueuedAt[Int(node)]), maxAgeBoost)
    }

    // MARK: - Internals

    private func isLive(_ entry: Entry) -> Bool { sequences[Int(entry.node)] == entry.sequence }

    private func isLiveAging(_ entry: Entry) -> Bool { isLive(entry) && !isCapped[Int(entry.node)] }

    private mutating func moveCappedNodes(now: Double) {
        while let first = arrivals.first {
            guard isLive(first) else {
                arrivals.removeFirst()
                continue
            }
            let index = Int(first.node)
            guard agingRate * (now - enqueuedAt[index]) >= maxAgeBoost else { break }
            arrivals.removeFirst()
            isCapped[index] = true
            agingLive -= 1
            cappedLive += 1
            capped.insert(Entry(key: bases[index] + maxAgeBoost, sequence: first.sequence, node: first.node))
        }
    }

    private mutating func compactIfNeeded() {
        if aging.count > 2 * agingLive + 64 {
            aging = Heap(aging.unordered.filter { isLiveAging($0) })
        }
        if capped.count > 2 * cappedLive + 64 {
            capped = Heap(capped.unordered.filter { isLive($0) })
        }
    }
}
