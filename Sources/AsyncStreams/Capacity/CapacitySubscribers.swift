/// The change subscribers of one capacity tree: who is told when availability at a node may have grown.
///
/// A pure struct (no locks): ``CapacityTreeState`` pairs it with the resource books, and ``CapacityTree``
/// guards both with one `Mutex`. It only parks and hands back continuations and listeners; the caller
/// resumes and calls them after unlocking. It knows the tree's shape (each node's children) because a
/// wake-up reaches a node's whole subtree.
///
/// Each subscriber is either a *listener* (a function called on every wake-up) or a *consumer* of a
/// ``ResourceCapacitySource/changes()`` stream, which holds at most one pending wake-up or one parked
/// waiter, never both.
struct CapacitySubscribers {
    private var children: [[Int]] = []
    private var subscribers: [[Subscriber]] = []
    private var nextSubscriberID: UInt64 = 0
    private var subscriberTotal = 0

    var nodeCount: Int { children.count }

    /// The number of subscribers at every node together.
    var count: Int { subscriberTotal }

    /// Adds a node under `parent` (which must exist) and returns its index.
    mutating func addNode(parent: Int?) -> Int {
        let index = children.count
        children.append([])
        subscribers.append([])
        if let parent { children[parent].append(index) }
        return index
    }

    /// Registers a subscriber at `node` with no wake-up pending; with a `listener`, every wake-up calls
    /// it (after unlocking) instead of parking and resuming a consumer.
    mutating func subscribe(at node: Int, listener: (@Sendable () -> Void)? = nil) -> UInt64 {
        nextSubscriberID &+= 1
        subscribers[node].append(Subscriber(id: nextSubscriberID, listener: listener))
        subscriberTotal += 1
        return nextSubscriberID
    }

    /// Removes a subscriber; returns its parked waiter, if any, to be resumed with `false`.
    mutating func unsubscribe(_ id: UInt64, at node: Int) -> Subscriber.Waiter? {
        guard let index = subscribers[node].firstIndex(where: { $0.id == id }) else { return nil }
        subscriberTotal -= 1
        return subscribers[node].remove(at: index).waiter
    }

    /// A subscriber asks for its next wake-up: `true` at once if one is pending (consuming it), `nil`
    /// after parking `waiter` (or `false` when the subscriber is gone).
    ///
    /// - Precondition: the subscriber has no waiter parked already (one consumer at a time).
    mutating func nextWake(_ id: UInt64, at node: Int, waiter: Subscriber.Waiter) -> Bool? {
        guard let index = subscribers[node].firstIndex(where: { $0.id == id }) else { return false }
        if subscribers[node][index].isPending {
            subscribers[node][index].isPending = false
            return true
        }
        precondition(subscribers[node][index].waiter == nil, "a changes() stream supports one consumer at a time")
        subscribers[node][index].waiter = waiter
        return nil
    }

    /// Marks a wake-up for every subscriber of `node` and its descendants; a negative `node` wakes nobody.
    /// Parked waiters are appended to `targets`, to be resumed with `true` after unlocking; the others
    /// keep one pending wake-up, so a release while nobody waits costs no allocation and no resumption.
    ///
    /// - Complexity: O(*n*) for the *n* nodes of the subtree; O(1) when the tree has no subscriber.
    mutating func wake(inSubtreeOf node: Int, into targets: inout WakeList) {
        if subscriberTotal == 0 || node < 0 { return }
        for index in subscribers[node].indices {
            if let listener = subscribers[node][index].listener {
                targets.append(.listener(listener))
            } else if let waiter = subscribers[node][index].waiter {
                subscribers[node][index].waiter = nil
                targets.append(.waiter(waiter))
            } else {
                subscribers[node][index].isPending = true
            }
        }
        for child in children[node] {
            wake(inSubtreeOf: child, into: &targets)
        }
    }

    /// Whether the subscriber `id` at `node` holds a wake-up it has not consumed yet.
    func isPending(_ id: UInt64, at node: Int) -> Bool {
        subscribers[node].first(where: { $0.id == id })?.isPending ?? false
    }
}
