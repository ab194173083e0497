/// The outcome of ``ResourceCapacitySource/tryAcquire(_:)``.
///
/// A tagged result rather than a `Bool`, because it carries what metrics and callers need (the amount
/// requested, what is left, why a rejection happened); ``isAccepted`` gives the boolean reading.
public enum AcquireResult: Sendable, Hashable {
    /// The cost was taken at this level and every ancestor; `availableAfter` is this level's availability.
    case accepted(requested: ResourceCost, availableAfter: ResourceCost)
    /// Nothing was taken.
    case rejected(requested: ResourceCost, available: ResourceCost, reason: RejectionReason)

    /// Why an acquisition was rejected.
    public enum RejectionReason: String, Sendable, Hashable {
        case insufficientCapacity = "insufficient_capacity"
        case invalidCost = "invalid_cost"
    }

    /// Whether the cost was taken.
    public var isAccepted: Bool {
        if case .accepted = self { return true }
        return false
    }
}
