/// The outcome of ``ResourceCapacitySource/tryAcquire(_:)``.
///
/// Resolves the contract's [CONFLICT] between a `Bool` and a tagged result: we return the tagged
/// result (it carries what metrics need) and offer ``isAccepted`` for the boolean reading.
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
