/// Everything one capacity tree keeps under its lock: the resource books of every node and the change
/// subscribers of every node.
///
/// A pure struct (no locks, no tasks). ``CapacityTree`` guards one instance with a `Mutex`, so any
/// operation here is atomic across all levels of the tree. The two parts keep their own records of the
/// tree's shape; ``addNode(limits:parent:restoresOnRelease:)`` adds a node to both, so a node has the same
/// index in each. The operations that return capacity also collect the wake-ups they cause, to be
/// delivered after unlocking.
struct CapacityTreeState {
    /// Limits and availability by node.
    var books = CapacityBooks()
    /// Who is told when availability may have grown.
    var subscribers = CapacitySubscribers()

    var nodeCount: Int { books.nodeCount }

    /// Adds a node to the books and the registry; limits must already be validated.
    mutating func addNode(limits: [String: Double], parent: Int?, restoresOnRelease: Bool) -> Int {
        let index = books.addNode(limits: limits, parent: parent, restoresOnRelease: restoresOnRelease)
        let registered = subscribers.addNode(parent: parent)
        precondition(index == registered, "the books and the subscribers disagree on the tree")
        return index
    }

    /// Returns `cost` at `node` and every ancestor that restores on release (see
    /// ``CapacityBooks/release(_:at:)``), and wakes the subtree of the highest level that grew.
    mutating func release(_ cost: ResourceCost, at node: Int, waking targets: inout WakeList) {
        let highest = books.release(cost, at: node)
        subscribers.wake(inSubtreeOf: highest, into: &targets)
    }

    /// Corrects the books after a task acquired `estimated` but used `actual` (see
    /// ``CapacityBooks/reconcile(estimated:actual:at:)``), and wakes the subtree of the highest level that
    /// grew.
    mutating func reconcile(
        estimated: ResourceCost, actual: ResourceCost, at node: Int, waking targets: inout WakeList
    ) {
        let highest = books.reconcile(estimated: estimated, actual: actual, at: node)
        subscribers.wake(inSubtreeOf: highest, into: &targets)
    }

    /// Applies a change to the books of `node` alone, then wakes `node` and its descendants.
    /// - Returns: the limits at `node` afterwards.
    mutating func adjust(
        at node: Int, waking targets: inout WakeList, _ change: (inout CapacityBooks) -> Void
    ) -> [String: Double] {
        change(&books)
        subscribers.wake(inSubtreeOf: node, into: &targets)
        return books.limits(at: node)
    }
}
