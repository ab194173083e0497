/// An iterator that pulls tasks from a ``DependencySourceObj`` or ``PriorityDependencySourceObj``.
///
/// Each pull takes the best queued task and marks its key `running` in the graph before returning it.
/// `next()` suspends while nothing is queued and the graph is not done (tasks running, retries pending);
/// it returns `nil` once the graph is done, or when the calling task is cancelled while waiting, and
/// keeps returning `nil` afterwards.
public struct GraphSourceIterator<Key: Hashable & Sendable, Element: Sendable>: AsyncIteratorProtocol {
    private let storage: GraphSourceStorage<Key, Element>
    private var isExhausted = false

    init(storage: GraphSourceStorage<Key, Element>) { self.storage = storage }

    /// The next task, suspending while none is queued and the graph is not done.
    public mutating func next() async -> Element? {
        if isExhausted { return nil }
        guard let element = await storage.pull() else {
            isExhausted = true
            return nil
        }
        return element
    }
}
