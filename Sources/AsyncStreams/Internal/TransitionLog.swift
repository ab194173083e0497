/// An insertion-ordered membership log with lazy deletion, for the graph's `ready` and `running` views.
///
/// Removing an element from the middle of an ordered set costs O(*n*). Instead, every node carries a
/// transition stamp that changes on each state change; an entry records the stamp the node had when it
/// entered the set, and is live while the node's stamp still equals it. Removal only decrements the live
/// count; the log compacts itself when more than half of its entries are dead, so every operation is
/// amortised O(1) and materialising the view is O(entries).
struct TransitionLog {
    /// One membership record: a dense node index and the node's stamp when it joined.
    struct Entry {
        var node: Int32
        var stamp: UInt32
    }

    private(set) var entries: [Entry] = []
    private(set) var liveCount = 0

    /// Records that `node` joined the set with transition stamp `stamp`.
    mutating func append(node: Int32, stamp: UInt32) {
        entries.append(Entry(node: node, stamp: stamp))
        liveCount += 1
    }

    /// Records that one live member left the set (its stamp has already changed), compacting when the
    /// log is mostly dead entries.
    mutating func noteRemoval(stamps: [UInt32]) {
        liveCount -= 1
        if entries.count >= 64 && entries.count > 2 * liveCount {
            entries.removeAll { stamps[Int($0.node)] != $0.stamp }
        }
    }

    /// The live members in the order they joined.
    func liveNodes(stamps: [UInt32]) -> [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(liveCount)
        for entry in entries where stamps[Int(entry.node)] == entry.stamp {
            result.append(entry.node)
        }
        return result
    }
}
