package import AsyncStreams
import Synchronization

/// Lends the build's free cpu units to the jobservers of running tasks, and takes them back when stask's
/// own work needs them.
///
/// A unit is lent only while no step of the build waits to start, and a jobserver gives back what sits
/// unused in its pipe as soon as one does: nested builds use the cores stask would leave idle, and stask's
/// critical path still goes first. The scheduler attaches its budget and a view of its queue, and calls
/// ``notifyChange()`` whenever either may have changed; each open jobserver registers to hear of it.
package final class CPULender: Sendable {
    private struct State {
        var capacity: ResourceCapacitySource?
        var hasWaitingWork: @Sendable () -> Bool = { false }
        var listeners: [UInt64: @Sendable () -> Void] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// Lends from `capacity`'s `cpu`; `hasWaitingWork` tells whether a step waits to start.
    package func attach(_ capacity: ResourceCapacitySource, hasWaitingWork: @escaping @Sendable () -> Bool) {
        state.withLock {
            $0.capacity = capacity
            $0.hasWaitingWork = hasWaitingWork
        }
    }

    /// The build's whole `cpu` budget (1 before a budget is attached).
    package var cpuLimit: Int {
        let limit = state.withLock { $0.capacity?.limits.amounts["cpu"] } ?? 1
        return limit.isFinite ? max(1, Int(limit)) : 1
    }

    /// Whether a step of the build waits to start.
    package var hasWaitingWork: Bool { state.withLock { $0.hasWaitingWork }() }

    /// Takes one free cpu unit to lend, unless a step waits for it or none is free.
    package func lendOne() -> Bool {
        let (capacity, waiting) = state.withLock { ($0.capacity, $0.hasWaitingWork) }
        guard let capacity, !waiting() else { return false }
        return capacity.acquireIfAvailable(["cpu": 1])
    }

    /// Returns `count` lent units to the budget.
    package func giveBack(_ count: Int) {
        guard count > 0, let capacity = state.withLock({ $0.capacity }) else { return }
        capacity.release(["cpu": Double(count)])
    }

    /// Calls `listener` after every ``notifyChange()`` until the returned function is called.
    package func listen(_ listener: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            state.listeners[state.nextID] = listener
            return state.nextID
        }
        return { [weak self] in _ = self?.state.withLock { $0.listeners.removeValue(forKey: id) } }
    }

    /// The budget or the queue may have changed: every open jobserver looks again.
    package func notifyChange() {
        for listener in state.withLock({ Array($0.listeners.values) }) { listener() }
    }
}
