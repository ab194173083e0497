/// The life-cycle state of a node in a ``DependencyGraph``.
///
/// `completed` and `aborted` are terminal. `failed` is transient: ``DependencyGraph/fail(_:)`` moves a
/// running node back to `ready` at once, so `state(of:)` never reports `failed` after `fail` returns.
public enum NodeState: String, Sendable, Hashable, CaseIterable {
    case pending, ready, running, completed, failed, aborted

    /// Whether no operation can move a node out of this state.
    public var isTerminal: Bool { self == .completed || self == .aborted }
}
