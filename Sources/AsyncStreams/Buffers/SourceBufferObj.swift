/// A mutable buffer of items served as a pull source, first in first out or last in first out.
///
/// A long-lived object whose ``buffer`` may be changed at any time; every pull reads the buffer as it is at
/// that moment, so a pull after more items are appended simply finds them.
///
/// ```swift
/// let source = SourceBufferObj([10, 20, 30], oneShot: true)
/// for await value in source { print(value) }   // 10, 20, 30, then the loop ends
/// ```
///
/// **One-shot or open.** A buffer created with items states which it is (`oneShot:` has no default). A
/// one-shot buffer is a batch: it is closing from the start and finishes for good once drained. An
/// open buffer is a queue: it keeps serving items appended later until it is closed; a runner over an
/// open buffer that ran dry waits for more rather than ending.
///
/// **Closing.**
/// ``close()`` makes any buffer closing (graceful: buffered items are still delivered), and
/// ``closeInterrupt()`` finishes it at once (items left in ``buffer`` are never pulled).
///
/// **Empty and not closing:** a pull *suspends* until an
/// item is appended or the buffer is closed. This is what the push-to-pull bridge needs and it lets a
/// runner wait on an open buffer without polling; ending the iteration instead would end a `for await`
/// loop for good, since Swift iterators cannot re-arm after returning `nil`.
///
/// **Concurrency.** Thread-safe: every member may be used from any isolation domain (state is guarded by
/// a `Mutex`). Any number of consumers may pull at once; each item is delivered to exactly one of them,
/// and waiting consumers are served in the order they started waiting. A consumer whose task is
/// cancelled while waiting stops waiting and its iteration returns `nil`; an item is never lost to a
/// cancelled consumer. A pool runner can consume the buffer through ``TaskSource``.
public final class SourceBufferObj<Element: Sendable>: AsyncSequence, TaskSource, Peekable, Sendable {
    let storage: BufferStorage<Element>

    /// Creates a buffer source over `buffer`, saying whether it ends once drained.
    ///
    /// The choice has no default, because each one is a trap for the other use: a batch given to a runner
    /// must be one-shot, or the run ends its last task and then waits for more forever; a queue fed later
    /// must stay open, or it finishes as soon as it runs dry.
    ///
    /// ```swift
    /// let batch = SourceBufferObj(bodies, oneShot: true)       // ends after the last body
    /// let queue = SourceBufferObj(firstJobs, oneShot: false)   // waits for more until close()
    /// ```
    ///
    /// - Parameters:
    ///   - buffer: the initial items; the front is the oldest.
    ///   - oneShot: `true`: the buffer finishes for good once drained (as if ``close()`` were called at
    ///     construction; an empty one-shot buffer is finished at once). `false`: a pull on the empty buffer
    ///     waits for an ``append(_:)`` or a ``close()``.
    ///   - mode: which end pulls remove from; ``BufferMode/fifo`` by default.
    public init(_ buffer: [Element], oneShot: Bool, mode: BufferMode = .fifo) {
        storage = BufferStorage(items: buffer, isClosing: oneShot, mode: mode)
    }

    /// Creates an empty, open buffer: a queue that serves items appended later and ends after ``close()``.
    ///
    /// - Parameter mode: which end pulls remove from; ``BufferMode/fifo`` by default.
    public convenience init(mode: BufferMode = .fifo) {
        self.init([], oneShot: false, mode: mode)
    }

    /// The buffered items, oldest first, whatever the mode.
    ///
    /// Setting replaces the contents, and waiting consumers are served from the new contents. Once the
    /// source is done (``isDone``) setting has no effect: the source never yields again.
    ///
    /// - Complexity: O(*n*) to read or write.
    public var buffer: [Element] {
        get { storage.items }
        set { _ = storage.replaceItems(with: newValue) }
    }

    /// The number of buffered items.
    public var count: Int { storage.count }

    /// The pull order: ``BufferMode/fifo`` or ``BufferMode/lifo``.
    public var mode: BufferMode { storage.mode }

    /// Whether the buffer will finish once drained (one-shot, or ``close()`` was called).
    public var isClosing: Bool { storage.isClosing }

    /// Whether the source is finished for good: closing and drained, or interrupted.
    public var isDone: Bool { storage.isDone }

    /// Appends `item` at the back, waking a waiting consumer.
    ///
    /// Items appended while the buffer is closing but not yet drained are still delivered.
    ///
    /// - Returns: `false` when the source is already done; the item is then dropped.
    /// - Complexity: amortised O(1).
    @discardableResult
    public func append(_ item: Element) -> Bool { storage.append(item) }

    /// The item the next pull would return (front for FIFO, back for LIFO), without removing it.
    ///
    /// - Returns: `nil` when the buffer is empty or the source is done.
    /// - Complexity: O(1).
    public func peek() -> Element? { storage.peek() }

    /// Graceful stop: items already buffered are still delivered, then the source is done.
    ///
    /// Calling it on an empty buffer ends waiting consumers at once. Idempotent.
    public func close() { storage.close(sealing: false) }

    /// Immediate stop: the source is done at once, waiting consumers receive `nil`, and items left in
    /// ``buffer`` are never pulled. Idempotent.
    public func closeInterrupt() { storage.closeInterrupt() }

    // MARK: - TaskSource

    /// Takes the next item if `predicate` accepts it; see ``TaskSource/take(where:)``.
    ///
    /// - Complexity: O(1) plus the predicate.
    public func take(where predicate: (Element) -> Bool) -> Element? { storage.take(where: predicate) }

    /// Same as ``isDone``.
    public var isFinished: Bool { storage.isDone }

    /// A subscription woken on every append, replacement and close; it ends when the source is done.
    public func changes() -> AsyncStream<Void> { storage.changes() }

    // MARK: - AsyncSequence

    /// Creates an iterator over this source. Iterators share the source: each item goes to one of them.
    public func makeAsyncIterator() -> BufferIterator<Element> { BufferIterator(storage: storage) }
}

/// An iterator that pulls from a ``SourceBufferObj`` or ``PushPullBufferObj/Source``.
///
/// `next()` suspends while the buffer is empty and open; it returns `nil` once the buffer is done, or
/// when the calling task is cancelled while waiting. After returning `nil` it keeps returning `nil`.
public struct BufferIterator<Element: Sendable>: AsyncIteratorProtocol {
    private let storage: BufferStorage<Element>
    private var isExhausted = false

    init(storage: BufferStorage<Element>) { self.storage = storage }

    /// The next item, suspending while the buffer is empty and open.
    public mutating func next() async -> Element? {
        if isExhausted { return nil }
        guard let element = await storage.pull() else {
            isExhausted = true
            return nil
        }
        return element
    }
}
