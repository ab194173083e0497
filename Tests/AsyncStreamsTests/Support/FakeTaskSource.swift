import DequeModule
import Synchronization

@testable import AsyncStreams

/// A FIFO (or priority-ordered) task source for pool tests: `enqueue`, `close`, and `TaskSource`
/// semantics (finished when closed and drained).
final class FakeTaskSource<Element: Sendable>: TaskSource {
    private struct State {
        var queue: [(priority: Int, order: Int, element: Element)] = []
        var order = 0
        var isClosed = false
        var takes = 0
    }

    private let state = Mutex(State())
    private let broadcast = Broadcast()

    init(_ elements: [Element] = [], closed: Bool = false) {
        state.withLock { state in
            for element in elements {
                state.queue.append((0, state.order, element))
                state.order += 1
            }
            state.isClosed = closed
        }
        if closed && elements.isEmpty { broadcast.finish() }
    }

    var takeCount: Int { state.withLock { $0.takes } }
    var count: Int { state.withLock { $0.queue.count } }

    /// Adds an element; higher priorities are served first, ties in enqueue order.
    func enqueue(_ element: Element, priority: Int = 0) {
        state.withLock { state in
            precondition(!state.isClosed, "enqueue after close")
            let entry = (priority, state.order, element)
            state.order += 1
            let index = state.queue.firstIndex { $0.priority < priority } ?? state.queue.endIndex
            state.queue.insert(entry, at: index)
        }
        broadcast.notify()
    }

    /// No more elements; the source finishes once drained.
    func close() {
        let drained = state.withLock { state in
            state.isClosed = true
            return state.queue.isEmpty
        }
        broadcast.notify()
        if drained { broadcast.finish() }
    }

    func peek() -> Element? { state.withLock { $0.queue.first?.element } }

    func take(where predicate: (Element) -> Bool) -> Element? {
        let (element, finished) = state.withLock { state -> (Element?, Bool) in
            guard let head = state.queue.first, predicate(head.element) else { return (nil, false) }
            state.queue.removeFirst()
            state.takes += 1
            return (head.element, state.isClosed && state.queue.isEmpty)
        }
        if finished { broadcast.finish() }
        return element
    }

    var isFinished: Bool { state.withLock { $0.isClosed && $0.queue.isEmpty } }

    func changes() -> AsyncStream<Void> { broadcast.subscribe() }
}
