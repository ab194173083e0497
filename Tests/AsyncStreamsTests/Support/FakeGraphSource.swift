import DequeModule
import Synchronization

@testable import AsyncStreams

/// A small dependency-gated task source for pool tests, independent of `DependencyGraph`: nodes become
/// ready in insertion order when all their dependencies completed; `take` starts the head ready node;
/// `complete` queues newly ready dependents synchronously; `fail` re-queues; `abort` cascades
/// breadth-first. Finished when every node is completed or aborted.
final class FakeGraphSource<Element: Sendable>: TaskSource {
    enum NodeState { case pending, ready, running, completed, aborted }

    private struct State {
        var order: [String] = []
        var dependencies: [String: [String]] = [:]
        var dependents: [String: [String]] = [:]
        var states: [String: NodeState] = [:]
        var ready: Deque<String> = []
        var elements: [String: Element] = [:]
        var started: [String] = []
    }

    private let state = Mutex(State())
    private let broadcast = Broadcast()

    /// Nodes in insertion order; every dependency must be listed earlier.
    init(_ nodes: [(key: String, dependencies: [String])], elements: [String: Element]) {
        state.withLock { state in
            state.elements = elements
            for (key, dependencies) in nodes {
                state.order.append(key)
                state.dependencies[key] = dependencies
                for dependency in dependencies { state.dependents[dependency, default: []].append(key) }
                state.states[key] = dependencies.isEmpty ? .ready : .pending
                if dependencies.isEmpty { state.ready.append(key) }
            }
        }
    }

    /// Every key taken, in take order (retries appear again).
    var startOrder: [String] { state.withLock { $0.started } }

    func nodeState(_ key: String) -> NodeState? { state.withLock { $0.states[key] } }

    func complete(_ key: String) {
        let done = state.withLock { state -> Bool in
            precondition(state.states[key] == .running, "complete(\(key)) on a node that is not running")
            state.states[key] = .completed
            for dependent in state.dependents[key, default: []] where state.states[dependent] == .pending {
                let deps = state.dependencies[dependent, default: []]
                if deps.allSatisfy({ state.states[$0] == .completed }) {
                    state.states[dependent] = .ready
                    state.ready.append(dependent)
                }
            }
            return Self.isDone(state)
        }
        broadcast.notify()
        if done { broadcast.finish() }
    }

    func fail(_ key: String) {
        state.withLock { state in
            precondition(state.states[key] == .running, "fail(\(key)) on a node that is not running")
            state.states[key] = .ready
            state.ready.append(key)
        }
        broadcast.notify()
    }

    @discardableResult
    func abort(_ key: String) -> [String] {
        let (aborted, done) = state.withLock { state -> ([String], Bool) in
            var aborted: [String] = []
            var queue: Deque<String> = [key]
            while let next = queue.popFirst() {
                guard let current = state.states[next], current != .completed, current != .aborted else { continue }
                state.states[next] = .aborted
                aborted.append(next)
                queue.append(contentsOf: state.dependents[next, default: []])
            }
            state.ready.removeAll { aborted.contains($0) }
            return (aborted, Self.isDone(state))
        }
        broadcast.notify()
        if done { broadcast.finish() }
        return aborted
    }

    func peek() -> Element? {
        state.withLock { state in state.ready.first.flatMap { state.elements[$0] } }
    }

    func take(where predicate: (Element) -> Bool) -> Element? {
        state.withLock { state -> Element? in
            guard let key = state.ready.first, let element = state.elements[key], predicate(element) else {
                return nil
            }
            state.ready.removeFirst()
            state.states[key] = .running
            state.started.append(key)
            return element
        }
    }

    var isFinished: Bool { state.withLock { Self.isDone($0) } }

    func changes() -> AsyncStream<Void> { broadcast.subscribe() }

    private static func isDone(_ state: State) -> Bool {
        state.states.values.allSatisfy { $0 == .completed || $0 == .aborted }
    }
}
