/// The end of a ``SourceBufferObj`` that pulls remove from.
///
/// New items are always appended at the back; the mode only decides which end is consumed.
public enum BufferMode: Sendable, Hashable, CaseIterable {
    /// First in, first out: pulls remove the front (the oldest item). The default.
    case fifo
    /// Last in, first out: pulls remove the back (the newest item), like a stack.
    case lifo
}
