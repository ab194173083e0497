/// A pull source of work that the pool runners consume without suspending.
///
/// The runners drive a source synchronously: they look at the head (`peek()`), take it only when it is
/// affordable (`take(where:)`, atomic with respect to every other call on the source), and when nothing
/// is available they wait on `changes()` until the source says something may have changed.
///
/// Conforming types are thread-safe classes (they guard their state with a `Mutex`). A conformer must
/// call no user code and no other source's or capacity's lock-holding method from inside its own lock,
/// except the `predicate` of `take(where:)`, which runs under the source's lock and may call a capacity
/// source's synchronous methods (lock order: source, then capacity; never the reverse).
public protocol TaskSource<Element>: AnyObject, Sendable {
    /// The element type served.
    associatedtype Element: Sendable

    /// The element the next `take` would return, without consuming it; `nil` when nothing is
    /// available right now (which does not mean the source is finished).
    func peek() -> Element?

    /// Atomically takes the head element if `predicate` accepts it.
    ///
    /// - Parameter predicate: called at most once, with the head, under the source's lock. Return `true`
    ///   to consume it (typically after a successful `tryAcquire` of its cost).
    /// - Returns: the consumed element, or `nil` when the source is empty or the predicate declined.
    func take(where predicate: (Element) -> Bool) -> Element?

    /// Whether the source will never yield again (closed and drained, or its graph is done).
    var isFinished: Bool { get }

    /// A fresh subscription that receives a value whenever an element may have become available or
    /// the source finished. Bursts coalesce into one buffered value. The stream ends when the source
    /// finishes for good.
    func changes() -> AsyncStream<Void>
}
