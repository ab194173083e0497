/// A first-in, first-out queue: an array of slots with a moving head.
///
/// The envelope buffers of the pool runners use it instead of `Deque` because their code is `@inlinable`
/// (specialised in the client's module), and inlinable code cannot use `DequeModule`, which this module
/// imports internally. A popped slot is cleared at once, so the queue never keeps an element alive.
@usableFromInline
struct FIFOQueue<Element> {
    @usableFromInline var slots: [Element?] = []
    @usableFromInline var head = 0

    @inlinable init() {}

    /// The number of queued elements.
    @inlinable var count: Int { slots.count - head }

    /// Whether nothing is queued.
    @inlinable var isEmpty: Bool { head == slots.count }

    /// Appends `element` at the back.
    @inlinable
    mutating func append(_ element: Element) { slots.append(element) }

    /// Appends `elements` at the back, in order.
    @inlinable
    mutating func append(contentsOf elements: some Sequence<Element>) {
        for element in elements { slots.append(element) }
    }

    /// Removes and returns the front element.
    ///
    /// - Complexity: amortised O(1).
    @inlinable
    mutating func popFirst() -> Element? {
        guard head < slots.count else { return nil }
        let element = slots[head].take()
        head += 1
        if head == slots.count {
            slots.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && 2 * head >= slots.count {
            slots.removeFirst(head)
            head = 0
        }
        return element
    }

    /// Removes every element.
    @inlinable
    mutating func removeAll() {
        slots.removeAll()
        head = 0
    }
}

extension FIFOQueue: Sendable where Element: Sendable {}
