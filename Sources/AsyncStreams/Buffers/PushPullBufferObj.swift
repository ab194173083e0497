/// A push-to-pull bridge: producers push into ``sink``, a consumer pulls from ``source``.
///
/// Typically a dynamic work queue for a pool runner: work discovered at run time is pushed, the runner pulls it, and closing the sink lets the
/// runner drain and finish.
///
/// ```swift
/// let queue = PushPullBufferObj<Int>()
/// async let consumed: [Int] = {
///     var seen: [Int] = []
///     for await value in queue.source { seen.append(value) }
///     return seen
/// }()
/// for value in 1...3 { queue.sink.next(value) }
/// queue.sink.return()
/// print(await consumed)   // [1, 2, 3]
/// ```
///
/// **Semantics.** The buffer is unbounded and FIFO; ``count`` is the backlog. `sink.next(_:)` never
/// blocks or suspends. Values pushed before the consumer starts are kept. A consumer that finds the buffer
/// empty suspends (no busy-waiting) until the next push or `sink.return()`. After `sink.return()` the
/// source yields everything already buffered and then finishes.
///
/// **Edge cases:**
/// - `sink.next(_:)` after `sink.return()` drops the value and returns `false`.
/// - Several consumers may pull concurrently: each value is delivered to exactly one of them, and
///   waiting consumers are served in the order they started waiting. The intended use is still a single
///   consumer (one runner), which also gives the consumer the values in push order.
///
/// **Concurrency.** Thread-safe: sink and source may be used from any isolation domain. A waiting
/// consumer whose task is cancelled gets `nil`; no value is lost to it.
public final class PushPullBufferObj<Element: Sendable>: Peekable, Sendable {
    /// The push end: ``next(_:)`` appends, ``return()`` ends the stream.
    public let sink: Sink
    /// The pull end: an `AsyncSequence` and a ``TaskSource``.
    public let source: Source

    private let storage: BufferStorage<Element>

    /// Creates a bridge, optionally pre-filled with `buffer` (front first).
    public init(_ buffer: [Element] = []) {
        storage = BufferStorage(items: buffer, isClosing: false, mode: .fifo)
        sink = Sink(storage: storage)
        source = Source(storage: storage)
    }

    /// The value the next pull would return, without consuming it; `nil` when the buffer is empty.
    ///
    /// - Complexity: O(1).
    public func peek() -> Element? { storage.peek() }

    /// The number of buffered values not yet pulled (the backlog).
    public var count: Int { storage.count }

    /// The buffered values, oldest first.
    ///
    /// - Complexity: O(*n*).
    public var buffer: [Element] { storage.items }

    /// The push end of a ``PushPullBufferObj``.
    ///
    /// A value type holding a reference to the shared buffer; copies push into the same buffer.
    public struct Sink: Sendable {
        let storage: BufferStorage<Element>

        /// Appends `value` and wakes a waiting consumer; never blocks.
        ///
        /// - Returns: `true` while the stream is open; `false` after ``return()``, in which case the
        ///   value is dropped.
        /// - Complexity: amortised O(1).
        @discardableResult
        public func next(_ value: Element) -> Bool { storage.append(value) }

        /// Ends the stream: the source delivers what is buffered, then finishes. Idempotent.
        public func `return`() { storage.close(sealing: true) }

        /// Whether ``return()`` has been called.
        public var isClosed: Bool { storage.isSealed }
    }

    /// The pull end of a ``PushPullBufferObj``: an `AsyncSequence` and a ``TaskSource``.
    ///
    /// Iterating suspends while the buffer is empty and open, and ends once the sink is closed and the
    /// buffer drained. Iterators share the buffer: each value goes to exactly one of them.
    public final class Source: AsyncSequence, TaskSource, Peekable, Sendable {
        let storage: BufferStorage<Element>

        init(storage: BufferStorage<Element>) { self.storage = storage }

        /// The value the next pull would return; `nil` when the buffer is empty.
        public func peek() -> Element? { storage.peek() }

        /// Takes the head if `predicate` accepts it; see ``TaskSource/take(where:)``.
        public func take(where predicate: (Element) -> Bool) -> Element? { storage.take(where: predicate) }

        /// Whether the sink is closed and every value has been pulled.
        public var isFinished: Bool { storage.isDone }

        /// A subscription woken on every push and on close; it ends when the source is finished.
        public func changes() -> AsyncStream<Void> { storage.changes() }

        /// Creates an iterator over the shared buffer.
        public func makeAsyncIterator() -> BufferIterator<Element> { BufferIterator(storage: storage) }
    }
}
