/// A source that can show its next value without consuming it.
///
/// `peek()` returns what the next pull would
/// yield, or `nil` when nothing is available right now (which does not by itself mean the source is
/// finished). Peeking never changes the source's contents, although sources with aging may re-rank their
/// items as time passes, so a later pull can return a different value when time has passed or items were
/// added in between.
///
/// Every source in this library (``SourceBufferObj``, ``PushPullBufferObj/Source``,
/// ``PrioritySourceObj``, ``DependencySourceObj``, ``PriorityDependencySourceObj``) conforms.
public protocol Peekable<Element> {
    /// The type of value produced.
    associatedtype Element

    /// The value the next pull would return, without consuming it; `nil` when none is available now.
    func peek() -> Element?
}
